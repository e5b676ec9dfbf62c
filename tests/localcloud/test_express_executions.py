"""A finished Express execution is not kept: AWS keeps none to look up, moto kept each whole."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from botocore.exceptions import ClientError
from moto.stepfunctions.models import StepFunctionBackend

from tests.localcloud.functions import ROLE
from tests.localcloud.polling import until

ACCOUNT = "123456789012"
REGION = "us-east-1"
PASS = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})


def test_moto_keeps_every_finished_express_execution() -> None:
    backend = StepFunctionBackend(REGION, ACCOUNT)
    machine = backend.create_state_machine("orders", PASS, ROLE, sm_type="EXPRESS")
    execution = machine.start_execution(REGION, ACCOUNT, "order-1", "{}")
    execution.stop(stop_date=execution.start_date, error="", cause="")
    assert backend.describe_execution(execution.execution_arn) is execution


def described(sfn, arn: str) -> str:  # noqa: ANN001
    """The execution's status, or the error code DescribeExecution answers."""
    try:
        return sfn.describe_execution(executionArn=arn)["status"]
    except ClientError as error:
        return error.response["Error"]["Code"]


def test_a_finished_express_execution_is_forgotten_and_a_standard_one_kept(cloud) -> None:  # noqa: ANN001
    sfn = cloud.client("stepfunctions")
    machines = {
        kind: sfn.create_state_machine(
            name=f"forget-{kind.lower()}-{uuid.uuid4().hex[:6]}",
            definition=PASS,
            roleArn=ROLE,
            type=kind,
        )["stateMachineArn"]
        for kind in ("EXPRESS", "STANDARD")
    }
    express = sfn.start_sync_execution(stateMachineArn=machines["EXPRESS"], input='{"n": 1}')
    assert express["status"] == "SUCCEEDED"  # answered from the execution itself
    standard = sfn.start_execution(stateMachineArn=machines["STANDARD"])["executionArn"]

    # The execution watcher forgets it once its metrics and log are written.
    assert until(lambda: described(sfn, express["executionArn"]) == "ExecutionDoesNotExist")
    assert until(lambda: described(sfn, standard) == "SUCCEEDED")
    assert sfn.list_executions(stateMachineArn=machines["EXPRESS"])["executions"] == []
    # Its name is free again: AWS does not check an Express execution's name for reuse.
    again = sfn.start_sync_execution(
        stateMachineArn=machines["EXPRESS"], name=express["name"], input='{"n": 2}'
    )
    assert again["status"] == "SUCCEEDED" and json.loads(again["output"]) == {"n": 2}


def test_its_metrics_are_kept(cloud) -> None:  # noqa: ANN001
    sfn, cloudwatch = cloud.client("stepfunctions"), cloud.client("cloudwatch")
    machine = sfn.create_state_machine(
        name=f"counted-{uuid.uuid4().hex[:6]}", definition=PASS, roleArn=ROLE, type="EXPRESS"
    )["stateMachineArn"]
    run = sfn.start_sync_execution(stateMachineArn=machine)
    assert until(lambda: described(sfn, run["executionArn"]) == "ExecutionDoesNotExist")

    def succeeded() -> float:
        answer = cloudwatch.get_metric_statistics(
            Namespace="AWS/States",
            MetricName="ExecutionsSucceeded",
            Dimensions=[{"Name": "StateMachineArn", "Value": machine}],
            StartTime=run["startDate"].replace(second=0, microsecond=0),
            EndTime=run["stopDate"] + timedelta(minutes=1),
            Period=60,
            Statistics=["Sum"],
        )
        return sum(point["Sum"] for point in answer["Datapoints"])

    assert until(succeeded) == 1
