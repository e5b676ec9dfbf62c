"""Notebook 04's exercises: the workflow."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import boto3

from workbook.exercises.registry import exercise
from workbook.session import Session

# An item nobody stocks: whatever the workflow does, no order can be placed for it.
NO_SUCH_ITEM = "exercise-04-1-no-such-item"
HOLD_ERROR = "NeedsApproval"
# On AWS, executions started in the first seconds after an update may run the old definition.
JUST_UPDATED = " Just updated it? Executions may run the old definition for a few seconds."


def _outcome(s: Session, quantity: int) -> dict[str, str | None]:
    """How an Express execution for an order of `quantity` units ended: its error, and a
    phrase for hints."""
    order = {
        "orderId": str(uuid.uuid4()),
        "userId": "exercise-04-1",
        "itemId": NO_SUCH_ITEM,
        "quantity": quantity,
        "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }
    run = boto3.client("stepfunctions").start_sync_execution(
        stateMachineArn=s.arns["StateMachineArn"], input=json.dumps({"order": order})
    )
    error = run.get("error")
    return {"error": error, "ended": f"ended {run['status']}" + (f" with {error}" if error else "")}


@exercise("04-1", passed="orders over 10 units end in NeedsApproval; 10 units go on as before")
def large_orders_are_held(s: Session) -> str | None:
    large = _outcome(s, 11)
    if large["error"] != HOLD_ERROR:
        return (
            f"an order of 11 units {large['ended']}, not with {HOLD_ERROR}: it should be "
            "held, whatever the stock. Change the Express state machine the API starts "
            "(describe_state_machine shows its definition)." + JUST_UPDATED
        )
    limit = _outcome(s, 10)
    if limit["error"] == HOLD_ERROR:
        return "an order of exactly 10 units is held too: only orders over 10 should be."
    if limit["error"] != "ItemUnavailable":
        return (
            f"an order of 10 units of an item nobody stocks {limit['ended']}: it should go on "
            "to CheckInventory as before, and end with ItemUnavailable. Where does your Choice "
            "send the orders it does not hold?"
        )
    return None
