import json

import pytest

from tests.localcloud.functions import ROLE


@pytest.fixture(scope="session", autouse=True)
def lambda_role(cloud) -> str:  # noqa: ANN001
    """The execution role test functions use (moto checks that a function's role exists)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    cloud.client("iam").create_role(
        RoleName=ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps(trust)
    )
    return ROLE
