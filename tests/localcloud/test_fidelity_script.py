"""The script every Lambda tutorial starts with, written without waits, meets AWS's errors in
AWS's order: a role too new to assume, then a function still Pending. With the retry and the
waiter AWS's documentation asks for, the same script goes through."""

from __future__ import annotations

import json
import time
import uuid

from botocore.exceptions import ClientError

from tests.localcloud.functions import LAMBDA_TRUST, zip_of

HANDLER = "def handler(event, context):\n    return 'hi'\n"
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def test_a_script_without_waits_meets_awss_errors_in_awss_order(cloud) -> None:  # noqa: ANN001
    iam = cloud.client("iam")
    lam = cloud.client("lambda", retries={"max_attempts": 1})
    role_name, function_name = f"tutorial-{uuid.uuid4().hex[:8]}", f"hello-{uuid.uuid4().hex[:8]}"
    errors: list[tuple[str, str]] = []

    def attempt(call, **kwargs):  # noqa: ANN001, ANN202 - any boto3 call
        try:
            return call(**kwargs)
        except ClientError as error:
            errors.append((error.response["Error"]["Code"], error.response["Error"]["Message"]))
            return None

    trust = json.dumps(LAMBDA_TRUST)
    role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=BASIC_EXECUTION)
    create = {
        "FunctionName": function_name,
        "Runtime": "python3.11",
        "Role": role_arn,
        "Handler": "lambda_function.handler",
        "Code": {"ZipFile": zip_of({"lambda_function.py": HANDLER})},
    }
    # Straight after create_role, as a script without a retry would.
    attempt(lam.create_function, **create)
    # The retry AWS asks for while the role propagates.
    while attempt(lam.create_function, **create) is None:
        time.sleep(0.2)
    # Straight after create_function, as a script without the waiter would.
    attempt(lam.invoke, FunctionName=function_name)
    lam.get_waiter("function_active_v2").wait(
        FunctionName=function_name, WaiterConfig={"Delay": 0.1}
    )
    answer = lam.invoke(FunctionName=function_name)

    assert json.load(answer["Payload"]) == "hi"
    distinct = list(dict.fromkeys(errors))
    assert distinct == [
        (
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
        ),
        (
            "ResourceConflictException",
            "The operation cannot be performed at this time. The function is currently in the "
            "following state: Pending",
        ),
    ]
