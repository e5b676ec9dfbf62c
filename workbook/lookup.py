"""Find resources by name, where AWS identifies them by generated ids (API Gateway) or by ARN.

Every notebook looks up what an earlier one made instead of relying on its variables.
"""

from __future__ import annotations

from typing import Any


def rest_api_id(apigateway: Any, name: str) -> str | None:
    """The id of the REST API called `name`, or None. (Names are not unique on AWS; the
    workbook makes one per name, and a duplicate would be reported here.)"""
    found = [
        api["id"]
        for page in apigateway.get_paginator("get_rest_apis").paginate()
        for api in page["items"]
        if api["name"] == name
    ]
    if len(found) > 1:
        raise LookupError(f"{len(found)} REST APIs are called {name}: delete the extra ones")
    return found[0] if found else None


def api_key(apigateway: Any, name: str, *, with_value: bool = False) -> dict[str, Any] | None:
    """The API key called `name` (its secret value only if asked for), or None."""
    for page in apigateway.get_paginator("get_api_keys").paginate(
        nameQuery=name, includeValues=with_value
    ):
        for key in page["items"]:
            if key["name"] == name:
                return key
    return None
