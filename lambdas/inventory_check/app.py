"""InventoryCheckFunction: the workflow's CheckInventory task, and `GET /inventory`.

Workflow event: {"itemId": str, "quantity": int} -> {"itemId", "result": "Available"|"OutOfStock",
"available": int}. API: GET /inventory?limit=&nextToken= -> {"items": [...], "nextToken": str|null}.
"""

import base64
import binascii
import json
import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

logger = Logger()
app = APIGatewayRestResolver()

# Created once per cold start and reused by every invocation of this worker.
inventory = boto3.resource("dynamodb").Table(os.environ["INVENTORY_TABLE"])

DEFAULT_PAGE = 100
MAX_PAGE = 1000


def check_stock(event: dict[str, Any]) -> dict[str, Any]:
    """One consistent GetItem by key (sees stock written a moment ago): cheap at any size."""
    key = {"itemId": event["itemId"]}
    item = inventory.get_item(Key=key, ConsistentRead=True).get("Item") or {}
    available = int(item.get("quantity", 0))
    result = "Available" if available >= event["quantity"] else "OutOfStock"
    logger.info("Stock checked", extra={"item_id": event["itemId"], "result": result})
    return {"itemId": event["itemId"], "result": result, "available": available}


@app.get("/inventory")
def list_inventory() -> dict[str, Any]:
    """One page of items; follow `nextToken` for the rest (a single Scan stops at 1 MB)."""
    limit = _limit(app.current_event.get_query_string_value("limit"))
    token = app.current_event.get_query_string_value("nextToken")
    scan: dict[str, Any] = {"Limit": limit}
    if token:
        scan["ExclusiveStartKey"] = _decode_token(token)
    page = inventory.scan(**scan)
    items = [{"itemId": i["itemId"], "quantity": int(i["quantity"])} for i in page["Items"]]
    last_key = page.get("LastEvaluatedKey")
    return {"items": items, "nextToken": _encode_token(last_key) if last_key else None}


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequestError(f"limit must be a whole number from 1 to {MAX_PAGE}")
    return int(raw)


def _encode_token(key: dict[str, Any]) -> str:
    """Opaque to clients, so the key schema can change without breaking them."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _decode_token(token: str) -> dict[str, str]:
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError) as error:
        raise BadRequestError("nextToken is not a token this API returned") from error
    if not (isinstance(key, dict) and key.keys() == {"itemId"} and isinstance(key["itemId"], str)):
        raise BadRequestError("nextToken is not a token this API returned")
    return key


@app.exception_handler([ClientError, BotoCoreError])  # a list: Powertools takes no tuple
def aws_unavailable(error: Exception) -> Response:
    """A failing dependency is not the caller's fault: say so instead of a bare 502."""
    logger.exception("AWS call failed")
    return Response(503, "application/json", {"message": "Inventory is unavailable; retry later."})


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway proxy events carry `httpMethod`; the workflow sends the bare item."""
    if "httpMethod" not in event:
        return check_stock(event)
    response = app.resolve(event, context)
    # Proxy integrations pass our headers through unchanged: CORS must come from here.
    response["multiValueHeaders"]["Access-Control-Allow-Origin"] = ["*"]
    return response
