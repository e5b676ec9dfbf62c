"""Step Functions that really run: Lambda tasks through the local runtime, history, metrics."""

from __future__ import annotations

import json
import time

import pytest

from tests.localcloud.functions import ROLE, all_log_events, deploy
from tests.localcloud.polling import until

CHECK = """
def lambda_handler(event, context):
    print("checking", event["itemId"])
    return {"result": "Available" if event["quantity"] <= 3 else "OutOfStock"}
"""
CREATE = """
def lambda_handler(event, context):
    return {"orderId": "order-" + event["itemId"], "status": "PLACED"}
"""


def seed_shaped_definition(check_arn: str, create_arn: str) -> str:
    """CheckInventory -> IsAvailable (Choice) -> CreateOrder, or the OutOfStock Fail state."""
    return json.dumps(
        {
            "StartAt": "CheckInventory",
            "States": {
                "CheckInventory": {
                    "Type": "Task",
                    "Resource": check_arn,
                    "ResultPath": "$.inventory",
                    "Next": "IsAvailable",
                },
                "IsAvailable": {
                    "Type": "Choice",
                    "Choices": [
                        {
                            "Variable": "$.inventory.result",
                            "StringEquals": "Available",
                            "Next": "CreateOrder",
                        }
                    ],
                    "Default": "OutOfStock",
                },
                "CreateOrder": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": create_arn, "Payload.$": "$"},
                    "OutputPath": "$.Payload",
                    "End": True,
                },
                "OutOfStock": {
                    "Type": "Fail",
                    "Error": "ItemUnavailable",
                    "Cause": "The requested item is out of stock",
                },
            },
        }
    )


@pytest.fixture(scope="module")
def machines(cloud) -> dict[str, str]:  # noqa: ANN001
    lam, sfn = cloud.client("lambda"), cloud.client("stepfunctions")
    arns = {
        name: lam.get_function(FunctionName=deploy(lam, source))["Configuration"]["FunctionArn"]
        for name, source in (("check", CHECK), ("create", CREATE))
    }
    definition = seed_shaped_definition(arns["check"], arns["create"])
    return {
        kind: sfn.create_state_machine(
            name=f"orders-{kind.lower()}", definition=definition, roleArn=ROLE, type=kind
        )["stateMachineArn"]
        for kind in ("STANDARD", "EXPRESS")
    } | {"check_fn": arns["check"].rsplit(":", 1)[1]}


def wait_for(sfn, execution_arn: str) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError(f"{execution_arn} still running")


def test_standard_execution_follows_its_input(cloud, machines) -> None:  # noqa: ANN001
    sfn = cloud.client("stepfunctions")
    ok = sfn.start_execution(
        stateMachineArn=machines["STANDARD"], input='{"itemId": "Headlight", "quantity": 1}'
    )
    short = sfn.start_execution(
        stateMachineArn=machines["STANDARD"], input='{"itemId": "Headlight", "quantity": 9}'
    )
    succeeded, failed = wait_for(sfn, ok["executionArn"]), wait_for(sfn, short["executionArn"])
    assert succeeded["status"] == "SUCCEEDED"
    assert json.loads(succeeded["output"]) == {"orderId": "order-Headlight", "status": "PLACED"}
    assert failed["status"] == "FAILED" and failed["error"] == "ItemUnavailable"

    events = sfn.get_execution_history(executionArn=ok["executionArn"])["events"]
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]
    assert entered == ["CheckInventory", "IsAvailable", "CreateOrder"]
    assert events[-1]["type"] == "ExecutionSucceeded"
    failed_events = sfn.get_execution_history(executionArn=short["executionArn"])["events"]
    assert failed_events[-1]["type"] == "ExecutionFailed"


def test_functions_report_lines_are_in_cloudwatch_logs(cloud, machines) -> None:  # noqa: ANN001
    sfn, logs = cloud.client("stepfunctions"), cloud.client("logs")
    run = sfn.start_execution(
        stateMachineArn=machines["STANDARD"], input='{"itemId": "a", "quantity": 1}'
    )
    wait_for(sfn, run["executionArn"])

    def messages() -> list[str]:  # log events arrive a moment after they are written
        group = f"/aws/lambda/{machines['check_fn']}"
        return [e["message"] for e in all_log_events(logs, logGroupName=group)]

    assert until(lambda: "checking a" in messages())
    assert any(m.startswith("REPORT RequestId:") for m in messages())


def test_unnamed_executions_get_unique_names(cloud, machines) -> None:  # noqa: ANN001
    sfn = cloud.client("stepfunctions")
    names = {
        sfn.start_execution(
            stateMachineArn=machines["STANDARD"], input='{"itemId": "a", "quantity": 1}'
        )["executionArn"].rsplit(":", 1)[1]
        for _ in range(3)
    }
    assert len(names) == 3 and "None" not in names


def test_express_sync_execution_answers_synchronously(cloud, machines) -> None:  # noqa: ANN001
    sfn = cloud.client("stepfunctions")
    done = sfn.start_sync_execution(
        stateMachineArn=machines["EXPRESS"], input='{"itemId": "Seatbelt", "quantity": 2}'
    )
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"])["orderId"] == "order-Seatbelt"
    assert done["billingDetails"]["billedDurationInMilliseconds"] >= 100
    short = sfn.start_sync_execution(
        stateMachineArn=machines["EXPRESS"], input='{"itemId": "Seatbelt", "quantity": 7}'
    )
    assert short["status"] == "FAILED" and short["error"] == "ItemUnavailable"
    assert short["cause"] == "The requested item is out of stock"
    with pytest.raises(sfn.exceptions.StateMachineTypeNotSupported):
        sfn.start_sync_execution(stateMachineArn=machines["STANDARD"], input="{}")


def test_states_metrics_reach_cloudwatch(cloud, machines) -> None:  # noqa: ANN001
    sfn, cloudwatch = cloud.client("stepfunctions"), cloud.client("cloudwatch")
    arn = machines["EXPRESS"]
    sfn.start_sync_execution(stateMachineArn=arn, input='{"itemId": "m", "quantity": 1}')
    sfn.start_sync_execution(stateMachineArn=arn, input='{"itemId": "m", "quantity": 8}')

    def total(metric: str) -> float:
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/States",
            MetricName=metric,
            Dimensions=[{"Name": "StateMachineArn", "Value": arn}],
            StartTime=time.time() - 600,
            EndTime=time.time() + 60,
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        return sum(p["Sum"] for p in points)

    deadline = time.monotonic() + 5
    while total("ExecutionsFailed") < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert total("ExecutionsStarted") >= 2
    assert total("ExecutionsSucceeded") >= 1 and total("ExecutionsFailed") >= 1
    assert total("ExecutionTime") > 0


def test_execution_events_reach_the_log_group_of_a_logged_machine(cloud, machines) -> None:  # noqa: ANN001
    sfn, logs = cloud.client("stepfunctions"), cloud.client("logs")
    group = "/aws/vendedlogs/states/orders-logged"
    logs.create_log_group(logGroupName=group)
    group_arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{group}:*"
    definition = sfn.describe_state_machine(stateMachineArn=machines["EXPRESS"])["definition"]
    arn = sfn.create_state_machine(
        name="orders-logged",
        definition=definition,
        roleArn=ROLE,
        type="EXPRESS",
        loggingConfiguration={
            "level": "ALL",
            "includeExecutionData": True,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn}}],
        },
    )["stateMachineArn"]
    done = sfn.start_sync_execution(stateMachineArn=arn, input='{"itemId": "x", "quantity": 1}')
    deadline = time.monotonic() + 5
    events: list[dict] = []
    while not events and time.monotonic() < deadline:
        events = [json.loads(e["message"]) for e in all_log_events(logs, logGroupName=group)]
        time.sleep(0.1)
    assert {e["execution_arn"] for e in events} == {done["executionArn"]}
    types = [e["type"] for e in events]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    assert "TaskStateEntered" in types
    assert json.loads(events[0]["details"]["input"]) == {"itemId": "x", "quantity": 1}
