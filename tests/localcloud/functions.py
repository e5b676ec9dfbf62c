"""Build and deploy small test functions: zips made from source text, for the runtime tests."""

from __future__ import annotations

import io
import textwrap
import uuid
import zipfile

ROLE = "arn:aws:iam::123456789012:role/test-lambda-role"
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
# What a state machine's role needs for a loggingConfiguration (the Step Functions guide's list).
LOG_DELIVERY_ACTIONS = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]


def zip_of(files: dict[str, str], modes: dict[str, int] | None = None) -> bytes:
    """A deployment package holding `files` (name -> Python source, dedented), each readable
    by all (0644) as packaging tools make them, unless `modes` gives its permission bits."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            entry = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
            entry.create_system = 3  # Unix, so Lambda reads the permission bits
            entry.external_attr = (0o100000 | (modes or {}).get(name, 0o644)) << 16
            archive.writestr(entry, textwrap.dedent(source))
    return buffer.getvalue()


def deploy(lambda_client, source: str, name: str | None = None, **config) -> str:  # noqa: ANN001
    """Create a function whose lambda_function.py is `source`, wait until it is Active;
    returns its name."""
    name = name or f"fn-{uuid.uuid4().hex[:10]}"
    lambda_client.create_function(
        FunctionName=name,
        Runtime=config.pop("Runtime", "python3.11"),
        Role=ROLE,
        Handler=config.pop("Handler", "lambda_function.lambda_handler"),
        Code={"ZipFile": zip_of({"lambda_function.py": source})},
        **config,
    )
    # A new function is Pending for a moment, on AWS as here: invoking it now would fail.
    lambda_client.get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 0.1}
    )
    return name


def wait_until_updated(lambda_client, name: str) -> None:  # noqa: ANN001
    """Wait for an UpdateFunctionCode/Configuration to finish (LastUpdateStatus Successful)."""
    lambda_client.get_waiter("function_updated_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 0.1}
    )


def all_log_events(logs, **query: object) -> list[dict]:  # noqa: ANN001 - a boto3 Logs client
    """Every event FilterLogEvents finds for `query`, from all its pages, oldest first: AWS (and
    the local cloud) may answer partial or empty pages before the last."""
    pages = logs.get_paginator("filter_log_events").paginate(**query)
    events = [event for page in pages for event in page["events"]]
    return sorted(events, key=lambda event: event["timestamp"])
