"""Resources pass through the states AWS shows before they are ready (LOCALCLOUD_REALISM=fast).

A new function is Pending, an update InProgress, a new table CREATING, a new index
backfilling; logs and metrics arrive late. Code that skips its waiter fails here as on AWS.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from tests.conftest import LocalCloud, start_cloud
from tests.localcloud.apigateway_api import REGIONAL, apigateway_client
from tests.localcloud.functions import ROLE, all_log_events, zip_of
from tests.localcloud.polling import until

HANDLER = """
def lambda_handler(event, context):
    return {"ok": True}
"""

PROXY_HANDLER = """
import json

def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"proxied": True})}
"""


def create_function(lambda_client, source: str = HANDLER, name: str | None = None) -> str:  # noqa: ANN001
    """Create a function and do not wait: it is Pending."""
    name = name or f"fn-{uuid.uuid4().hex[:10]}"
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": zip_of({"lambda_function.py": source})},
    )
    return name


def count_calls(client, operation: str) -> list[str]:  # noqa: ANN001
    """A list that grows by one for every `operation` request the client sends."""
    calls: list[str] = []
    client.meta.events.register(
        f"before-call.{client.meta.service_model.endpoint_prefix}.{operation}",
        lambda **_: calls.append(operation),
    )
    return calls


# -- Lambda function states --------------------------------------------------------------


def test_a_new_function_is_pending_and_refuses_invokes(cloud) -> None:  # noqa: ANN001
    client = cloud.client("lambda")
    name = create_function(client)
    config = client.get_function_configuration(FunctionName=name)
    assert config["State"] == "Pending"
    assert config["StateReason"] == "The function is being created."
    assert config["StateReasonCode"] == "Creating"
    assert config["LastUpdateStatus"] == "InProgress"

    with pytest.raises(ClientError) as refused:
        client.invoke(FunctionName=name, Payload=b"{}")
    error = refused.value.response
    assert error["Error"]["Code"] == "ResourceConflictException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert error["Error"]["Message"] == (
        "The operation cannot be performed at this time. "
        "The function is currently in the following state: Pending"
    )


def test_an_event_invoke_of_a_pending_function_is_refused_at_once(cloud) -> None:  # noqa: ANN001
    client = cloud.client("lambda")
    name = create_function(client)
    with pytest.raises(client.exceptions.ResourceConflictException):
        client.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")


def test_function_active_waiter_really_waits_then_invoke_succeeds(cloud) -> None:  # noqa: ANN001
    client = cloud.client("lambda")
    name = create_function(client)
    calls = count_calls(client, "GetFunction")

    client.get_waiter("function_active_v2").wait(FunctionName=name)

    assert len(calls) > 1  # the first answer was Pending
    answer = client.invoke(FunctionName=name, Payload=b"{}")
    assert json.loads(answer["Payload"].read()) == {"ok": True}
    listed = {f["FunctionName"]: f for f in client.list_functions()["Functions"]}
    assert listed[name]["State"] == "Active"
    assert listed[name]["LastUpdateStatus"] == "Successful"
    assert "StateReason" not in listed[name]


def test_api_gateway_cannot_run_a_pending_function(cloud) -> None:  # noqa: ANN001
    client, apigateway = cloud.client("lambda"), apigateway_client(cloud)
    # The API is deployed first: its quotas (CreateDeployment once every 5 s) may make the
    # deployment wait, and the function would be Active by the time it is served.
    name = f"fn-{uuid.uuid4().hex[:10]}"
    arn = f"arn:aws:lambda:{cloud.region}:123456789012:function:{name}"
    api = apigateway.create_rest_api(name=f"pending-{name}", endpointConfiguration=REGIONAL)["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    apigateway.put_method(
        restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE"
    )
    apigateway.put_integration(
        restApiId=api,
        resourceId=root,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{cloud.region}:lambda:path/2015-03-31/functions/{arn}/invocations",
    )
    apigateway.create_deployment(restApiId=api, stageName="test")
    url = f"{cloud.endpoint_url}/restapis/{api}/test/_user_request_/"
    create_function(client, PROXY_HANDLER, name)

    # The Lambda invoke fails, so API Gateway answers its own 500, as on AWS.
    refused = requests.get(url, timeout=10)
    assert (refused.status_code, refused.json()) == (500, {"message": "Internal server error"})
    client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})
    assert requests.get(url, timeout=10).json() == {"proxied": True}


def test_a_step_functions_task_cannot_run_a_pending_function(cloud) -> None:  # noqa: ANN001
    client, sfn = cloud.client("lambda"), cloud.client("stepfunctions")
    name = f"fn-{uuid.uuid4().hex[:10]}"
    arn = f"arn:aws:lambda:{cloud.region}:123456789012:function:{name}"
    task = {"Type": "Task", "Resource": arn, "End": True}
    definition = {"StartAt": "Run", "States": {"Run": task}}
    machine = sfn.create_state_machine(
        name=f"pending-{name}", definition=json.dumps(definition), roleArn=ROLE, type="EXPRESS"
    )["stateMachineArn"]
    # A first run while the function does not exist yet readies the machine's interpreter,
    # so the next run reaches the function while it is still Pending.
    assert sfn.start_sync_execution(stateMachineArn=machine, input="{}")["status"] == "FAILED"
    create_function(client, name=name)

    failed = sfn.start_sync_execution(stateMachineArn=machine, input="{}")
    assert failed["status"] == "FAILED"
    # (moto's interpreter names the error "Exception"; AWS: Lambda.ResourceConflictException)
    assert "The function is currently in the following state: Pending" in failed["cause"]
    client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})
    succeeded = sfn.start_sync_execution(stateMachineArn=machine, input="{}")
    assert json.loads(succeeded["output"]) == {"ok": True}


def test_function_exists_waiter_sees_a_new_function(cloud) -> None:  # noqa: ANN001
    client = cloud.client("lambda")
    name = create_function(client)
    client.get_waiter("function_exists").wait(FunctionName=name)
    assert client.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name


def test_an_update_while_pending_is_refused(cloud) -> None:  # noqa: ANN001
    client = cloud.client("lambda")
    name = create_function(client)
    with pytest.raises(client.exceptions.ResourceConflictException) as refused:
        client.update_function_configuration(FunctionName=name, Timeout=10)
    arn = client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    assert refused.value.response["Error"]["Message"] == (
        f"The operation cannot be performed at this time. The resource {arn} is currently in "
        "the following state: 'Pending'. StateReasonCode: 'Creating'"
    )


def test_a_second_update_in_a_row_is_refused_until_the_first_completes(cloud) -> None:  # noqa: ANN001
    client = cloud.client("lambda")
    name = create_function(client)
    client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})

    first = client.update_function_configuration(FunctionName=name, Timeout=10)
    assert first["LastUpdateStatus"] == "InProgress"
    assert first["State"] == "Active"
    with pytest.raises(client.exceptions.ResourceConflictException) as refused:
        client.update_function_code(
            FunctionName=name, ZipFile=zip_of({"lambda_function.py": HANDLER})
        )
    assert refused.value.response["Error"]["Message"] == (
        "The operation cannot be performed at this time. An update is in progress for "
        f"resource: {first['FunctionArn']}"
    )
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    # Invokes still run while an update is in progress.
    assert client.invoke(FunctionName=name, Payload=b"{}")["StatusCode"] == 200

    calls = count_calls(client, "GetFunction")
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert len(calls) > 1
    second = client.update_function_code(
        FunctionName=name, ZipFile=zip_of({"lambda_function.py": HANDLER})
    )
    assert second["LastUpdateStatus"] == "InProgress"


def test_publish_version_waits_for_an_update_too(cloud) -> None:  # noqa: ANN001
    client = cloud.client("lambda")
    name = create_function(client)
    client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})
    client.update_function_configuration(FunctionName=name, Description="v2")
    with pytest.raises(client.exceptions.ResourceConflictException):
        client.publish_version(FunctionName=name)
    client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})
    assert client.publish_version(FunctionName=name)["Version"] == "1"


# -- DynamoDB table and index status ------------------------------------------------------


def create_table(dynamodb, **extra: Any) -> str:  # noqa: ANN001
    name = f"table-{uuid.uuid4().hex[:10]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}]
        + extra.pop("AttributeDefinitions", []),
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )
    return name


def test_a_new_table_is_creating_and_refuses_items_until_active(cloud) -> None:  # noqa: ANN001
    dynamodb = cloud.client("dynamodb")
    name = create_table(dynamodb)
    assert dynamodb.describe_table(TableName=name)["Table"]["TableStatus"] == "CREATING"

    with pytest.raises(dynamodb.exceptions.ResourceNotFoundException) as refused:
        dynamodb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    assert refused.value.response["Error"]["Message"] == "Requested resource not found"
    with pytest.raises(dynamodb.exceptions.ResourceNotFoundException):
        dynamodb.batch_write_item(
            RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}]}
        )

    calls = count_calls(dynamodb, "DescribeTable")
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    assert len(calls) > 1
    assert dynamodb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    assert dynamodb.get_item(TableName=name, Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}


def test_indexes_created_with_a_table_follow_its_status(cloud) -> None:  # noqa: ANN001
    dynamodb = cloud.client("dynamodb")
    name = create_table(
        dynamodb,
        AttributeDefinitions=[{"AttributeName": "status", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    (index,) = dynamodb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert index["IndexStatus"] == "CREATING"
    assert "Backfilling" not in index  # only indexes added by UpdateTable backfill
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    (index,) = dynamodb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert index["IndexStatus"] == "ACTIVE"


def test_an_index_added_later_backfills_before_it_can_be_read(cloud) -> None:  # noqa: ANN001
    dynamodb = cloud.client("dynamodb")
    name = create_table(dynamodb)
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "a"}, "status": {"S": "NEW"}})
    dynamodb.update_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "status", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by-status",
                    "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )
    (index,) = dynamodb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert (index["IndexStatus"], index["Backfilling"]) == ("CREATING", True)

    def query() -> dict:
        return dynamodb.query(
            TableName=name,
            IndexName="by-status",
            KeyConditionExpression="#s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "NEW"}},
        )

    with pytest.raises(ClientError) as refused:
        query()
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["Error"]["Message"] == (
        "Cannot read from backfilling global secondary index: by-status"
    )
    # The table itself stays readable and writable meanwhile.
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "b"}, "status": {"S": "NEW"}})

    def index_active() -> bool:
        table = dynamodb.describe_table(TableName=name)["Table"]
        return table["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"

    assert until(index_active)
    assert query()["Count"] == 2


def test_delete_table_answers_deleting_and_the_waiter_sees_it_gone(cloud) -> None:  # noqa: ANN001
    dynamodb = cloud.client("dynamodb")
    name = create_table(dynamodb)
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    deleted = dynamodb.delete_table(TableName=name)
    assert deleted["TableDescription"]["TableStatus"] == "DELETING"
    dynamodb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1})


# -- Logs and metrics arrive late ----------------------------------------------------------


def test_a_log_event_is_readable_only_after_it_arrives(cloud) -> None:  # noqa: ANN001
    logs = cloud.client("logs")
    group, stream = f"/test/{uuid.uuid4().hex[:8]}", "s"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "hello"}],
    )

    def read() -> list[str]:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]
        return [event["message"] for event in events]

    def filtered() -> list[str]:
        return [e["message"] for e in all_log_events(logs, logGroupName=group)]

    assert read() == []
    assert filtered() == []
    assert until(read) == ["hello"]
    assert filtered() == ["hello"]


def test_a_function_log_arrives_late_too(cloud) -> None:  # noqa: ANN001
    client = cloud.client("lambda")
    name = create_function(client)
    client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})
    client.invoke(FunctionName=name, Payload=b"{}")
    logs = cloud.client("logs")
    group = f"/aws/lambda/{name}"

    def messages() -> list[str]:
        return [e["message"] for e in all_log_events(logs, logGroupName=group)]

    assert messages() == []
    assert any(m.startswith("REPORT") for m in until(messages))


def test_a_datapoint_is_readable_only_after_it_arrives(cloud) -> None:  # noqa: ANN001
    cloudwatch = cloud.client("cloudwatch")
    namespace = f"Test/{uuid.uuid4().hex[:8]}"
    now = time.time()
    cloudwatch.put_metric_data(
        Namespace=namespace, MetricData=[{"MetricName": "Orders", "Value": 3, "Unit": "Count"}]
    )

    def statistics() -> list[dict]:
        return cloudwatch.get_metric_statistics(
            Namespace=namespace,
            MetricName="Orders",
            StartTime=now - 300,
            EndTime=now + 300,
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]

    def data() -> list[float]:
        query = {
            "Id": "orders",
            "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": "Orders"},
                "Period": 60,
                "Stat": "Sum",
            },
        }
        answer = cloudwatch.get_metric_data(
            MetricDataQueries=[query], StartTime=now - 300, EndTime=now + 300
        )
        return answer["MetricDataResults"][0]["Values"]

    assert statistics() == []
    assert data() == []
    assert [point["Sum"] for point in until(statistics)] == [3.0]
    assert data() == [3.0]


# -- LOCALCLOUD_REALISM=off ----------------------------------------------------------------


@pytest.fixture(scope="module")
def instant_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """A second local cloud at LOCALCLOUD_REALISM=off: moto's own, instant behaviour."""
    yield from start_cloud(tmp_path_factory, {"LOCALCLOUD_REALISM": "off"})


def test_realism_off_makes_everything_ready_at_once(instant_cloud) -> None:  # noqa: ANN001
    iam = instant_cloud.client("iam")
    iam.create_role(
        RoleName=ROLE.rsplit("/", 1)[1],
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    client = instant_cloud.client("lambda")
    name = create_function(client)
    assert client.get_function(FunctionName=name)["Configuration"]["State"] == "Active"
    assert json.loads(client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()) == {
        "ok": True
    }
    client.update_function_configuration(FunctionName=name, Timeout=10)
    client.update_function_configuration(FunctionName=name, Timeout=11)

    dynamodb = instant_cloud.client("dynamodb")
    table = create_table(dynamodb)
    assert dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}})

    logs = instant_cloud.client("logs")
    logs.create_log_group(logGroupName="/test/off")
    logs.create_log_stream(logGroupName="/test/off", logStreamName="s")
    logs.put_log_events(
        logGroupName="/test/off",
        logStreamName="s",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "at once"}],
    )
    events = logs.get_log_events(logGroupName="/test/off", logStreamName="s")["events"]
    assert [event["message"] for event in events] == ["at once"]

    cloudwatch = instant_cloud.client("cloudwatch")
    now = time.time()
    cloudwatch.put_metric_data(Namespace="Test/Off", MetricData=[{"MetricName": "M", "Value": 1}])
    points = cloudwatch.get_metric_statistics(
        Namespace="Test/Off",
        MetricName="M",
        StartTime=now - 300,
        EndTime=now + 300,
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    assert [point["Sum"] for point in points] == [1.0]
