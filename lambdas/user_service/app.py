"""UserService: `POST /users` registers a customer, `PUT /users` changes their name or email.

Each user's email is subscribed to the order topic with a filter policy on their userId, so the
topic delivers a message only to the user it names.
"""

import json
import os
import re
import uuid
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    ServiceError,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

logger = Logger()
app = APIGatewayRestResolver()

dynamodb = boto3.resource("dynamodb")
users = dynamodb.Table(os.environ["USERS_TABLE"])
emails = dynamodb.Table(os.environ["USER_EMAILS_TABLE"])
sns = boto3.client("sns")
TOPIC_ARN = os.environ["TOPIC_ARN"]

# Deliberately plain: ASCII local part (RFC 5322 atext and dots), dotted domain, letters TLD.
EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}"
)
PENDING = "pending confirmation: the address must follow the link AWS emails to it"


@app.post("/users")
def create_user() -> tuple[dict[str, Any], int]:
    body = _body(allowed={"name", "email"})
    name, email = _name(body.get("name")), _email(body.get("email"))
    user = {"userId": str(uuid.uuid4()), "name": name, "email": email}
    logger.append_keys(user_id=user["userId"])
    # Claiming the address and creating the user in one transaction makes emails unique.
    _transact(
        [
            _claim(email, user["userId"]),
            {
                "Put": {
                    "TableName": users.name,
                    "Item": user,
                    "ConditionExpression": "attribute_not_exists(userId)",
                }
            },
        ],
        conflict=f"a user with email {email} already exists",
    )
    _save_subscription(user["userId"], _subscribe(user["userId"], email))
    logger.info("User created", extra={"email": mask(email)})
    return {"user": user, "subscription": PENDING}, 201


@app.put("/users")
def update_user() -> dict[str, Any]:
    body = _body(allowed={"userId", "name", "email"})
    user_id = _user_id(body.get("userId"))
    if "name" not in body and "email" not in body:
        raise BadRequestError("give a new name, a new email, or both")
    name = _name(body["name"]) if "name" in body else None
    email = _email(body["email"]) if "email" in body else None
    logger.append_keys(user_id=user_id)

    user = users.get_item(Key={"userId": user_id}).get("Item")
    if not user:
        raise NotFoundError(f"user {user_id} not found")
    if email is None or email == user["email"]:
        if name is not None:
            users.update_item(
                Key={"userId": user_id},
                UpdateExpression="SET #name = :name",
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues={":name": name},
            )
            user["name"] = name
        return {"user": _public(user)}

    old_email = user["email"]
    user.update(email=email, name=name or user["name"])
    # Swap the email claims and the user row together; the condition on the old email stops
    # two concurrent changes of the same user both succeeding.
    _transact(
        [
            _claim(email, user_id),
            {
                "Update": {
                    "TableName": users.name,
                    "Key": {"userId": user_id},
                    "UpdateExpression": "SET email = :new, #name = :name",
                    "ConditionExpression": "email = :old",
                    "ExpressionAttributeNames": {"#name": "name"},
                    "ExpressionAttributeValues": {
                        ":new": email,
                        ":old": old_email,
                        ":name": user["name"],
                    },
                }
            },
            {
                "Delete": {
                    "TableName": emails.name,
                    "Key": {"email": old_email},
                    "ConditionExpression": "userId = :id",
                    "ExpressionAttributeValues": {":id": user_id},
                }
            },
        ],
        conflict=f"a user with email {email} already exists",
    )
    _save_subscription(user_id, _subscribe(user_id, email))
    _unsubscribe(user_id, old_email, user.get("subscriptionArn"))
    logger.info("Email changed", extra={"old": mask(old_email), "new": mask(email)})
    return {"user": _public(user), "subscription": PENDING}


def _claim(email: str, user_id: str) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": emails.name,
            "Item": {"email": email, "userId": user_id},
            "ConditionExpression": "attribute_not_exists(email)",
        }
    }


def _transact(items: list[dict[str, Any]], conflict: str) -> None:
    """Run a write transaction; any failed condition is a conflict the caller can act on."""
    try:
        dynamodb.meta.client.transact_write_items(TransactItems=items)
    except dynamodb.meta.client.exceptions.TransactionCanceledException as error:
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
        if reasons and reasons[0] == "ConditionalCheckFailed":  # the email claim
            raise ServiceError(409, conflict) from error
        if "ConditionalCheckFailed" in reasons:
            raise ServiceError(409, "the user changed meanwhile; read it and retry") from error
        raise


def _subscribe(user_id: str, email: str) -> str:
    """Subscribe the address, receiving only messages whose userId attribute is this user's.

    ReturnSubscriptionArn gives the real ARN even while the subscription awaits confirmation
    (otherwise SNS answers the literal "pending confirmation"), so it can be removed later.
    """
    return sns.subscribe(
        TopicArn=TOPIC_ARN,
        Protocol="email",
        Endpoint=email,
        Attributes={
            "FilterPolicyScope": "MessageAttributes",
            "FilterPolicy": json.dumps({"userId": [user_id]}),
        },
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]


def _save_subscription(user_id: str, subscription_arn: str) -> None:
    users.update_item(
        Key={"userId": user_id},
        UpdateExpression="SET subscriptionArn = :arn",
        ExpressionAttributeValues={":arn": subscription_arn},
    )


def _unsubscribe(user_id: str, old_email: str, stored_arn: str | None) -> None:
    """Stop mail to the old address: the stored subscription, and any other one on the topic
    for that address filtered to this user (e.g. a user item that only recorded the literal
    "pending confirmation" instead of an ARN)."""
    arns = {stored_arn} if stored_arn and stored_arn.startswith("arn:") else set()
    for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=TOPIC_ARN):
        for sub in page["Subscriptions"]:
            arn = sub["SubscriptionArn"]
            if (
                sub["Endpoint"] == old_email
                and arn.startswith("arn:")
                and _filters_to(arn, user_id)
            ):
                arns.add(arn)
    for arn in arns:
        try:
            sns.unsubscribe(SubscriptionArn=arn)
        except (sns.exceptions.NotFoundException, sns.exceptions.InvalidParameterException):
            # Gone already, or unconfirmed: SNS deletes those itself after three days.
            logger.warning("Old subscription not removed", extra={"subscription": arn})


def _filters_to(subscription_arn: str, user_id: str) -> bool:
    try:
        attributes = sns.get_subscription_attributes(SubscriptionArn=subscription_arn)
    except sns.exceptions.NotFoundException:
        return False
    policy = json.loads(attributes["Attributes"].get("FilterPolicy") or "{}")
    return policy.get("userId") == [user_id]


def _body(allowed: set[str]) -> dict[str, Any]:
    try:
        body = app.current_event.json_body
    except ValueError as error:  # bad JSON, bad base64 or bad UTF-8
        raise BadRequestError("the body must be valid JSON") from error
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    unknown = sorted(body.keys() - allowed)
    if unknown:
        raise BadRequestError(f"unknown field(s): {', '.join(unknown)}")
    return body


def _name(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 100:
        raise BadRequestError("name must be a string of 1 to 100 characters")
    if not value.isprintable():
        raise BadRequestError("name must not contain control characters")
    return value.strip()


def _email(value: Any) -> str:
    """Lower-cased so the uniqueness check cannot be dodged with capitals."""
    if not isinstance(value, str) or len(value) > 254 or not EMAIL_PATTERN.fullmatch(value):
        raise BadRequestError("email must be a valid address of at most 254 characters")
    return value.lower()


def _user_id(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 64:
        raise BadRequestError("userId must be a string of 1 to 64 characters")
    return value


def _public(user: dict[str, Any]) -> dict[str, Any]:
    return {key: user[key] for key in ("userId", "name", "email")}


def mask(email: str) -> str:
    """Logs are read by more people than the user table: `learner@example.com` -> `l***@...`."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


@app.exception_handler((ClientError, BotoCoreError))
def aws_unavailable(error: Exception) -> Response:
    """A failing dependency is not the caller's fault: say so instead of a bare 502."""
    logger.exception("AWS call failed")
    return Response(503, "application/json", {"message": "User service unavailable; retry."})


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = app.resolve(event, context)
    # Proxy integrations pass our headers through unchanged: CORS must come from here.
    response["multiValueHeaders"]["Access-Control-Allow-Origin"] = ["*"]
    return response
