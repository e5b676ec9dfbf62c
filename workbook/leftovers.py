"""Everything in the account whose name starts with `<prefix>-`: what teardown deletes.

Listed by prefix rather than by the names the workbook knows, so what a later notebook (07's
alarms and dashboard) or a learner by hand made with the prefix is found too. Each row holds
what the service's delete call takes (`id`): a name, an ARN or a generated id.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pandas as pd

# In the order teardown deletes them: what calls others first, what all read last.
KINDS = [
    "usage plan",
    "API key",
    "REST API",
    "alarm",
    "dashboard",
    "state machine",
    "Lambda function",
    "Lambda layer",
    "log group",
    "SNS topic",
    "IAM role",
    "DynamoDB table",
]


def remaining(prefix: str) -> pd.DataFrame:
    """One row per resource named `<prefix>-...`: columns kind, name, id; in KINDS order."""
    rows = sorted(_everything(f"{prefix}-"), key=lambda row: (KINDS.index(row[0]), row[1]))
    return pd.DataFrame(rows, columns=["kind", "name", "id"])


def _everything(start: str) -> Iterator[tuple[str, str, str]]:
    yield from _apigateway(start)
    cloudwatch = boto3.client("cloudwatch")
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=start, AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    ):
        for alarm in page["MetricAlarms"] + page["CompositeAlarms"]:
            yield "alarm", alarm["AlarmName"], alarm["AlarmName"]
    for page in cloudwatch.get_paginator("list_dashboards").paginate(DashboardNamePrefix=start):
        yield from (
            ("dashboard", d["DashboardName"], d["DashboardName"]) for d in page["DashboardEntries"]
        )
    sfn = boto3.client("stepfunctions")
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"].startswith(start):
                yield "state machine", machine["name"], machine["stateMachineArn"]
    lam = boto3.client("lambda")
    for page in lam.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            if function["FunctionName"].startswith(start):
                yield "Lambda function", function["FunctionName"], function["FunctionName"]
    for page in lam.get_paginator("list_layers").paginate():
        for layer in page["Layers"]:
            if layer["LayerName"].startswith(start):
                yield "Lambda layer", layer["LayerName"], layer["LayerName"]
    logs = boto3.client("logs")
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            # Log groups are paths named after their resource: /aws/lambda/<function>, ...
            name = group["logGroupName"]
            if any(part.startswith(start) for part in name.split("/")):
                yield "log group", name, name
    sns = boto3.client("sns")
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            name = topic["TopicArn"].rsplit(":", 1)[1]
            if name.startswith(start):
                yield "SNS topic", name, topic["TopicArn"]
    iam = boto3.client("iam")
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            if role["RoleName"].startswith(start):
                yield "IAM role", role["RoleName"], role["RoleName"]
    dynamodb = boto3.client("dynamodb")
    for page in dynamodb.get_paginator("list_tables").paginate():
        for table in page["TableNames"]:
            if table.startswith(start):
                yield "DynamoDB table", table, table


def _apigateway(start: str) -> Iterator[tuple[str, str, str]]:
    apigateway = boto3.client("apigateway")
    for page in apigateway.get_paginator("get_usage_plans").paginate():
        for plan in page["items"]:
            if plan["name"].startswith(start):
                yield "usage plan", plan["name"], plan["id"]
    for page in apigateway.get_paginator("get_api_keys").paginate(nameQuery=start):
        for key in page["items"]:
            if key["name"].startswith(start):
                yield "API key", key["name"], key["id"]
    for page in apigateway.get_paginator("get_rest_apis").paginate():
        for api in page["items"]:
            if api["name"].startswith(start):
                yield "REST API", api["name"], api["id"]
