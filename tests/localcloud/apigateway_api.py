"""A REST API exercising every part of the local API Gateway, built with boto3 and deployed."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.localcloud.functions import ROLE, deploy

# API Gateway's management API has AWS's rate quotas here (CreateDeployment once every 5 s,
# CreateRestApi once every 3 s for a Regional API and every 30 s for an edge-optimized one, 10
# calls a second in all; localcloud/throttling.py). Like a script on AWS, the tests' clients
# retry 429 TooManyRequestsException with a backoff that outlasts them, and make Regional APIs.
PATIENT_RETRIES = {"mode": "standard", "max_attempts": 10}
REGIONAL = {"types": ["REGIONAL"]}


def apigateway_client(cloud: Any) -> Any:  # cloud: tests.conftest.LocalCloud
    """An API Gateway client that rides out the management quotas."""
    return cloud.client("apigateway", retries=PATIENT_RETRIES)


ECHO = """
import base64, json

def lambda_handler(event, context):
    mode = (event.get("queryStringParameters") or {}).get("mode")
    if mode == "malformed":
        return {"statusCode": 200, "body": {"not": "a string"}}
    if mode == "raise":
        raise RuntimeError("boom")
    if mode == "binary":
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(b"\\x00\\x01\\xff").decode(),
            "isBase64Encoded": True,
        }
    return {
        "statusCode": 201,
        "headers": {"X-Echo": "yes", "Set-Cookie": "ignored=1"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": json.dumps(event),
    }
"""

PASS_MACHINE = json.dumps(
    {
        "StartAt": "Echo",
        "States": {
            "Echo": {
                "Type": "Pass",
                "Parameters": {"got.$": "$.order", "via": "apigateway"},
                "End": True,
            }
        },
    }
)
ITEM_SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["sku", "quantity"],
    "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}},
}
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "method": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "apiKeyId": "$context.identity.apiKeyId",
        "integrationLatency": "$context.integrationLatency",
    }
)
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "'*'",
    "Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
    "Access-Control-Allow-Headers": "'Content-Type,X-Api-Key'",
}


@dataclass
class ApiUnderTest:
    api_id: str
    name: str
    endpoint_url: str
    function_name: str
    express_arn: str
    standard_arn: str
    log_group: str
    resources: dict[str, str] = field(default_factory=dict)  # path -> resource id
    keys: dict[str, str] = field(default_factory=dict)  # role -> key value
    key_ids: dict[str, str] = field(default_factory=dict)

    def url(self, stage: str = "test") -> str:
        return f"{self.endpoint_url}/restapis/{self.api_id}/{stage}/_user_request_"


def build_api(cloud: Any) -> ApiUnderTest:  # cloud: tests.conftest.LocalCloud
    apigw = apigateway_client(cloud)
    lam, sfn, logs = (cloud.client(s) for s in ("lambda", "stepfunctions", "logs"))
    tag = uuid.uuid4().hex[:8]
    function = deploy(lam, ECHO)
    function_arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    express, standard = (
        sfn.create_state_machine(
            name=f"apigw-{kind.lower()}-{tag}", definition=PASS_MACHINE, roleArn=ROLE, type=kind
        )["stateMachineArn"]
        for kind in ("EXPRESS", "STANDARD")
    )
    api_name = f"apigw-test-{tag}"
    api_id = apigw.create_rest_api(name=api_name, endpointConfiguration=REGIONAL)["id"]
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    test = ApiUnderTest(
        api_id,
        api_name,
        cloud.endpoint_url,
        function,
        express,
        standard,
        f"/apigw/access/{tag}",
        {"/": root},
    )

    def resource(path: str) -> str:
        parent, part = path.rsplit("/", 1)
        parent_id = test.resources[parent or "/"]
        test.resources[path] = apigw.create_resource(
            restApiId=api_id, parentId=parent_id, pathPart=part
        )["id"]
        return test.resources[path]

    def proxy_method(resource_id: str, http_method: str, **method: Any) -> None:
        apigw.put_method(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod=http_method,
            authorizationType="NONE",
            **method,
        )
        apigw.put_integration(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod=http_method,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:{cloud.region}:lambda:path/2015-03-31/functions/"
            f"{function_arn}/invocations",
        )

    echo = resource("/echo")
    proxy_method(echo, "GET")
    proxy_method(echo, "POST")
    proxy_method(resource("/echo/{name}"), "ANY")
    proxy_method(resource("/echo/fixed"), "GET")
    proxy_method(resource("/files"), "GET")
    proxy_method(resource("/files/{path+}"), "ANY")
    proxy_method(resource("/keyed"), "GET", apiKeyRequired=True)

    # Validation: a body model that $refs another model, and required parameters.
    apigw.create_model(
        restApiId=api_id,
        name="Item",
        contentType="application/json",
        schema=json.dumps(ITEM_SCHEMA),
    )
    item_url = f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Item"
    order_schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "required": ["customer", "items"],
        "properties": {
            "customer": {"type": "string", "minLength": 1},
            "items": {"type": "array", "minItems": 1, "items": {"$ref": item_url}},
        },
    }
    apigw.create_model(
        restApiId=api_id,
        name="Order",
        contentType="application/json",
        schema=json.dumps(order_schema),
    )
    validator = apigw.create_request_validator(
        restApiId=api_id,
        name="all",
        validateRequestBody=True,
        validateRequestParameters=True,
    )["id"]
    proxy_method(
        resource("/orders"),
        "POST",
        requestValidatorId=validator,
        requestModels={"application/json": "Order"},
        requestParameters={
            "method.request.querystring.source": True,
            "method.request.header.X-Client": True,
            "method.request.querystring.optional": False,
        },
    )

    # Step Functions: StartSyncExecution through a request template, StartExecution as is.
    resource("/flows")
    sync = resource("/flows/sync")
    start = resource("/flows/start")
    sync_template = (
        '{"input": "$util.escapeJavaScript($input.json(\'$\'))", '
        '"stateMachineArn": "$stageVariables.expressArn", "name": "$context.requestId"}'
    )
    for resource_id, action, templates in (
        (sync, "StartSyncExecution", {"application/json": sync_template}),
        (start, "StartExecution", None),
    ):
        apigw.put_method(
            restApiId=api_id, resourceId=resource_id, httpMethod="POST", authorizationType="NONE"
        )
        apigw.put_integration(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod="POST",
            type="AWS",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:{cloud.region}:states:action/{action}",
            credentials=ROLE,
            **({"requestTemplates": templates} if templates else {}),
        )
        for status in ("200", "400"):
            apigw.put_method_response(
                restApiId=api_id, resourceId=resource_id, httpMethod="POST", statusCode=status
            )
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=sync,
        httpMethod="POST",
        statusCode="200",
        responseTemplates={
            "application/json": '{"status": "$input.path(\'$.status\')", '
            '"output": $input.path(\'$.output\'), "requestId": "$context.requestId"}'
        },
    )
    apigw.put_integration_response(
        restApiId=api_id, resourceId=start, httpMethod="POST", statusCode="200"
    )
    for resource_id in (sync, start):
        apigw.put_integration_response(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod="POST",
            statusCode="400",
            selectionPattern=r"4\d{2}",
            responseTemplates={"application/json": '{"error": "$input.path(\'$.__type\')"}'},
        )

    # CORS preflight: a MOCK OPTIONS method.
    apigw.put_method(
        restApiId=api_id, resourceId=echo, httpMethod="OPTIONS", authorizationType="NONE"
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=echo,
        httpMethod="OPTIONS",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(
        restApiId=api_id,
        resourceId=echo,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters={f"method.response.header.{h}": False for h in CORS_HEADERS},
    )
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=echo,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters={f"method.response.header.{h}": v for h, v in CORS_HEADERS.items()},
    )

    # A MOCK whose integration response names a status with no method response (a classic).
    broken = resource("/misconfigured")
    apigw.put_method(
        restApiId=api_id, resourceId=broken, httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=broken,
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_integration_response(
        restApiId=api_id, resourceId=broken, httpMethod="GET", statusCode="200"
    )

    apigw.create_deployment(
        restApiId=api_id,
        stageName="test",
        variables={"expressArn": express, "flavour": "local"},
    )
    logs.create_log_group(logGroupName=test.log_group)
    apigw.update_stage(
        restApiId=api_id,
        stageName="test",
        patchOperations=[
            {
                "op": "replace",
                "path": "/accessLogSettings/destinationArn",
                "value": f"arn:aws:logs:{cloud.region}:123456789012:log-group:{test.log_group}",
            },
            {"op": "replace", "path": "/accessLogSettings/format", "value": ACCESS_LOG_FORMAT},
        ],
    )

    # Keys: one per behaviour under test, each in its own plan bound to api+stage "test".
    def plan(name: str, **limits: Any) -> str:
        return apigw.create_usage_plan(
            name=f"{name}-{tag}", apiStages=[{"apiId": api_id, "stage": "test"}], **limits
        )["id"]

    def key(role: str, plan_id: str | None, enabled: bool = True) -> None:
        created = apigw.create_api_key(name=f"{role}-{tag}", enabled=enabled)
        test.keys[role], test.key_ids[role] = created["value"], created["id"]
        if plan_id:
            apigw.create_usage_plan_key(usagePlanId=plan_id, keyId=created["id"], keyType="API_KEY")

    generous = plan("generous", throttle={"rateLimit": 1000.0, "burstLimit": 1000})
    key("good", generous)
    key("newman", generous)
    key("disabled", generous, enabled=False)
    key("planless", None)
    key("throttled", plan("throttled", throttle={"rateLimit": 1.0, "burstLimit": 2}))
    key("quota", plan("quota", quota={"limit": 3, "period": "DAY"}))
    other_stage = apigw.create_usage_plan(
        name=f"elsewhere-{tag}", apiStages=[{"apiId": api_id, "stage": "prod"}]
    )["id"]
    key("other-stage", other_stage)
    return test
