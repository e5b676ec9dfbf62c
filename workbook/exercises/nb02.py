"""Notebook 02's exercises: a handler changed and redeployed, a configuration changed."""

from __future__ import annotations

import json

import boto3

from workbook import packaging, stack
from workbook.exercises.registry import exercise
from workbook.session import Session

INVENTORY_CHECK = next(spec for spec in stack.FUNCTIONS if spec.suffix == stack.INVENTORY_CHECK)
LOG_EVENT = "POWERTOOLS_LOGGER_LOG_EVENT"


@exercise("02-1", passed="InventoryCheckFunction answers how much stock would remain")
def inventory_check_tells_what_remains(s: Session) -> str | None:
    lam = boto3.client("lambda")
    name = s.names.inventory_check_function
    item = _item_in_stock(s)
    if item is None:
        return "no item of the Inventory table is in stock: run notebook 01 from the top."
    try:
        invoked = lam.invoke(FunctionName=name, Payload=json.dumps({"itemId": item, "quantity": 1}))
    except lam.exceptions.ResourceNotFoundException:
        return f"there is no function {name}: run this notebook from the top."
    answer = json.load(invoked["Payload"])
    if "FunctionError" in invoked:
        return (
            f"InventoryCheckFunction failed: {answer.get('errorType')}: "
            f'{answer.get("errorMessage")}. Its log stream has the whole story (see "When an '
            'invocation fails").'
        )
    if answer.get("result") != "Available" or not isinstance(answer.get("available"), int):
        return (
            f"for 1 x {item}, which is in stock, InventoryCheckFunction answered {answer}: keep "
            "`result` and `available` as they were, the workflow reads them."
        )
    if "remaining" not in answer:
        missing = f"InventoryCheckFunction's answer for 1 x {item} has no `remaining` yet"
        if _deployed_code_is_the_folders(name):
            return (
                f"{missing}, and it runs the code in lambdas/inventory_check/. Change "
                "check_stock there, save the file, then run the redeploy cell."
            )
        return (
            f"{missing}, and the code it runs differs from lambdas/inventory_check/: did you "
            "save the file, then run the redeploy cell?"
        )
    if answer["remaining"] != answer["available"] - 1:
        return (
            f"for 1 x {item}, with {answer['available']} in stock, `remaining` is "
            f"{answer['remaining']!r}: it should be the stock left once this order is taken."
        )
    return None


@exercise("02-2", passed="InventoryCheckFunction logs each event, and kept its other settings")
def inventory_check_logs_its_events(s: Session) -> str | None:
    lam = boto3.client("lambda")
    name = s.names.inventory_check_function
    try:
        configuration = lam.get_function_configuration(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        return f"there is no function {name}: run this notebook from the top."
    variables = configuration.get("Environment", {}).get("Variables", {})
    expected = stack.function_environment(
        s.names, INVENTORY_CHECK, s.arns["TopicArn"], s.arns["StateMachineArn"]
    )
    lost = sorted(key for key in expected if key not in variables)
    if lost:
        return (
            f"InventoryCheckFunction lost {', '.join(lost)}, so its code cannot start: "
            "`Environment` sets all of a function's variables at once, not one of them."
        )
    changed = sorted(key for key, value in expected.items() if variables[key] != value)
    if changed:
        return f"{', '.join(changed)} changed: keep the other variables as they were."
    if variables.get(LOG_EVENT, "").lower() != "true":
        return (
            f"InventoryCheckFunction's environment has no {LOG_EVENT}=true yet. Which call "
            "changes a function's configuration rather than its code?"
        )
    if configuration.get("LastUpdateStatus") != "Successful":
        return (
            f"the last update of InventoryCheckFunction is {configuration.get('LastUpdateStatus')}"
            ": wait for it (the function_updated_v2 waiter), then check again."
        )
    return None


def _item_in_stock(s: Session) -> str | None:
    """The item with the most stock, or None if none is left."""
    table = boto3.resource("dynamodb").Table(s.names.inventory_table)
    items = table.scan(ConsistentRead=True)["Items"]  # a few items: one page
    stocked = [i for i in items if i.get("quantity", 0) >= 1]
    return max(stocked, key=lambda i: (i["quantity"], i["itemId"]))["itemId"] if stocked else None


def _deployed_code_is_the_folders(name: str) -> bool:
    deployed = boto3.client("lambda").get_function_configuration(FunctionName=name)
    folder = packaging.function_zip(INVENTORY_CHECK.folder)
    return deployed["CodeSha256"] == packaging.code_sha256(folder)
