"""UserService: `POST /users` registers a customer, `PUT /users` changes their name or email.

Each user's email is subscribed to the order topic with a filter policy on their userId, so the
topic delivers a message only to the user it names.
"""

import json
import os
import uuid
from pathlib import Path
from typing import Any

import boto3
import fastjsonschema
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

# The request model API Gateway validates POST /users with (notebook 05 uploads this file):
# one rule, so the gateway and the function cannot disagree. Its email pattern is deliberately
# plain: ASCII local part (RFC 5322 atext and dots), dotted domain, letters TLD. PUT /users has
# no model; a new name or email there is held to the same properties. Compiled once per cold
# start.
NEW_USER = json.loads((Path(__file__).parent / "schemas" / "NewUser.json").read_text())
check_new_user = fastjsonschema.compile(NEW_USER)
check_field = {
    field: fastjsonschema.compile({"$schema": NEW_USER["$schema"], **rule})
    for field, rule in NEW_USER["properties"].items()
}
PENDING = "pending confirmation: the address must follow the link AWS emails to it"
SUBSCRIPTION_LEFT_OVER = (
    "{email} is still subscribed to order emails from an earlier registration; that "
    "subscription must be removed first (SNS deletes an unconfirmed one after 48 hours)"
)


@app.post("/users")
def create_user() -> tuple[dict[str, Any], int]:
    body = _new_user(_body())
    name, email = body["name"].strip(), body["email"].lower()
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
    try:
        _save_subscription(user["userId"], _subscribe(user["userId"], email))
    except Exception:
        # A user without a subscription would never hear about their orders: take back the
        # row and the claim, so a failed registration leaves nothing behind.
        _undo([_unclaim(email, user["userId"]), _delete_user(user["userId"], email)])
        raise
    logger.info("User created", extra={"email": mask(email)})
    return {"user": user, "subscription": PENDING}, 201


@app.put("/users")
def update_user() -> dict[str, Any]:
    body = _body()
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    unknown = sorted(body.keys() - {"userId", *NEW_USER["properties"]})
    if unknown:
        raise BadRequestError(f"unknown field(s): {', '.join(unknown)}")
    user_id = _user_id(body.get("userId"))
    if "name" not in body and "email" not in body:
        raise BadRequestError("give a new name, a new email, or both")
    name = _field("name", body["name"]).strip() if "name" in body else None
    email = _field("email", body["email"]).lower() if "email" in body else None
    logger.append_keys(user_id=user_id)

    user = users.get_item(Key={"userId": user_id}, ConsistentRead=True).get("Item")
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

    old_email, old_name = user["email"], user["name"]
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
    try:
        _save_subscription(user_id, _subscribe(user_id, email))
    except Exception:
        # Put the user back as they were: their old address and its subscription still work.
        _undo(_swap_back(user_id, old_email, email, old_name))
        raise
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


def _unclaim(email: str, user_id: str) -> dict[str, Any]:
    return {
        "Delete": {
            "TableName": emails.name,
            "Key": {"email": email},
            "ConditionExpression": "userId = :id",
            "ExpressionAttributeValues": {":id": user_id},
        }
    }


def _delete_user(user_id: str, email: str) -> dict[str, Any]:
    return {
        "Delete": {
            "TableName": users.name,
            "Key": {"userId": user_id},
            "ConditionExpression": "email = :email",
            "ExpressionAttributeValues": {":email": email},
        }
    }


def _swap_back(user_id: str, old_email: str, new_email: str, old_name: str) -> list[dict]:
    """The email change undone: the old claim, the old address and name, no new claim."""
    return [
        _claim(old_email, user_id),
        {
            "Update": {
                "TableName": users.name,
                "Key": {"userId": user_id},
                "UpdateExpression": "SET email = :old, #name = :name",
                "ConditionExpression": "email = :new",
                "ExpressionAttributeNames": {"#name": "name"},
                "ExpressionAttributeValues": {
                    ":old": old_email,
                    ":new": new_email,
                    ":name": old_name,
                },
            }
        },
        _unclaim(new_email, user_id),
    ]


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


def _undo(items: list[dict[str, Any]]) -> None:
    """Take back what this request wrote, in one transaction: all of it or, if someone changed
    it meanwhile (a condition fails), none of it."""
    dynamodb.meta.client.transact_write_items(TransactItems=items)


def _subscribe(user_id: str, email: str) -> str:
    """Subscribe the address, receiving only messages whose userId attribute is this user's.

    ReturnSubscriptionArn gives the real ARN even while the subscription awaits confirmation
    (otherwise SNS answers the literal "pending confirmation"), so it can be removed later.
    """
    try:
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
    except sns.exceptions.InvalidParameterException as error:
        # SNS keeps one subscription per topic and address: one filtered to an earlier user
        # of this address is still there (a pending one cannot even be unsubscribed).
        if "already exists" not in str(error):
            raise
        raise ServiceError(409, SUBSCRIPTION_LEFT_OVER.format(email=email)) from error


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
            # Gone already, or unconfirmed: AWS refuses to unsubscribe those and deletes them
            # itself after 48 hours.
            logger.warning("Old subscription not removed", extra={"subscription": arn})


def _filters_to(subscription_arn: str, user_id: str) -> bool:
    try:
        attributes = sns.get_subscription_attributes(SubscriptionArn=subscription_arn)
    except sns.exceptions.NotFoundException:
        return False
    policy = json.loads(attributes["Attributes"].get("FilterPolicy") or "{}")
    return policy.get("userId") == [user_id]


def _body() -> Any:
    try:
        return app.current_event.json_body
    except ValueError as error:  # bad JSON, bad base64 or bad UTF-8
        raise BadRequestError("the body must be valid JSON") from error


def _new_user(body: Any) -> dict[str, Any]:
    """The body checked against the NewUser model, each refusal naming the rule it broke."""
    try:
        return check_new_user(body)
    except fastjsonschema.JsonSchemaValueException as error:
        if not isinstance(body, dict):
            raise BadRequestError("the body must be a JSON object") from error
        unknown = sorted(body.keys() - NEW_USER["properties"].keys())
        if unknown:
            raise BadRequestError(f"unknown field(s): {', '.join(unknown)}") from error
        missing = [field for field in NEW_USER["required"] if field not in body]
        # The path is ["data", field] for a field's own rule; a missing field fails at "data".
        field = error.path[1] if len(error.path) > 1 else missing[0]
        raise BadRequestError(_rule(field)) from error


def _field(field: str, value: Any) -> str:
    """A new name or email (PUT /users), held to NewUser's rule for that field."""
    try:
        return check_field[field](value)
    except fastjsonschema.JsonSchemaValueException as error:
        raise BadRequestError(_rule(field)) from error


def _rule(field: str) -> str:
    return f"{field} must be {NEW_USER['properties'][field]['description']}"


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


# A list: powertools registers a tuple as one key, which no exception's class ever matches.
@app.exception_handler([ClientError, BotoCoreError])
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
