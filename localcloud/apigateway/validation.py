"""Request validators: required parameters and a JSON Schema (draft 4) body model.

Runs before the integration, as on AWS. A model may `$ref` another model of the same API by
its URL, https://apigateway.amazonaws.com/restapis/<apiId>/models/<name>.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from localcloud.apigateway import errors
from localcloud.apigateway.request import GatewayRequest

if TYPE_CHECKING:
    # jsonschema takes about a second to import (its format checkers): it is imported when a
    # deployed API first validates a body, not when the local cloud starts.
    from jsonschema import Draft4Validator

MODEL_URL = "https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}"
_LOCATIONS = {"querystring": "query", "header": "header", "path": "path"}


class Validators:
    """The body validators of one deployed API, compiled on first use."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.compiled: dict[str, Draft4Validator] = {}

    def check(
        self, method: dict[str, Any], request: GatewayRequest, path_params: dict[str, str]
    ) -> None:
        validator_id = method.get("requestValidatorId")
        validator = self.config["requestValidators"].get(validator_id) if validator_id else None
        if validator is None:
            return
        if validator.get("validateRequestParameters"):
            self._check_parameters(method, request, path_params)
        if validator.get("validateRequestBody"):
            self._check_body(method, request)

    def _check_parameters(
        self, method: dict[str, Any], request: GatewayRequest, path_params: dict[str, str]
    ) -> None:
        missing = []
        for key, required in (method.get("requestParameters") or {}).items():
            parts = key.split(".", 3)  # method.request.<location>.<name>
            if not required or len(parts) != 4 or parts[2] not in _LOCATIONS:
                continue
            location, name = _LOCATIONS[parts[2]], parts[3]
            if location == "query":
                present = request.query_value(name) is not None
            elif location == "header":
                present = request.header(name) is not None
            else:
                present = name in path_params
            if not present:
                missing.append(name)
        if missing:
            raise errors.missing_parameters(missing)

    def _check_body(self, method: dict[str, Any], request: GatewayRequest) -> None:
        models = method.get("requestModels") or {}
        name = models.get(request.content_type) or models.get("$default")
        if not name or name not in self.config["models"]:
            return
        try:
            document = json.loads(request.body or b"")
        except ValueError:
            raise errors.invalid_body() from None
        if not self._validator(name).is_valid(document):
            raise errors.invalid_body()

    def _validator(self, name: str) -> Draft4Validator:
        from jsonschema import Draft4Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        if name not in self.compiled:
            registry = Registry().with_resources(
                (
                    MODEL_URL.format(api_id=self.config["id"], name=model),
                    Resource.from_contents(_schema(schema), default_specification=DRAFT4),
                )
                for model, schema in self.config["models"].items()
            )
            self.compiled[name] = Draft4Validator(
                _schema(self.config["models"][name]), registry=registry
            )
        return self.compiled[name]


def _schema(text: str | None) -> dict[str, Any]:
    # moto keeps the schema as the string the caller gave; an empty one accepts anything.
    return json.loads(text) if text else {}
