"""Notebook 01's exercises: the tables."""

from __future__ import annotations

from decimal import Decimal

import boto3

from workbook.exercises.registry import exercise
from workbook.session import Session

# The index exercise 01-2 asks for: the operator's orders in one status, oldest first.
BY_STATUS = "byStatus"


@exercise("01-1", passed="the Headlight has a price, a number, and its stock is unchanged")
def headlight_has_a_price(s: Session) -> str | None:
    table = boto3.resource("dynamodb").Table(s.names.inventory_table)
    item = table.get_item(Key={"itemId": "Headlight"}, ConsistentRead=True).get("Item")
    if item is None:
        return "there is no Headlight in the Inventory table: run this notebook from the top."
    if "price" not in item:
        return (
            "the Headlight has no `price` attribute yet. Which call changes one attribute of "
            "an item and leaves the others as they are?"
        )
    if not isinstance(item["price"], Decimal):
        return "`price` is there, but as text: store it as a number (DynamoDB type N)."
    if "quantity" not in item:
        return "the Headlight lost its `quantity`: `put_item` replaces the whole item."
    return None


@exercise(
    "01-2",
    passed="Orders has an ACTIVE index byStatus: status, then createdAt, with whole orders",
)
def orders_by_status(s: Session) -> str | None:
    table = boto3.client("dynamodb").describe_table(TableName=s.names.orders_table)["Table"]
    indexes = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
    if BY_STATUS not in indexes:
        return (
            f"the Orders table has no index `{BY_STATUS}` yet (it has: "
            f"{', '.join(sorted(indexes)) or 'none'}). Which DynamoDB call changes a table "
            "that already exists?"
        )
    index = indexes[BY_STATUS]
    keys = {k["KeyType"]: k["AttributeName"] for k in index["KeySchema"]}
    if keys != {"HASH": "status", "RANGE": "createdAt"}:
        return (
            f"`{BY_STATUS}` is keyed by {keys}: its partition key (HASH) should be `status` and "
            "its sort key (RANGE) `createdAt`. An index's key cannot be changed: delete this "
            "index, then add it again."
        )
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    if types.get("status") != "S":
        return (
            f"`status` is declared as type {types.get('status')}, but orders hold it as text "
            "(S): DynamoDB would refuse every order written with a text status."
        )
    if index["Projection"]["ProjectionType"] != "ALL":
        return (
            f"`{BY_STATUS}` carries only some attributes of each order: the operator wants "
            "whole orders. Look at how `byUser` projects in the definition above."
        )
    if index["IndexStatus"] != "ACTIVE":
        return (
            f"`{BY_STATUS}` is {index['IndexStatus']}: DynamoDB is still copying the existing "
            "orders into it. Wait a little, then check again."
        )
    return None
