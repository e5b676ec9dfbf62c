"""Everything in the account whose name starts with a prefix: what teardown must leave empty.

Listed by prefix rather than by the names the workbook knows, so a resource a learner made by
hand with the prefix (or one a newer workbook makes) shows up too.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pandas as pd


def remaining(prefix: str) -> pd.DataFrame:
    """One row per resource named `<prefix>-...`, sorted: columns kind and name."""
    start = f"{prefix}-"
    rows = sorted((kind, name) for kind, name in _everything(start) if name.startswith(start))
    return pd.DataFrame(rows, columns=["kind", "name"])


def _everything(start: str) -> Iterator[tuple[str, str]]:
    dynamodb = boto3.client("dynamodb")
    for page in dynamodb.get_paginator("list_tables").paginate():
        yield from (("DynamoDB table", name) for name in page["TableNames"])
    lam = boto3.client("lambda")
    for page in lam.get_paginator("list_functions").paginate():
        yield from (("Lambda function", f["FunctionName"]) for f in page["Functions"])
    for page in lam.get_paginator("list_layers").paginate():
        yield from (("Lambda layer", layer["LayerName"]) for layer in page["Layers"])
    logs = boto3.client("logs")
    for page in logs.get_paginator("describe_log_groups").paginate(
        logGroupNamePrefix=f"/aws/lambda/{start}"
    ):
        # Named by the function's name: report the part after /aws/lambda/.
        yield from (
            ("log group /aws/lambda/", g["logGroupName"].removeprefix("/aws/lambda/"))
            for g in page["logGroups"]
        )
    iam = boto3.client("iam")
    for page in iam.get_paginator("list_roles").paginate():
        yield from (("IAM role", role["RoleName"]) for role in page["Roles"])
    sns = boto3.client("sns")
    for page in sns.get_paginator("list_topics").paginate():
        yield from (("SNS topic", t["TopicArn"].rsplit(":", 1)[1]) for t in page["Topics"])
    sfn = boto3.client("stepfunctions")
    for page in sfn.get_paginator("list_state_machines").paginate():
        yield from (("state machine", m["name"]) for m in page["stateMachines"])
    apigateway = boto3.client("apigateway")
    for page in apigateway.get_paginator("get_rest_apis").paginate():
        yield from (("REST API", api["name"]) for api in page["items"])
    for page in apigateway.get_paginator("get_api_keys").paginate(nameQuery=start):
        yield from (("API key", key["name"]) for key in page["items"])
    for page in apigateway.get_paginator("get_usage_plans").paginate():
        yield from (("usage plan", plan["name"]) for plan in page["items"])
