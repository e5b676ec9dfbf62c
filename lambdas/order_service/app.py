"""OrderService: the order API, and the workflow's CreateOrder and CompensateOrder tasks.

API (API Gateway REST proxy events):
  POST /orders {"userId", "itemId", "quantity"} [+ Idempotency-Key header] -> 201 {"order"}
  GET /orders/{orderId} -> {"order"};  GET /users/{userId}/orders -> {"orders", "nextToken"}
Workflow tasks (events with "action", set in the ASL):
  {"action": "CreateOrder", "order"} -> {"order"};  {"action": "CompensateOrder", "order"}.
"""

import base64
import binascii
import json
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import fastjsonschema
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    ServiceError,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError

logger = Logger()
metrics = Metrics()
app = APIGatewayRestResolver()

dynamodb = boto3.resource("dynamodb")
inventory = dynamodb.Table(os.environ["INVENTORY_TABLE"])
users = dynamodb.Table(os.environ["USERS_TABLE"])
orders = dynamodb.Table(os.environ["ORDERS_TABLE"])
stepfunctions = boto3.client("stepfunctions")
STATE_MACHINE_ARN = os.environ["STATE_MACHINE_ARN"]

# A key is scoped to its user; reusing it for a different item or quantity is refused.
idempotency = IdempotencyConfig(
    event_key_jmespath="[userId, idempotencyKey]",
    payload_validation_jmespath="[itemId, quantity]",
    expires_after_seconds=24 * 3600,
)
persistence = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])

# The request model API Gateway validates POST /orders with (notebook 05 uploads this file):
# one rule, so the gateway and the function cannot disagree. Compiled once per cold start.
NEW_ORDER = json.loads((Path(__file__).parent / "schemas" / "NewOrder.json").read_text())
check_new_order = fastjsonschema.compile(NEW_ORDER)
ID_RULE = NEW_ORDER["properties"]["userId"]
DEFAULT_PAGE = 50
MAX_PAGE = 100


class ItemUnavailable(Exception):
    """Not enough stock. Step Functions names the task's error after this class, and the
    ASL's Catch on "ItemUnavailable" routes it to the OutOfStock state."""


# ---------------------------------------------------------------- API


@app.post("/orders")
def post_order() -> tuple[dict[str, Any], int]:
    request = _order_request(_body())
    key = app.current_event.headers.get("Idempotency-Key")  # case-insensitive lookup
    if key is None:
        return {"order": place_order(request)}, 201
    if not 1 <= len(key) <= 128:
        raise BadRequestError("Idempotency-Key must be 1 to 128 characters")
    return {"order": _place_once({**request, "idempotencyKey": key})}, 201


def _place_once(request: dict[str, Any]) -> dict[str, Any]:
    """Powertools refuses a duplicate while the first request is still running; wait for the
    first to finish so every duplicate gets its answer, rather than an error to retry."""
    deadline = time.monotonic() + app.lambda_context.get_remaining_time_in_millis() / 1000 - 2
    while True:
        try:
            return place_order_once(request=request)
        except IdempotencyAlreadyInProgressError as error:
            if time.monotonic() > deadline:
                raise ServiceError(
                    409, "this Idempotency-Key's request is still running"
                ) from error
            time.sleep(0.1)


@idempotent_function(
    data_keyword_argument="request", persistence_store=persistence, config=idempotency
)
def place_order_once(request: dict[str, Any]) -> dict[str, Any]:
    return place_order(request)


def place_order(request: dict[str, Any]) -> dict[str, Any]:
    """Check the references, then run the workflow and wait for its outcome.

    The state machine is EXPRESS and started with StartSyncExecution: the caller learns at once
    whether the order was placed or refused, instead of polling a Standard execution.
    """
    # Consistent reads: a customer who registered, or an item stocked, a moment ago exists.
    if "Item" not in users.get_item(Key={"userId": request["userId"]}, ConsistentRead=True):
        raise NotFoundError(f"user {request['userId']} not found")
    if "Item" not in inventory.get_item(Key={"itemId": request["itemId"]}, ConsistentRead=True):
        raise NotFoundError(f"item {request['itemId']} not found")
    order = {
        "orderId": str(uuid.uuid4()),
        "userId": request["userId"],
        "itemId": request["itemId"],
        "quantity": request["quantity"],
        "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }
    logger.append_keys(order_id=order["orderId"])
    execution = stepfunctions.start_sync_execution(
        stateMachineArn=STATE_MACHINE_ARN, name=order["orderId"], input=json.dumps({"order": order})
    )
    if execution["status"] == "SUCCEEDED":
        metrics.add_metric(name="OrdersPlaced", unit=MetricUnit.Count, value=1)
        logger.info("Order placed")
        return json.loads(execution["output"])["order"]

    # OrdersRejected: valid requests the workflow refused; OutOfStock is the stock-only share.
    metrics.add_metric(name="OrdersRejected", unit=MetricUnit.Count, value=1)
    if execution.get("error") == "ItemUnavailable":
        metrics.add_metric(name="OutOfStock", unit=MetricUnit.Count, value=1)
        raise ServiceError(
            409, f"item {order['itemId']} is out of stock for quantity {order['quantity']}"
        )
    logger.error(
        "Order workflow did not succeed",
        extra={k: execution.get(k) for k in ("status", "error", "cause", "executionArn")},
    )
    raise ServiceError(503, "the order could not be completed and no stock was taken; retry")


@app.get("/orders/<order_id>")
def get_order(order_id: str) -> dict[str, Any]:
    # Consistent: an order is read back right after it was placed.
    item = orders.get_item(Key={"orderId": _id(order_id, "orderId")}, ConsistentRead=True).get(
        "Item"
    )
    if not item:
        raise NotFoundError(f"order {order_id} not found")
    return {"order": _view(item)}


@app.get("/users/<user_id>/orders")
def list_user_orders(user_id: str) -> dict[str, Any]:
    """Newest first, a page at a time, from the byUser index (never a Scan)."""
    _id(user_id, "userId")
    limit = _limit(app.current_event.get_query_string_value("limit"))
    token = app.current_event.get_query_string_value("nextToken")
    if "Item" not in users.get_item(Key={"userId": user_id}, ConsistentRead=True):
        raise NotFoundError(f"user {user_id} not found")
    query: dict[str, Any] = {
        "IndexName": "byUser",
        "KeyConditionExpression": Key("userId").eq(user_id),
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if token:
        query["ExclusiveStartKey"] = _decode_token(token, user_id)
    page = orders.query(**query)
    last_key = page.get("LastEvaluatedKey")
    return {
        "orders": [_view(item) for item in page["Items"]],
        "nextToken": base64.urlsafe_b64encode(json.dumps(last_key).encode()).decode()
        if last_key
        else None,
    }


# ---------------------------------------------------------------- workflow tasks


def create_order(order: dict[str, Any]) -> dict[str, Any]:
    """Reserve the stock and record the order in ONE transaction: the stock condition makes
    concurrent orders for the last units safe (N orders against stock S create min(N, S))."""
    placed = {**order, "status": "PLACED"}
    try:
        dynamodb.meta.client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": inventory.name,
                        "Key": {"itemId": order["itemId"]},
                        "UpdateExpression": "SET quantity = quantity - :q",
                        "ConditionExpression": "quantity >= :q",
                        "ExpressionAttributeValues": {":q": order["quantity"]},
                    }
                },
                {
                    "Put": {
                        "TableName": orders.name,
                        "Item": placed,
                        "ConditionExpression": "attribute_not_exists(orderId)",
                    }
                },
            ]
        )
    except dynamodb.meta.client.exceptions.TransactionCanceledException as error:
        stock, existing = (r.get("Code") for r in error.response["CancellationReasons"])
        if existing == "ConditionalCheckFailed":
            # A retried task whose first attempt committed: answer as that attempt did.
            stored = orders.get_item(Key={"orderId": order["orderId"]}, ConsistentRead=True)
            return {"order": _view(stored["Item"])}
        if stock == "ConditionalCheckFailed":
            raise ItemUnavailable(
                f"item {order['itemId']} has fewer than {order['quantity']} in stock"
            ) from error
        raise
    logger.info("Order recorded, stock reserved")
    return {"order": placed}


def compensate_order(order: dict[str, Any]) -> dict[str, Any]:
    """Undo CreateOrder after a later step failed. Conditional on the order still being PLACED,
    so running it twice, or for an order that was never written, changes nothing."""
    try:
        dynamodb.meta.client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": orders.name,
                        "Key": {"orderId": order["orderId"]},
                        "UpdateExpression": "SET #status = :failed",
                        "ConditionExpression": "#status = :placed AND quantity = :q",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {
                            ":failed": "FAILED",
                            ":placed": "PLACED",
                            ":q": order["quantity"],
                        },
                    }
                },
                {
                    "Update": {
                        "TableName": inventory.name,
                        "Key": {"itemId": order["itemId"]},
                        "UpdateExpression": "SET quantity = quantity + :q",
                        "ExpressionAttributeValues": {":q": order["quantity"]},
                    }
                },
            ]
        )
    except dynamodb.meta.client.exceptions.TransactionCanceledException as error:
        if error.response["CancellationReasons"][0].get("Code") == "ConditionalCheckFailed":
            logger.info("Nothing to compensate: order absent or no longer PLACED")
            return {"compensated": False}
        raise
    logger.warning("Order failed after reserving stock; stock returned")
    return {"compensated": True}


WORKFLOW_TASKS = {"CreateOrder": create_order, "CompensateOrder": compensate_order}


# ---------------------------------------------------------------- input checks


def _body() -> Any:
    try:
        return app.current_event.json_body
    except ValueError as error:  # bad JSON, bad base64 or bad UTF-8
        raise BadRequestError("the body must be valid JSON") from error


def _order_request(body: Any) -> dict[str, Any]:
    """The body checked against the NewOrder model, each refusal naming the rule it broke."""
    try:
        return check_new_order(body)
    except fastjsonschema.JsonSchemaValueException as error:
        raise BadRequestError(_refusal(body, error)) from error


def _refusal(body: Any, error: fastjsonschema.JsonSchemaValueException) -> str:
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    unknown = sorted(body.keys() - NEW_ORDER["properties"].keys())
    if unknown:
        return f"unknown field(s): {', '.join(unknown)}"
    missing = [field for field in NEW_ORDER["required"] if field not in body]
    # The path is ["data", field] for a field's own rule; a missing field fails at "data".
    field = error.path[1] if len(error.path) > 1 else missing[0]
    return f"{field} must be {NEW_ORDER['properties'][field]['description']}"


def _id(value: str, field: str) -> str:
    """A path parameter's id, held to the model's rule for ids (API Gateway checks no path)."""
    if not ID_RULE["minLength"] <= len(value) <= ID_RULE["maxLength"]:
        raise BadRequestError(f"{field} must be {ID_RULE['description']}")
    return value


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequestError(f"limit must be a whole number from 1 to {MAX_PAGE}")
    return int(raw)


def _decode_token(token: str, user_id: str) -> dict[str, str]:
    """Only a token for this user's listing is accepted: it is a key the index resumes at."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError) as error:
        raise BadRequestError("nextToken is not a token this API returned") from error
    if not (
        isinstance(key, dict)
        and key.keys() == {"orderId", "userId", "createdAt"}
        and all(isinstance(v, str) for v in key.values())
        and key["userId"] == user_id
    ):
        raise BadRequestError("nextToken is not a token this API returned")
    return key


def _view(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB numbers come back as Decimal, which JSON cannot encode."""
    return {**item, "quantity": int(item["quantity"])}


@app.exception_handler(IdempotencyValidationError)
def key_reused(error: Exception) -> Response:
    return Response(
        422, "application/json", {"message": "Idempotency-Key was used for a different order"}
    )


@app.exception_handler([ClientError, BotoCoreError, IdempotencyPersistenceLayerError])
def aws_unavailable(error: Exception) -> Response:
    """A failing dependency is not the caller's fault: say so instead of a bare 502."""
    logger.exception("AWS call failed")
    return Response(503, "application/json", {"message": "Orders are unavailable; retry later."})


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway proxy events carry `httpMethod`; workflow events carry an "action"."""
    if "httpMethod" not in event:
        logger.append_keys(order_id=event["order"]["orderId"], action=event["action"])
        return WORKFLOW_TASKS[event["action"]](event["order"])
    idempotency.register_lambda_context(context)
    response = app.resolve(event, context)
    # Proxy integrations pass our headers through unchanged: CORS must come from here.
    response["multiValueHeaders"]["Access-Control-Allow-Origin"] = ["*"]
    return response
