"""What a deployed stack offers its users: invoke URL, admin key, table names, ARNs.

`scripts/deploy` writes them to out/stack-outputs.json, and a Postman environment with the two
variables a Postman collection needs (`baseUrl`, `adminApiKey`).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import boto3

from workbook import lookup, names, stack
from workbook.apigateway_url import stage_url
from workbook.session import Session


def stack_outputs(session: Session) -> dict[str, Any]:
    """Read the deployed stack's outputs; fails if a part is missing (deploy did not finish)."""
    apigateway = boto3.client("apigateway")
    api_id = lookup.rest_api_id(apigateway, session.names.api)
    key = lookup.api_key(apigateway, names.admin_key(session.names), with_value=True)
    if api_id is None or key is None:
        raise LookupError(f"no API {session.names.api} with its admin key: deploy first")
    apigateway.get_stage(restApiId=api_id, stageName=names.STAGE)
    topic_arn = session.arns["TopicArn"]
    boto3.client("sns").get_topic_attributes(TopicArn=topic_arn)
    state_machine_arn = session.arns["StateMachineArn"]
    boto3.client("stepfunctions").describe_state_machine(stateMachineArn=state_machine_arn)
    return {
        "target": session.target,
        "region": session.region,
        "prefix": session.prefix,
        "stageUrl": stage_url(api_id, names.STAGE, session.region),
        "adminApiKey": key["value"],
        "tables": [table["TableName"] for table in stack.table_definitions(session.names)],
        "topicArn": topic_arn,
        "stateMachineArn": state_machine_arn,
    }


def postman_environment(outputs: dict[str, Any]) -> dict[str, Any]:
    """A Postman environment (import it in Postman, or pass it to newman with -e)."""
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, outputs["stageUrl"])),
        "name": f"orders workbook: {outputs['prefix']} ({outputs['target']})",
        "values": [
            {"key": "baseUrl", "value": outputs["stageUrl"], "type": "default", "enabled": True},
            {
                "key": "adminApiKey",
                "value": outputs["adminApiKey"],
                "type": "secret",
                "enabled": True,
            },
        ],
        "_postman_variable_scope": "environment",
    }


def write(session: Session, out_dir: Path) -> list[Path]:
    """Write stack-outputs.json and postman-environment.json to `out_dir`; their paths."""
    outputs = stack_outputs(session)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in (
        ("stack-outputs.json", outputs),
        ("postman-environment.json", postman_environment(outputs)),
    ):
        path = out_dir / name
        path.write_text(json.dumps(content, indent=2) + "\n")
        written.append(path)
    return written
