"""UpdateModel's patch operations (moto does not implement UpdateModel).

A REST API's model is changed with `replace` operations on `/schema` or `/description`
(https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateModel.html); notebook 05 uses it
to bring a model made by an earlier run up to date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

PATCHABLE = ("/description", "/schema")


class PatchError(ValueError):
    """A patch operation UpdateModel cannot apply (API Gateway's BadRequestException)."""


def patched_model(
    fields: Mapping[str, Any], operations: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """`fields` ({"description", "schema"}) with the patch operations applied, in order."""
    patched = dict(fields)
    for operation in operations:
        op, path = operation.get("op"), operation.get("path")
        if op != "replace" or path not in PATCHABLE:
            raise PatchError(
                f"Invalid patch operation: op '{op}' on path '{path}'. UpdateModel can only "
                f"replace one of: {', '.join(PATCHABLE)}."
            )
        patched[path.lstrip("/")] = operation.get("value")
    return patched
