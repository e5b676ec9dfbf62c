"""Notebook 05's exercises: the API."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.config import Config

from workbook import names
from workbook.exercises.registry import exercise
from workbook.lookup import rest_api_id
from workbook.session import Session

LIMIT = "method.request.querystring.limit"


@exercise("05-1", passed="GET /inventory declares an optional `limit`, validated, and it is live")
def inventory_declares_limit(s: Session) -> str | None:
    # API Gateway's management API is rate-limited per account, and a room of learners shares
    # it: wait out its 429s for about 10 minutes, as notebook 05's client does.
    apigw = boto3.client(
        "apigateway", config=Config(retries={"mode": "standard", "max_attempts": 60})
    )
    api_id = rest_api_id(apigw, s.names.api)
    if api_id is None:
        return f"there is no API {s.names.api}: run this notebook from the top."
    resources = apigw.get_resources(restApiId=api_id, limit=500)["items"]
    inventory = [r["id"] for r in resources if r["path"] == "/inventory"]
    try:
        method = apigw.get_method(restApiId=api_id, resourceId=inventory[0], httpMethod="GET")
    except (IndexError, apigw.exceptions.NotFoundException):
        return "the API has no GET /inventory: run this notebook from the top."
    parameters = method.get("requestParameters", {})
    if LIMIT not in parameters:
        return (
            "GET /inventory declares no `limit` query parameter yet: look at the method's "
            "`requestParameters` (get_method shows them)."
        )
    if parameters[LIMIT]:
        return (
            "`limit` is required: notebook 06 lists the inventory without it, and would get "
            "a 400. Make it optional."
        )
    if "requestValidatorId" not in method:
        return "GET /inventory has no request validator: which one checks parameters?"
    validator = apigw.get_request_validator(
        restApiId=api_id, requestValidatorId=method["requestValidatorId"]
    )
    if not validator.get("validateRequestParameters"):
        return (
            f"GET /inventory's validator `{validator['name']}` does not check parameters "
            "(validateRequestParameters)."
        )
    if not _deployed(apigw, api_id):
        return (
            f"the method is ready, but the stage {names.STAGE} still serves a deployment made "
            "before your change: callers see nothing new yet."
        )
    return None


def _deployed(apigw: Any, api_id: str) -> bool:
    """Whether the stage's deployment declares `limit` on GET /inventory: the API's OpenAPI
    export of a stage describes what that stage serves."""
    export = apigw.get_export(
        restApiId=api_id, stageName=names.STAGE, exportType="oas30", accepts="application/json"
    )
    document = json.loads(export["body"].read())
    get = document["paths"].get("/inventory", {}).get("get", {})
    return any(p["name"] == "limit" and p["in"] == "query" for p in get.get("parameters", []))
