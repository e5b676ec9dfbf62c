"""IAM that denies: keys the local cloud issued are held to their policies, roles and policies
propagate late, and Lambda and Step Functions check the roles they are given, as on AWS."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.localcloud.functions import LAMBDA_TRUST, LOG_DELIVERY_ACTIONS, all_log_events, zip_of

ACCOUNT = "123456789012"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def client_as(cloud, service: str, credentials: dict[str, str]):  # noqa: ANN001, ANN201
    return boto3.client(
        service,
        endpoint_url=cloud.endpoint_url,
        region_name=cloud.region,
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
        **credentials,
    )


def retried(call: Callable[[], Any], code: str, attempts: int = 100) -> Any:
    """`call()`, retried while it fails with `code` (what AWS asks of code meeting IAM's
    eventual consistency); the last failure is raised."""
    for attempt in range(attempts):
        try:
            return call()
        except ClientError as error:
            if error.response["Error"]["Code"] != code or attempt == attempts - 1:
                raise
            time.sleep(0.1)
    raise AssertionError("unreachable")


def user_with_policy(cloud, policy: dict | None) -> tuple[str, dict[str, str]]:  # noqa: ANN001
    """A new user (with `policy` inline, if any) and the credentials of an access key."""
    iam = cloud.client("iam")
    name = unique("user")
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }


def allow(actions: list[str] | str, resources: list[str] | str = "*") -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}],
    }


def new_table(cloud) -> str:  # noqa: ANN001
    dynamodb = cloud.client("dynamodb")
    name = unique("table")
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2})
    return name


def put_item(client, table: str) -> None:  # noqa: ANN001
    client.put_item(TableName=table, Item={"id": {"S": "1"}})


def test_user_with_no_policy_is_denied(cloud) -> None:  # noqa: ANN001
    name, credentials = user_with_policy(cloud, None)

    with pytest.raises(ClientError) as denied:
        client_as(cloud, "iam", credentials).create_access_key()

    error = denied.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Error"]["Code"] == "AccessDenied"
    assert error["Error"]["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: "
        f"iam:CreateAccessKey on resource: arn:aws:iam::{ACCOUNT}:user/{name} because no "
        "identity-based policy allows the iam:CreateAccessKey action"
    )


def test_default_credentials_are_the_administrators(cloud) -> None:  # noqa: ANN001
    table = new_table(cloud)
    put_item(cloud.client("dynamodb"), table)  # no policy anywhere: "testing" is allowed

    assert cloud.client("dynamodb").get_item(TableName=table, Key={"id": {"S": "1"}})["Item"]


def test_a_policy_for_one_table_allows_it_and_denies_another(cloud) -> None:  # noqa: ANN001
    mine, other = new_table(cloud), new_table(cloud)
    mine_arn = f"arn:aws:dynamodb:{cloud.region}:{ACCOUNT}:table/{mine}"
    name, credentials = user_with_policy(cloud, allow("dynamodb:PutItem", mine_arn))
    dynamodb = client_as(cloud, "dynamodb", credentials)

    retried(lambda: put_item(dynamodb, mine), "AccessDeniedException")  # once in force
    with pytest.raises(ClientError) as denied:
        put_item(dynamodb, other)

    error = denied.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "AccessDeniedException"
    other_arn = f"arn:aws:dynamodb:{cloud.region}:{ACCOUNT}:table/{other}"
    assert error["Error"]["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: "
        f"dynamodb:PutItem on resource: {other_arn} because no identity-based policy allows "
        "the dynamodb:PutItem action"
    )


def test_an_explicit_deny_wins_over_an_allow(cloud) -> None:  # noqa: ANN001
    table = new_table(cloud)
    policy = allow("dynamodb:*")
    policy["Statement"].append({"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"})
    _, credentials = user_with_policy(cloud, policy)
    dynamodb = client_as(cloud, "dynamodb", credentials)
    retried(lambda: dynamodb.describe_table(TableName=table), "AccessDeniedException")

    with pytest.raises(ClientError) as denied:
        put_item(dynamodb, table)

    assert denied.value.response["Error"]["Message"].endswith(
        "with an explicit deny in an identity-based policy"
    )


def test_wildcards_match_actions_case_insensitively_and_resources(cloud) -> None:  # noqa: ANN001
    prefix = unique("orders")
    dynamodb = cloud.client("dynamodb")
    tables = [f"{prefix}-a", f"{prefix}-bb"]
    for table in tables:
        dynamodb.create_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.2})
    # `?` is one character: -a matches, -bb does not.
    _, credentials = user_with_policy(
        cloud, allow("DynamoDB:Put*", f"arn:aws:dynamodb:*:*:table/{prefix}-?")
    )
    as_user = client_as(cloud, "dynamodb", credentials)

    retried(lambda: put_item(as_user, tables[0]), "AccessDeniedException")
    with pytest.raises(ClientError, match="dynamodb:PutItem"):
        put_item(as_user, tables[1])
    with pytest.raises(ClientError, match="dynamodb:GetItem"):
        as_user.get_item(TableName=tables[0], Key={"id": {"S": "1"}})


def test_assume_role_credentials_are_held_to_the_roles_policies(cloud) -> None:  # noqa: ANN001
    iam = cloud.client("iam")
    role = unique("reader")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role, PolicyName="p", PolicyDocument=json.dumps(allow("sns:ListTopics"))
    )
    session = cloud.client("sts").assume_role(RoleArn=arn, RoleSessionName="me")["Credentials"]
    sns = client_as(
        cloud,
        "sns",
        {
            "aws_access_key_id": session["AccessKeyId"],
            "aws_secret_access_key": session["SecretAccessKey"],
            "aws_session_token": session["SessionToken"],
        },
    )

    retried(sns.list_topics, "AuthorizationError")
    with pytest.raises(ClientError) as denied:
        sns.create_topic(Name="not-mine")

    error = denied.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Error"]["Code"] == "AuthorizationError"
    assert error["Error"]["Message"].startswith(
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/me is not authorized to perform: "
        f"sns:CreateTopic on resource: arn:aws:sns:{cloud.region}:{ACCOUNT}:not-mine"
    )


def ready_role(cloud, policy: dict | None = None, managed: str | None = None) -> str:  # noqa: ANN001
    """A Lambda execution role, with its policy; returns its ARN."""
    iam = cloud.client("iam")
    name = unique("role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"][
        "Arn"
    ]
    if policy is not None:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    if managed is not None:
        iam.attach_role_policy(RoleName=name, PolicyArn=managed)
    return arn


def create_function(lambda_client, role: str, source: str, **config: Any) -> str:  # noqa: ANN001
    name = unique("fn")
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="lambda_function.handler",
        Code={"ZipFile": zip_of({"lambda_function.py": source})},
        **config,
    )
    lambda_client.get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 0.1}
    )
    return name


def test_a_function_whose_role_lacks_putitem_is_denied(cloud) -> None:  # noqa: ANN001
    table = new_table(cloud)
    role = ready_role(cloud, allow("dynamodb:GetItem"))
    lambda_client = cloud.client("lambda")
    source = f"""
        import boto3

        def handler(event, context):
            boto3.client("dynamodb").put_item(TableName="{table}", Item={{"id": {{"S": "1"}}}})
    """
    name = retried(
        lambda: create_function(lambda_client, role, source), "InvalidParameterValueException"
    )

    answer = lambda_client.invoke(FunctionName=name)

    error = json.loads(answer["Payload"].read())
    assert answer["FunctionError"] == "Unhandled"
    assert error["errorType"] == "ClientError", error
    role_name = role.rsplit("/", 1)[1]
    assert (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{name} is not authorized to "
        f"perform: dynamodb:PutItem on resource: arn:aws:dynamodb:{cloud.region}:{ACCOUNT}:"
        f"table/{table} because no identity-based policy allows the dynamodb:PutItem action"
    ) in error["errorMessage"]


def test_aws_managed_policies_exist_and_attach(cloud) -> None:  # noqa: ANN001
    managed = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    role = ready_role(cloud, managed=managed)

    attached = cloud.client("iam").list_attached_role_policies(RoleName=role.rsplit("/", 1)[1])

    assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [managed]
    document = cloud.client("iam").get_policy_version(PolicyArn=managed, VersionId="v1")
    assert "logs:PutLogEvents" in json.dumps(document["PolicyVersion"]["Document"])


def test_a_role_just_created_cannot_be_assumed_until_it_propagates(cloud) -> None:  # noqa: ANN001
    role = ready_role(cloud)
    lambda_client = cloud.client("lambda")
    source = "def handler(event, context):\n    return 1\n"

    with pytest.raises(ClientError) as refused:
        create_function(lambda_client, role, source)
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == "The role defined for the function cannot be assumed by Lambda."

    name = retried(
        lambda: create_function(lambda_client, role, source), "InvalidParameterValueException"
    )
    assert lambda_client.invoke(FunctionName=name)["Payload"].read() == b"1"


def test_a_role_that_does_not_trust_lambda_is_refused(cloud) -> None:  # noqa: ANN001
    iam = cloud.client("iam")
    trust = json.loads(json.dumps(LAMBDA_TRUST))
    trust["Statement"][0]["Principal"] = {"Service": "states.amazonaws.com"}
    arn = iam.create_role(RoleName=unique("role"), AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]["Arn"]
    time.sleep(1)  # older than any propagation delay: only the trust policy can refuse it

    with pytest.raises(ClientError, match="cannot be assumed by Lambda"):
        create_function(cloud.client("lambda"), arn, "def handler(e, c): pass\n")


def test_tracing_needs_xray_permissions_in_force(cloud) -> None:  # noqa: ANN001
    lambda_client = cloud.client("lambda")
    role = ready_role(cloud)
    source = "def handler(event, context):\n    return 1\n"
    name = retried(
        lambda: create_function(lambda_client, role, source), "InvalidParameterValueException"
    )

    with pytest.raises(ClientError) as refused:
        lambda_client.update_function_configuration(
            FunctionName=name, TracingConfig={"Mode": "Active"}
        )
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == (
        "The provided execution role does not have permissions to call PutTraceSegments on XRAY"
    )

    cloud.client("iam").put_role_policy(
        RoleName=role.rsplit("/", 1)[1],
        PolicyName="xray",
        PolicyDocument=json.dumps(allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"])),
    )
    with pytest.raises(ClientError, match="PutTraceSegments on XRAY"):  # not yet in force
        lambda_client.update_function_configuration(
            FunctionName=name, TracingConfig={"Mode": "Active"}
        )
    retried(
        lambda: lambda_client.update_function_configuration(
            FunctionName=name, TracingConfig={"Mode": "Active"}
        ),
        "InvalidParameterValueException",
    )
    assert lambda_client.get_function_configuration(FunctionName=name)["TracingConfig"] == {
        "Mode": "Active"
    }


def test_state_machine_logging_needs_log_delivery_permissions(cloud) -> None:  # noqa: ANN001
    iam = cloud.client("iam")
    trust = json.loads(json.dumps(LAMBDA_TRUST))
    trust["Statement"][0]["Principal"] = {"Service": "states.amazonaws.com"}
    name = unique("machine-role")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    sfn = cloud.client("stepfunctions")
    group = cloud.client("logs")
    log_group = f"/aws/vendedlogs/states/{unique('machine')}"
    group.create_log_group(logGroupName=log_group)
    logging_on = {
        "level": "ALL",
        "destinations": [
            {
                "cloudWatchLogsLogGroup": {
                    "logGroupArn": f"arn:aws:logs:{cloud.region}:{ACCOUNT}:log-group:{log_group}:*"
                }
            }
        ],
    }
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})

    def create() -> dict:
        return sfn.create_state_machine(
            name=unique("machine"),
            definition=definition,
            roleArn=role,
            loggingConfiguration=logging_on,
        )

    with pytest.raises(ClientError) as refused:
        retried(create, "AccessDeniedException", attempts=20)
    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == (
        "The state machine IAM Role is not authorized to access the Log Destination"
    )

    iam.put_role_policy(
        RoleName=name,
        PolicyName="log-delivery",
        PolicyDocument=json.dumps(allow(LOG_DELIVERY_ACTIONS)),
    )
    assert retried(create, "AccessDeniedException")["stateMachineArn"]


def test_a_new_role_cannot_be_given_to_a_state_machine_at_once(cloud) -> None:  # noqa: ANN001
    iam = cloud.client("iam")
    trust = json.loads(json.dumps(LAMBDA_TRUST))
    trust["Statement"][0]["Principal"] = {"Service": "states.amazonaws.com"}
    role = iam.create_role(RoleName=unique("r"), AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]["Arn"]
    sfn = cloud.client("stepfunctions")
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})

    with pytest.raises(ClientError) as refused:
        sfn.create_state_machine(name=unique("m"), definition=definition, roleArn=role)

    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert refused.value.response["Error"]["Message"] == (
        "Neither the global service principal states.amazonaws.com, nor the regional one is "
        "authorized to assume the provided role."
    )
    machine = retried(
        lambda: sfn.create_state_machine(name=unique("m"), definition=definition, roleArn=role),
        "AccessDeniedException",
    )
    assert machine["stateMachineArn"]


def test_a_role_without_log_permissions_gets_no_logs(cloud) -> None:  # noqa: ANN001
    role = ready_role(cloud)
    lambda_client, logs = cloud.client("lambda"), cloud.client("logs")
    source = "def handler(event, context):\n    print('hello')\n"
    name = retried(
        lambda: create_function(lambda_client, role, source), "InvalidParameterValueException"
    )
    unlogged = lambda_client.invoke(FunctionName=name)["ResponseMetadata"]["RequestId"]

    cloud.client("iam").attach_role_policy(
        RoleName=role.rsplit("/", 1)[1],
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    )
    messages: list[str] = []
    for _attempt in range(100):  # until the policy is in force and a log has arrived
        lambda_client.invoke(FunctionName=name)
        time.sleep(0.2)
        try:
            events = all_log_events(logs, logGroupName=f"/aws/lambda/{name}")
        except ClientError:  # no group yet: nothing was ever written
            continue
        messages = [e["message"] for e in events]
        if messages:
            break

    assert any(m.startswith("START RequestId:") for m in messages)
    assert not any(unlogged in m for m in messages)


def test_state_machine_tasks_run_as_the_machines_role(cloud) -> None:  # noqa: ANN001
    function_role = ready_role(cloud)
    function = retried(
        lambda: create_function(
            cloud.client("lambda"), function_role, "def handler(e, c):\n    return 1\n"
        ),
        "InvalidParameterValueException",
    )
    iam = cloud.client("iam")
    trust = json.loads(json.dumps(LAMBDA_TRUST))
    trust["Statement"][0]["Principal"] = {"Service": "states.amazonaws.com"}
    role_name = unique("no-invoke")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function},
                "End": True,
            }
        },
    }
    sfn = cloud.client("stepfunctions")
    machine = retried(
        lambda: sfn.create_state_machine(
            name=unique("m"), definition=json.dumps(definition), roleArn=role
        ),
        "AccessDeniedException",
    )["stateMachineArn"]

    execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    for _attempt in range(200):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            break
        time.sleep(0.05)

    assert described["status"] == "FAILED"
    assert f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/" in described.get("cause", "")
    assert "is not authorized to perform: lambda:InvokeFunction" in described["cause"]


def test_lambda_and_cloudwatch_refuse_in_their_own_protocols(cloud) -> None:  # noqa: ANN001
    name, credentials = user_with_policy(cloud, None)
    user = f"arn:aws:iam::{ACCOUNT}:user/{name}"

    with pytest.raises(ClientError) as lambda_denied:
        client_as(cloud, "lambda", credentials).invoke(FunctionName="some-function:live")
    with pytest.raises(ClientError) as cloudwatch_denied:
        client_as(cloud, "cloudwatch", credentials).put_metric_data(
            Namespace="Orders", MetricData=[{"MetricName": "Placed", "Value": 1}]
        )

    error = lambda_denied.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Error"]["Code"] == "AccessDeniedException"
    function = f"arn:aws:lambda:{cloud.region}:{ACCOUNT}:function:some-function:live"
    assert error["Error"]["Message"] == (
        f"User: {user} is not authorized to perform: lambda:InvokeFunction on resource: "
        f"{function} because no identity-based policy allows the lambda:InvokeFunction action"
    )
    # CloudWatch's JSON protocol, as boto3 speaks it here: the JSON protocols' refusal.
    error = cloudwatch_denied.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "AccessDeniedException"
    assert "cloudwatch:PutMetricData on resource: *" in error["Error"]["Message"]


def test_a_users_groups_and_managed_policies_apply(cloud) -> None:  # noqa: ANN001
    iam = cloud.client("iam")
    table = new_table(cloud)
    name, credentials = user_with_policy(cloud, None)
    group = unique("group")
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=name)
    policy = iam.create_policy(
        PolicyName=unique("writers"), PolicyDocument=json.dumps(allow("dynamodb:PutItem"))
    )["Policy"]["Arn"]
    iam.attach_group_policy(GroupName=group, PolicyArn=policy)
    dynamodb = client_as(cloud, "dynamodb", credentials)

    retried(lambda: put_item(dynamodb, table), "AccessDeniedException")

    iam.detach_group_policy(GroupName=group, PolicyArn=policy)
    with pytest.raises(ClientError, match="no identity-based policy allows"):
        for _attempt in range(100):  # until the detachment is in force
            put_item(dynamodb, table)
            time.sleep(0.1)


def test_transactions_need_each_items_action_and_a_query_needs_its_index(cloud) -> None:  # noqa: ANN001
    orders, stock = new_table(cloud), new_table(cloud)
    arn = f"arn:aws:dynamodb:{cloud.region}:{ACCOUNT}:table"
    policy = allow("dynamodb:PutItem", f"{arn}/{orders}")
    policy["Statement"].append(
        {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": f"{arn}/{orders}/index/*"}
    )
    _, credentials = user_with_policy(cloud, policy)
    dynamodb = client_as(cloud, "dynamodb", credentials)
    retried(lambda: put_item(dynamodb, orders), "AccessDeniedException")

    with pytest.raises(ClientError) as denied:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": orders, "Item": {"id": {"S": "2"}}}},
                {
                    "Update": {
                        "TableName": stock,
                        "Key": {"id": {"S": "1"}},
                        "UpdateExpression": "SET n = :n",
                        "ExpressionAttributeValues": {":n": {"N": "1"}},
                    }
                },
            ]
        )
    assert f"dynamodb:UpdateItem on resource: {arn}/{stock} because" in str(denied.value)
    with pytest.raises(ClientError) as denied:
        dynamodb.query(
            TableName=orders,
            KeyConditionExpression="id = :id",
            ExpressionAttributeValues={":id": {"S": "1"}},
        )
    assert f"dynamodb:Query on resource: {arn}/{orders} because" in str(denied.value)
