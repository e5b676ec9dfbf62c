"""Notebook 01's exercises: the tables."""

from __future__ import annotations

from decimal import Decimal

import boto3

from workbook.exercises.registry import exercise
from workbook.session import Session


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
