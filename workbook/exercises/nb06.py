"""Notebook 06's exercises: the shop changed through its API, checked in its tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr

from workbook.exercises.registry import exercise
from workbook.session import Session

MIRROR = "Mirror"
MIRRORS_ARRIVED = 5
# Orders that hold their units: a FAILED order never took any, a CANCELLED one gave them back.
HOLDING = ("PLACED", "SHIPPED", "DELIVERED")
LEARNER = "learner"  # notebook 06's customer: s.email("learner")


def _learner_orders(s: Session) -> list[dict[str, Any]] | None:
    """Every order of notebook 06's customer, read consistently (a Scan: the byUser index
    cannot be), or None if that customer is not registered."""
    dynamodb = boto3.resource("dynamodb")
    emails = dynamodb.Table(s.names.user_emails_table)
    claim = emails.get_item(Key={"email": s.email(LEARNER)}, ConsistentRead=True).get("Item")
    if claim is None:
        return None
    orders = dynamodb.Table(s.names.orders_table)
    scan: dict[str, Any] = {
        "FilterExpression": Attr("userId").eq(claim["userId"]),
        "ConsistentRead": True,
    }
    found: list[dict[str, Any]] = []
    while True:
        page = orders.scan(**scan)
        found += page["Items"]
        if "LastEvaluatedKey" not in page:
            return found
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


NOT_REGISTERED = (
    "the Learner is not registered (no claim on their address in the UserEmails table): run "
    "this notebook from the top, then try again."
)


@exercise(
    "06-1", passed="the shop sells Mirrors, and the Learner's order took its units from the stock"
)
def mirrors_on_sale(s: Session) -> str | None:
    inventory = boto3.resource("dynamodb").Table(s.names.inventory_table)
    item = inventory.get_item(Key={"itemId": MIRROR}, ConsistentRead=True).get("Item")
    if item is None:
        return (
            f"there is no `{MIRROR}` in the Inventory table yet. How did notebook 01 put the "
            "stock there?"
        )
    if not isinstance(item.get("quantity"), Decimal):
        return (
            f"the {MIRROR}'s `quantity` is not a number (DynamoDB type N): an order for it "
            "would fail as the Gasket's did."
        )
    orders = _learner_orders(s)
    if orders is None:
        return NOT_REGISTERED
    if not any(o["itemId"] == MIRROR and o["status"] in HOLDING for o in orders):
        return (
            f"the Learner has no order for {MIRROR}s in the Orders table yet: place it as the "
            "customer's app does, over HTTP (part 4 of this notebook)."
        )
    if item["quantity"] >= MIRRORS_ARRIVED:
        return (
            f"the Learner ordered {MIRROR}s, but the stock still shows {item['quantity']} of the "
            f"{MIRRORS_ARRIVED} that arrived. An order placed through the API takes its units "
            "from the stock: was the stock written again after the order?"
        )
    return None


@exercise("06-2", passed="one of the Learner's orders is CANCELLED, by OrderStatusFunction")
def an_order_cancelled(s: Session) -> str | None:
    orders = _learner_orders(s)
    if orders is None:
        return NOT_REGISTERED
    cancelled = [o for o in orders if o["status"] == "CANCELLED"]
    if not cancelled:
        return (
            "none of the Learner's orders is CANCELLED yet. The operator changes an order's "
            "status through the API (part 5 of this notebook); the moves it allows are "
            "`TRANSITIONS` in lambdas/order_status/app.py."
        )
    if not any("updatedAt" in o for o in cancelled):
        return (
            "an order is CANCELLED in the table, but OrderStatusFunction did not write it (it "
            "stamps `updatedAt`): go through the API, which also returns the units to the "
            "stock and emails the customer."
        )
    return None
