import json
import time
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from tests.conftest import LocalCloud, start_cloud
from tests.localcloud.functions import LOG_DELIVERY_ACTIONS, ROLE, zip_of

# What the test functions, state machines and API Gateway integrations using ROLE really do.
ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "dynamodb:*",  # handlers read and write their tables
                "lambda:InvokeFunction",  # state machine tasks
                "states:StartExecution",  # API Gateway integrations, handlers
                "states:StartSyncExecution",
                "sns:Publish",
                "cloudwatch:PutMetricData",
                "xray:PutTraceSegments",  # functions with TracingConfig Active
                "xray:PutTelemetryRecords",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                *LOG_DELIVERY_ACTIONS,  # state machines with a loggingConfiguration
            ],
            "Resource": "*",
        }
    ],
}


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """This suite's cloud does not play the email recipient: its tests confirm subscriptions
    themselves, and test that nothing reaches a pending one."""
    yield from start_cloud(tmp_path_factory)


@pytest.fixture(scope="session", autouse=True)
def lambda_role(cloud) -> str:  # noqa: ANN001
    """The execution role test functions, state machines and integrations use, ready to use.

    As on AWS, a new role cannot be assumed at once and a new policy is not in force at once:
    a probe function with X-Ray tracing (which needs both) is retried until Lambda accepts it.
    """
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "Service": [
                        "lambda.amazonaws.com",
                        "states.amazonaws.com",
                        "apigateway.amazonaws.com",
                    ]
                },
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = cloud.client("iam")
    name = ROLE.rsplit("/", 1)[1]
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName=name, PolicyName="test-functions", PolicyDocument=json.dumps(ROLE_POLICY)
    )
    lambda_client = cloud.client("lambda")
    for _attempt in range(100):
        try:
            lambda_client.create_function(
                FunctionName="role-ready-probe",
                Runtime="python3.11",
                Role=ROLE,
                Handler="lambda_function.handler",
                Code={"ZipFile": zip_of({"lambda_function.py": "def handler(e, c): pass"})},
                TracingConfig={"Mode": "Active"},
            )
            break
        except ClientError as error:
            if error.response["Error"]["Code"] != "InvalidParameterValueException":
                raise
            time.sleep(0.2)
    lambda_client.delete_function(FunctionName="role-ready-probe")
    return ROLE
