"""A workflow's SNS tasks (`arn:aws:states:::sns:publish`): what the task gets back, what the
topic's subscribers get, and how it fails, as SNS answers the state machine's role
(`localcloud/sns_tasks.py`)."""

from __future__ import annotations

import base64
import functools
import json
import re
import uuid

import pytest
import requests

from tests.localcloud.functions import ROLE
from tests.localcloud.polling import until
from tests.localcloud.workflows import (
    cause_pattern,
    state_machine_role,
    unique,
    unless_refused,
)

PUBLISH = "arn:aws:states:::sns:publish"
ACCOUNT = "123456789012"
LINK = re.compile(r"http://\S+Action=ConfirmSubscription\S+")


def one_task(parameters: dict) -> str:
    """A workflow of one SNS Publish task."""
    task = {"Type": "Task", "Resource": PUBLISH, "Parameters": parameters, "End": True}
    return json.dumps({"StartAt": "Publish", "States": {"Publish": task}})


def address(name: str) -> str:
    return f"{unique(name)}@example.com"


@pytest.fixture(scope="module")
def sfn(cloud):  # noqa: ANN001, ANN201
    return cloud.client("stepfunctions")


@pytest.fixture(scope="module")
def sns(cloud):  # noqa: ANN001, ANN201
    return cloud.client("sns")


@pytest.fixture
def topic(sns) -> str:  # noqa: ANN001
    return sns.create_topic(Name=unique("task-topic"))["TopicArn"]


def machine_for(sfn, parameters: dict, role: str = ROLE) -> str:  # noqa: ANN001
    return sfn.create_state_machine(
        name=unique("sns-task"), definition=one_task(parameters), roleArn=role, type="EXPRESS"
    )["stateMachineArn"]


def run_sync(sfn, machine: str, execution_input: dict) -> dict:  # noqa: ANN001
    return sfn.start_sync_execution(stateMachineArn=machine, input=json.dumps(execution_input))


def test_the_task_result_is_the_publish_answer(sfn, topic) -> None:  # noqa: ANN001
    machine = machine_for(sfn, {"TopicArn": topic, "Message.$": "$"})
    done = run_sync(sfn, machine, {"orderId": "o-1"})

    assert done["status"] == "SUCCEEDED", done
    result = json.loads(done["output"])
    assert set(result) == {"MessageId"}
    assert uuid.UUID(result["MessageId"])


def test_message_attributes_reach_each_subscriptions_filter_policy(cloud, sfn, sns, topic) -> None:  # noqa: ANN001
    """Each customer is mailed only what is published for them (the privacy rule of
    tests/reliability/test_privacy.py), through the attributes the task publishes with."""
    users = {"A": address("task-user-a"), "B": address("task-user-b")}
    for user_id, to in users.items():
        sns.subscribe(
            TopicArn=topic,
            Protocol="email",
            Endpoint=to,
            Attributes={
                "FilterPolicy": json.dumps({"userId": [user_id], "items": [{"numeric": [">", 1]}]})
            },
        )
        requests.get(LINK.search(cloud.mail(to)[0]["body"]).group(0), timeout=5)
    parameters = {
        "TopicArn": topic,
        "Subject.$": "$.subject",
        "Message.$": "$.order",  # an object: the task publishes its JSON text
        "MessageAttributes": {
            "userId": {"DataType": "String", "StringValue.$": "$.userId"},
            "items": {"DataType": "Number", "StringValue.$": "$.items"},
        },
    }
    machine = machine_for(sfn, parameters)

    for user_id, items, order in [("A", "2", "a-1"), ("B", "3", "b-1"), ("A", "1", "a-2")]:
        execution_input = {
            "userId": user_id,
            "items": items,
            "subject": f"Order {order}",
            "order": {"orderId": order},
        }
        assert run_sync(sfn, machine, execution_input)["status"] == "SUCCEEDED"

    mail = {u: cloud.mail(to)[1:] for u, to in users.items()}
    assert [m["subject"] for m in mail["A"]] == ["Order a-1"]  # a-2 has 1 item: filtered out
    assert [m["subject"] for m in mail["B"]] == ["Order b-1"]
    assert json.loads(mail["B"][0]["body"].split("\n")[0]) == {"orderId": "b-1"}


def test_an_email_json_subscriber_gets_the_structured_message_and_attributes(
    cloud, sfn, sns, topic
) -> None:  # noqa: ANN001
    to = address("task-json")
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint=to)
    confirmation = json.loads(cloud.mail(to)[0]["body"])
    requests.get(confirmation["SubscribeURL"], timeout=5).raise_for_status()
    parameters = {
        "TopicArn": topic,
        "Message": {"default": "plain", "email-json": "for programs"},
        "MessageStructure": "json",
        "MessageAttributes": {
            "userId": {"DataType": "String", "StringValue": "A"},
            "items": {"DataType": "Number", "StringValue": "2.5"},
            "token": {"DataType": "Binary", "BinaryValue.$": "$.token"},
        },
    }
    done = run_sync(sfn, machine_for(sfn, parameters), {"token": "secret"})

    assert done["status"] == "SUCCEEDED", done
    document = json.loads(cloud.mail(to)[-1]["body"])
    assert document["MessageId"] == json.loads(done["output"])["MessageId"]
    assert document["Message"] == "for programs"
    assert document["MessageAttributes"] == {
        "userId": {"Type": "String", "Value": "A"},
        "items": {"Type": "Number", "Value": "2.5"},
        "token": {"Type": "Binary", "Value": base64.b64encode(b"secret").decode()},
    }


def test_a_task_without_a_message_fails_as_botocore_refuses_it(sfn, topic) -> None:  # noqa: ANN001
    done = run_sync(sfn, machine_for(sfn, {"TopicArn": topic}), {})

    assert done["status"] == "FAILED"
    assert done["error"] == "States.Runtime"
    assert done["cause"] == (
        "An error occurred while executing the state 'Publish' (entered at the event id #4). "
        'Parameter validation failed:\nMissing required parameter in input: "Message"'
    )


def test_an_invalid_attribute_fails_the_task_as_sns_answers(sfn, topic) -> None:  # noqa: ANN001
    attributes = {"items": {"DataType": "Number", "StringValue": "many"}}
    machine = machine_for(sfn, {"TopicArn": topic, "Message": "m", "MessageAttributes": attributes})
    done = run_sync(sfn, machine, {})

    assert done["status"] == "FAILED"
    assert done["error"] == "SNS.InvalidParameterException"
    message = (
        "An error occurred (ParameterValueInvalid) when calling the Publish operation: "
        "Could not cast message attribute 'items' value to number."
    )
    pattern = cause_pattern("AmazonSNS", message, 400, "InvalidParameter")
    assert re.fullmatch(pattern, done["cause"]), done["cause"]


def test_a_missing_topic_fails_the_task_as_sns_answers(sfn) -> None:  # noqa: ANN001
    missing = f"arn:aws:sns:us-east-1:{ACCOUNT}:{unique('missing')}"
    done = run_sync(sfn, machine_for(sfn, {"TopicArn": missing, "Message": "m"}), {})

    assert done["status"] == "FAILED"
    assert done["error"] == "SNS.NotFoundException"
    # The Publish API's answer for an ARN it does not know (moto's message).
    pattern = cause_pattern("AmazonSNS", "Endpoint does not exist", 404, "NotFound")
    assert re.fullmatch(pattern, done["cause"]), done["cause"]


def test_the_roles_permission_is_checked_on_the_topic(cloud, sfn, sns, topic) -> None:  # noqa: ANN001
    iam = cloud.client("iam")
    other = sns.create_topic(Name=unique("other-topic"))["TopicArn"]
    role_name = unique("publish-one-topic")
    role = state_machine_role(iam, role_name, "sns:Publish", topic)
    parameters = {"TopicArn.$": "$.topic", "Message": "m"}

    # A new role is refused until it propagates, as on AWS.
    machine = until(
        lambda: unless_refused(lambda: machine_for(sfn, parameters, role)),
        seconds=20,
    )
    run = functools.partial(run_sync, sfn, machine)
    # A policy just put is in force a moment later.
    allowed = until(lambda: run({"topic": topic})["status"] == "SUCCEEDED", seconds=20)
    denied = run({"topic": other})

    assert allowed
    # The role's last use is its session's call, as GetRole shows it.
    assert "LastUsedDate" in iam.get_role(RoleName=role_name)["Role"]["RoleLastUsed"]
    assert denied["status"] == "FAILED"
    assert denied["error"] == "SNS.AuthorizationErrorException"
    message = (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/localcloud-states is not "
        f"authorized to perform: sns:Publish on resource: {other} because no "
        "identity-based policy allows the sns:Publish action"
    )
    pattern = cause_pattern("AmazonSNS", message, 403, "AuthorizationError")
    assert re.fullmatch(pattern, denied["cause"]), denied["cause"]
