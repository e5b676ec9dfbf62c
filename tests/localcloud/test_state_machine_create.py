"""CreateStateMachine of a name in use: the same machine again, or StateMachineAlreadyExists."""

from __future__ import annotations

import inspect
import json
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.localcloud.functions import ROLE

PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
SUCCEED = json.dumps({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}})
STATES_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def refusal(sfn: Any, **request: Any) -> dict[str, Any]:
    """The error response of a CreateStateMachine that must be refused."""
    with pytest.raises(sfn.exceptions.StateMachineAlreadyExists) as refused:
        sfn.create_state_machine(**request)
    return refused.value.response


def test_the_same_request_again_answers_the_machine_it_made(cloud) -> None:  # noqa: ANN001
    sfn = cloud.client("stepfunctions")
    name = unique("idempotent")
    first = sfn.create_state_machine(name=name, definition=PASS, roleArn=ROLE)
    again = sfn.create_state_machine(name=name, definition=PASS, roleArn=ROLE)
    assert again["stateMachineArn"] == first["stateMachineArn"]
    assert again["creationDate"] == first["creationDate"]
    # The defaults spelt out are the same request.
    spelt_out = sfn.create_state_machine(
        name=name,
        definition=PASS,
        roleArn=ROLE,
        type="STANDARD",
        loggingConfiguration={"level": "OFF"},
        tracingConfiguration={"enabled": False},
    )
    assert spelt_out["stateMachineArn"] == first["stateMachineArn"]
    listed = sfn.list_state_machines()["stateMachines"]
    assert [m["name"] for m in listed].count(name) == 1


def test_another_machine_under_the_name_is_refused_until_updated(cloud) -> None:  # noqa: ANN001
    sfn = cloud.client("stepfunctions")
    name = unique("taken")
    request = {"name": name, "definition": PASS, "roleArn": ROLE}
    arn = sfn.create_state_machine(**request)["stateMachineArn"]
    for different in (
        {"definition": SUCCEED},
        {"type": "EXPRESS"},
        {"tracingConfiguration": {"enabled": True}},
        {"publish": True},
    ):
        response = refusal(sfn, **{**request, **different})
        assert response["Error"]["Code"] == "StateMachineAlreadyExists", different
        assert response["Error"]["Message"] == f"State Machine Already Exists: '{arn}'"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == PASS

    sfn.update_state_machine(stateMachineArn=arn, definition=SUCCEED)
    assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == SUCCEED
    # The check is against the machine as it is now.
    again = sfn.create_state_machine(**{**request, "definition": SUCCEED})
    assert again["stateMachineArn"] == arn
    assert refusal(sfn, **request)["Error"]["Code"] == "StateMachineAlreadyExists"


def test_a_different_role_is_ignored_and_not_applied(cloud) -> None:  # noqa: ANN001
    sfn, iam = cloud.client("stepfunctions"), cloud.client("iam")
    other = iam.create_role(
        RoleName=unique("other-states"), AssumeRolePolicyDocument=json.dumps(STATES_TRUST)
    )["Role"]["Arn"]
    name = unique("role")
    arn = sfn.create_state_machine(name=name, definition=PASS, roleArn=ROLE)["stateMachineArn"]
    for _attempt in range(100):  # a new role cannot be assumed at once, as on AWS
        try:
            again = sfn.create_state_machine(
                name=name, definition=PASS, roleArn=other, tags=[{"key": "k", "value": "v"}]
            )
            break
        except ClientError as error:
            if error.response["Error"]["Code"] != "AccessDeniedException":
                raise
            time.sleep(0.2)
    assert again["stateMachineArn"] == arn
    assert sfn.describe_state_machine(stateMachineArn=arn)["roleArn"] == ROLE
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == []


def test_a_published_create_again_publishes_no_second_version(cloud) -> None:  # noqa: ANN001
    sfn = cloud.client("stepfunctions")
    request = {"name": unique("published"), "definition": PASS, "roleArn": ROLE, "publish": True}
    first = sfn.create_state_machine(**request, versionDescription="v1")
    again = sfn.create_state_machine(**request, versionDescription="v1")
    assert again["stateMachineVersionArn"] == first["stateMachineVersionArn"]
    assert first["stateMachineVersionArn"] == f"{first['stateMachineArn']}:1"
    # (moto 5.2.5 has no ListStateMachineVersions: version 2 is looked for by its ARN.)
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=f"{first['stateMachineArn']}:2")
    refused = refusal(sfn, **{**request, "versionDescription": "v2"})
    assert refused["Error"]["Code"] == "StateMachineAlreadyExists"


def test_create_state_machine_seam_exists() -> None:
    """What seams/stepfunctions.py mirrors: moto's parameters, which its interpreter's
    backend passes by keyword."""
    from moto.stepfunctions.models import StepFunctionBackend

    create = StepFunctionBackend.create_state_machine
    moto_create = getattr(create, "localcloud_original", create)
    assert list(inspect.signature(moto_create).parameters) == [
        "self",
        "name",
        "definition",
        "roleArn",
        "tags",
        "publish",
        "loggingConfiguration",
        "tracingConfiguration",
        "encryptionConfiguration",
        "version_description",
        "sm_type",
    ]
    source = inspect.getsource(moto_create)
    assert "return self.describe_state_machine(arn)" in source  # moto's silent answer
