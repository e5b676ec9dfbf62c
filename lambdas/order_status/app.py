"""OrderStatusFunction: an operator moves an order along and the customer gets an email.

  PUT /orders {"orderId", "userId", "status"}  or  PUT /orders/{orderId} {"userId", "status"}
  -> 200 {"message": "Order updated and customer notified.", "order": {...}}

Legal moves: PLACED -> SHIPPED -> DELIVERED, and PLACED -> CANCELLED (which returns the stock).
"""

import os
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    ServiceError,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

logger = Logger()
metrics = Metrics()
app = APIGatewayRestResolver()

dynamodb = boto3.resource("dynamodb")
orders = dynamodb.Table(os.environ["ORDERS_TABLE"])
inventory = dynamodb.Table(os.environ["INVENTORY_TABLE"])
sns = boto3.client("sns")
TOPIC_ARN = os.environ["TOPIC_ARN"]

TRANSITIONS = {"PLACED": {"SHIPPED", "CANCELLED"}, "SHIPPED": {"DELIVERED"}}
STATUSES = ("PLACED", "SHIPPED", "DELIVERED", "CANCELLED")
MAX_ID = 64


@app.put("/orders")
def put_order_in_body() -> dict[str, Any]:
    body = _body()
    return update_status(_id(body.get("orderId"), "orderId"), body)


@app.put("/orders/<order_id>")
def put_order_in_path(order_id: str) -> dict[str, Any]:
    body = _body()
    if "orderId" in body and body["orderId"] != order_id:
        raise BadRequestError("orderId in the body differs from the one in the path")
    return update_status(_id(order_id, "orderId"), body)


def update_status(order_id: str, body: dict[str, Any]) -> dict[str, Any]:
    user_id, new = _id(body.get("userId"), "userId"), _status(body.get("status"))
    logger.append_keys(order_id=order_id)
    order = orders.get_item(Key={"orderId": order_id}, ConsistentRead=True).get("Item")
    # The same answer for "no such order" and "not this user's": it reveals no other orders.
    if not order or order["userId"] != user_id:
        raise NotFoundError(f"order {order_id} not found for user {user_id}")
    current = order["status"]
    if new not in TRANSITIONS.get(current, ()):
        raise ServiceError(409, f"an order cannot go from {current} to {new}")

    # Conditional on the status we just read, so two concurrent updates cannot both apply
    # (e.g. SHIPPED and CANCELLED); a cancel returns the stock in the same transaction.
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    writes: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": orders.name,
                "Key": {"orderId": order_id},
                "UpdateExpression": "SET #status = :new, updatedAt = :now",
                "ConditionExpression": "#status = :current",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":new": new,
                    ":current": current,
                    ":now": now,
                },
            }
        }
    ]
    if new == "CANCELLED":
        writes.append(
            {
                "Update": {
                    "TableName": inventory.name,
                    "Key": {"itemId": order["itemId"]},
                    "UpdateExpression": "SET quantity = quantity + :q",
                    "ExpressionAttributeValues": {":q": order["quantity"]},
                }
            }
        )
    try:
        dynamodb.meta.client.transact_write_items(TransactItems=writes)
    except dynamodb.meta.client.exceptions.TransactionCanceledException as error:
        if error.response["CancellationReasons"][0].get("Code") == "ConditionalCheckFailed":
            raise ServiceError(409, f"order {order_id} changed meanwhile; retry") from error
        raise

    order.update(status=new, updatedAt=now, quantity=int(order["quantity"]))
    notify(order)
    metrics.add_metric(name="StatusUpdates", unit=MetricUnit.Count, value=1)
    logger.info("Status changed", extra={"from": current, "to": new})
    return {"message": "Order updated and customer notified.", "order": order}


def notify(order: dict[str, Any]) -> None:
    """The userId attribute is what the subscriptions' filter policies match: only this
    order's customer receives the email."""
    sns.publish(
        TopicArn=TOPIC_ARN,
        Subject=f"Your order is now {order['status'].lower()}",
        Message=(
            f"Hello,\n\nyour order {order['orderId']} ({order['quantity']} x {order['itemId']})"
            f" is now {order['status'].lower()}.\n\nThank you for shopping with us."
        ),
        MessageAttributes={"userId": {"DataType": "String", "StringValue": order["userId"]}},
    )


def _body() -> dict[str, Any]:
    try:
        body = app.current_event.json_body
    except ValueError as error:  # bad JSON, bad base64 or bad UTF-8
        raise BadRequestError("the body must be valid JSON") from error
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    unknown = sorted(body.keys() - {"orderId", "userId", "status"})
    if unknown:
        raise BadRequestError(f"unknown field(s): {', '.join(unknown)}")
    return body


def _id(value: Any, field: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID:
        raise BadRequestError(f"{field} must be a string of 1 to {MAX_ID} characters")
    return value


def _status(value: Any) -> str:
    """Case-insensitive on input ("shipped", as the use case sends it), upper case stored."""
    if not isinstance(value, str) or value.strip().upper() not in STATUSES:
        raise BadRequestError(f"status must be one of {', '.join(STATUSES)}")
    return value.strip().upper()


@app.exception_handler([ClientError, BotoCoreError])  # a list: Powertools takes no tuple
def aws_unavailable(error: Exception) -> Response:
    """A failing dependency is not the caller's fault: say so instead of a bare 502."""
    logger.exception("AWS call failed")
    return Response(503, "application/json", {"message": "Orders are unavailable; retry later."})


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = app.resolve(event, context)
    # Proxy integrations pass our headers through unchanged: CORS must come from here.
    response["multiValueHeaders"]["Access-Control-Allow-Origin"] = ["*"]
    return response
