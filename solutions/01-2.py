# 01-2: a second index on Orders, so the operator can list the orders in one status, oldest first.
import boto3
from boto3.dynamodb.conditions import Key

from workbook.polling import wait_for

dynamodb = boto3.client("dynamodb")


def by_status() -> dict | None:
    indexes = dynamodb.describe_table(TableName=s.names.orders_table)["Table"].get(
        "GlobalSecondaryIndexes", []
    )
    return next((index for index in indexes if index["IndexName"] == "byStatus"), None)


if by_status() is None:  # a second UpdateTable adding the same index would be refused
    dynamodb.update_table(
        TableName=s.names.orders_table,
        # Every key attribute, of the table or of an index, needs its type.
        AttributeDefinitions=[
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "createdAt", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "byStatus",
                    "KeySchema": [
                        {"AttributeName": "status", "KeyType": "HASH"},
                        {"AttributeName": "createdAt", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )


# DynamoDB fills the new index with the orders already there (backfilling): on AWS, minutes.
def active() -> dict | None:
    index = by_status()
    return index if index["IndexStatus"] == "ACTIVE" else None


wait_for(active, timeout_s=1800, what="the byStatus index to be ACTIVE")
# The operator's list: orders still to ship, oldest first (the resource API's Key() names
# `status`, a word DynamoDB reserves, through an ExpressionAttributeNames placeholder).
orders = boto3.resource("dynamodb").Table(s.names.orders_table)
placed = orders.query(IndexName="byStatus", KeyConditionExpression=Key("status").eq("PLACED"))
[(order["createdAt"], order["itemId"], order["quantity"]) for order in placed["Items"]]
