"""What the tests of a workflow's service tasks share: names, a role that propagates, causes."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

# The role the tests' Pass, Map and Parallel machines name (they call no service).
PASS_ONLY_ROLE = "arn:aws:iam::123456789012:role/test-lambda-role"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def run_express(sfn, name: str, definition: dict, execution_input: Any) -> dict:  # noqa: ANN001
    """A new Express machine of `definition`, run once with StartSyncExecution: its answer."""
    arn = sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=PASS_ONLY_ROLE, type="EXPRESS"
    )["stateMachineArn"]
    return sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps(execution_input))


def state_machine_role(iam, name: str, action: str, resource: str) -> str:  # noqa: ANN001
    """A new role Step Functions may assume, allowed `action` on `resource` only; its ARN."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    allowed = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
    }
    iam.put_role_policy(RoleName=name, PolicyName="only", PolicyDocument=json.dumps(allowed))
    return role["Role"]["Arn"]


def unless_refused(create: Callable[[], str]) -> str | None:
    """`create()`, or None while a new role is refused (it propagates, as on AWS)."""
    try:
        return create()
    except ClientError as error:
        if error.response["Error"]["Code"] != "AccessDeniedException":
            raise
        return None


def cause_pattern(service: str, message: str, status: int, code: str) -> str:
    """A task's error cause as Step Functions writes it from the service's answer
    (`service` as the cause names it: AWSLambda, AmazonSNS)."""
    return (
        re.escape(message)
        + re.escape(f" (Service: {service}; Status Code: {status}; Error Code: {code}; ")
        + r"Request ID: [\w-]+; Proxy: null\)"
    )
