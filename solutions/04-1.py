# 04-1: hold orders over 10 units for approval, before the stock is even checked.
import json

import boto3

from workbook import stack
from workbook.diagram import draw_workflow
from workbook.polling import wait_for

sfn = boto3.client("stepfunctions")
asl = json.loads(stack.render_state_machine(s.arns, s.arns["TopicArn"]))  # statemachine.json
large = {"Variable": "$.order.quantity", "NumericGreaterThan": 10, "Next": "HoldForApproval"}
asl["States"]["IsLargeOrder"] = {"Type": "Choice", "Choices": [large], "Default": asl["StartAt"]}
asl["States"]["HoldForApproval"] = {
    "Type": "Fail",
    "Error": "NeedsApproval",
    "Cause": "Orders over 10 units wait for an operator's approval.",
}
asl["StartAt"] = "IsLargeOrder"
sfn.update_state_machine(stateMachineArn=s.arns["StateMachineArn"], definition=json.dumps(asl))


def held() -> dict | None:
    # On AWS, executions started in the first seconds after an update may run the old
    # definition: try an order of 11 units of an item nobody stocks until it is held.
    order = {"orderId": "try-hold", "userId": "nobody", "itemId": "no-such-item", "quantity": 11}
    run = sfn.start_sync_execution(
        stateMachineArn=s.arns["StateMachineArn"], input=json.dumps({"order": order})
    )
    return run if run.get("error") == "NeedsApproval" else None


wait_for(held, timeout_s=120, what="the new definition to be in force")
machine = sfn.describe_state_machine(stateMachineArn=s.arns["StateMachineArn"])
draw_workflow(json.loads(machine["definition"]), title=machine["name"])
