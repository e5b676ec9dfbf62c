"""Tracing as AWS does it: trace ids through API Gateway, Lambda and Step Functions, and the
Lambda update that applies a tracing mode (and, like every update, brings new workers)."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from botocore.exceptions import ClientError

from localcloud.tracing import child_header, continue_trace, new_trace_header, trace_id
from tests.localcloud.apigateway_api import REGIONAL, apigateway_client
from tests.localcloud.functions import ROLE, all_log_events, deploy, wait_until_updated
from tests.localcloud.polling import until

# Answers with the trace header Lambda gave it and the worker that ran it.
TRACED = """
import json, os

def lambda_handler(event, context):
    seen = {"trace": os.environ.get("_X_AMZN_TRACE_ID"), "pid": os.getpid()}
    if "httpMethod" in event:
        return {"statusCode": 200, "body": json.dumps(seen)}
    return seen
"""
CALLER_TRACE = "Root=1-6b000000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture(scope="module")
def lam(cloud):  # noqa: ANN001, ANN201
    return cloud.client("lambda", retries={"max_attempts": 1})


@pytest.fixture(scope="module")
def traced(lam) -> str:  # noqa: ANN001
    return deploy(lam, TRACED)


def invoke(lam, name: str) -> dict:  # noqa: ANN001
    return json.load(lam.invoke(FunctionName=name)["Payload"])


# -- headers ----------------------------------------------------------------------------------


def test_trace_id_is_the_root_of_a_header() -> None:
    assert trace_id(CALLER_TRACE) == "1-6b000000-0123456789abcdef01234567"
    assert trace_id("Sampled=1; Root=1-a-b") == "1-a-b"
    assert trace_id(None) is None and trace_id("Parent=1") is None
    assert trace_id(new_trace_header()).startswith("1-")


def test_child_header_keeps_root_and_sampling_with_a_new_parent() -> None:
    child = child_header(CALLER_TRACE)
    assert trace_id(child) == trace_id(CALLER_TRACE)
    assert child.endswith(";Sampled=1") and "Parent=53995c3f42cd8ad8" not in child
    assert continue_trace(CALLER_TRACE) == CALLER_TRACE


# -- Lambda: UpdateFunctionConfiguration --------------------------------------------------------


def test_tracing_mode_is_applied_and_brings_new_workers(lam, traced) -> None:  # noqa: ANN001
    before = lam.get_function_configuration(FunctionName=traced)
    assert before["TracingConfig"] == {"Mode": "PassThrough"}
    pid = invoke(lam, traced)["pid"]
    assert invoke(lam, traced)["pid"] == pid  # warm

    updated = lam.update_function_configuration(
        FunctionName=traced, TracingConfig={"Mode": "Active"}
    )
    assert updated["TracingConfig"] == {"Mode": "Active"}
    wait_until_updated(lam, traced)  # until then, invokes run the previous configuration
    after = lam.get_function_configuration(FunctionName=traced)
    assert after["TracingConfig"] == {"Mode": "Active"}
    assert after["LastModified"] != before["LastModified"]
    assert invoke(lam, traced)["pid"] != pid  # an update gives new execution environments


def test_an_update_that_changes_nothing_still_starts_fresh(lam, traced) -> None:  # noqa: ANN001
    pid = invoke(lam, traced)["pid"]
    lam.update_function_configuration(FunctionName=traced, TracingConfig={"Mode": "Active"})
    wait_until_updated(lam, traced)
    assert invoke(lam, traced)["pid"] != pid


def test_an_unknown_tracing_mode_is_refused(lam, traced) -> None:  # noqa: ANN001
    with pytest.raises(ClientError) as raised:
        lam.update_function_configuration(FunctionName=traced, TracingConfig={"Mode": "On"})
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "tracingConfig.mode" in raised.value.response["Error"]["Message"]


# -- API Gateway: $context.xrayTraceId ----------------------------------------------------------


@pytest.fixture(scope="module")
def stage(cloud, lam, traced) -> dict:  # noqa: ANN001
    """GET /t on a deployed stage with an access log that records $context.xrayTraceId."""
    apigw = apigateway_client(cloud)
    api_id = apigw.create_rest_api(
        name=f"traced-{uuid.uuid4().hex[:8]}", endpointConfiguration=REGIONAL
    )["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="t")["id"]
    apigw.put_method(
        restApiId=api_id, resourceId=resource, httpMethod="GET", authorizationType="NONE"
    )
    function_arn = lam.get_function(FunctionName=traced)["Configuration"]["FunctionArn"]
    apigw.put_integration(
        restApiId=api_id,
        resourceId=resource,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}"
        "/invocations",
    )
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    group = f"/traced/{api_id}"
    apigw.update_stage(
        restApiId=api_id,
        stageName="dev",
        patchOperations=[
            {
                "op": "replace",
                "path": "/accessLogSettings/destinationArn",
                "value": f"arn:aws:logs:us-east-1:123456789012:log-group:{group}",
            },
            {
                "op": "replace",
                "path": "/accessLogSettings/format",
                "value": '{"id": "$context.requestId", "trace": "$context.xrayTraceId"}',
            },
        ],
    )
    url = f"{cloud.endpoint_url}/restapis/{api_id}/dev/_user_request_/t"
    return {"api_id": api_id, "url": url, "group": group}


def access_log_trace(cloud, group: str, request_id: str) -> str:  # noqa: ANN001
    def trace() -> str | None:  # access log lines arrive a moment after the request
        for event in all_log_events(cloud.client("logs"), logGroupName=group):
            line = json.loads(event["message"])
            if line["id"] == request_id:
                return line["trace"]
        return None

    found = until(trace)
    assert found is not None, f"no access log line for {request_id}"
    return found


def test_access_log_has_the_trace_id_only_with_tracing_on(cloud, stage) -> None:  # noqa: ANN001
    untraced = requests.get(stage["url"], timeout=30)
    assert access_log_trace(cloud, stage["group"], untraced.headers["x-amzn-RequestId"]) == "-"

    apigateway_client(cloud).update_stage(
        restApiId=stage["api_id"],
        stageName="dev",
        patchOperations=[{"op": "replace", "path": "/tracingEnabled", "value": "true"}],
    )
    answer = requests.get(stage["url"], headers={"X-Amzn-Trace-Id": CALLER_TRACE}, timeout=30)
    logged = access_log_trace(cloud, stage["group"], answer.headers["x-amzn-RequestId"])
    assert logged == trace_id(CALLER_TRACE) == trace_id(answer.json()["trace"])

    fresh = requests.get(stage["url"], timeout=30)  # API Gateway starts the trace
    logged = access_log_trace(cloud, stage["group"], fresh.headers["x-amzn-RequestId"])
    assert logged.startswith("1-") and logged == trace_id(fresh.json()["trace"])


# -- Step Functions: a traced machine's Lambda tasks ---------------------------------------------


def two_tasks(function_arn: str) -> str:
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke"}
    return json.dumps(
        {
            "StartAt": "First",
            "States": {
                "First": {
                    **task,
                    "Parameters": {"FunctionName": function_arn},
                    "ResultSelector": {"trace.$": "$.Payload.trace"},
                    "ResultPath": "$.first",
                    "Next": "Second",
                },
                "Second": {
                    **task,
                    "Parameters": {"FunctionName": function_arn},
                    "ResultSelector": {"trace.$": "$.Payload.trace"},
                    "ResultPath": "$.second",
                    "End": True,
                },
            },
        }
    )


@pytest.fixture(scope="module")
def machines(cloud, lam, traced) -> dict[str, str]:  # noqa: ANN001
    sfn = cloud.client("stepfunctions")
    function_arn = lam.get_function(FunctionName=traced)["Configuration"]["FunctionArn"]
    tag = uuid.uuid4().hex[:8]
    return {
        name: sfn.create_state_machine(
            name=f"{name}-{tag}",
            definition=two_tasks(function_arn),
            roleArn=ROLE,
            type="EXPRESS",
            tracingConfiguration={"enabled": name == "traced"},
        )["stateMachineArn"]
        for name in ("traced", "untraced")
    }


def run(cloud, machine_arn: str, header: str | None = None) -> dict:  # noqa: ANN001
    sfn = cloud.client("stepfunctions")
    if header:  # as boto3 inside a function sends it: the X-Amzn-Trace-Id request header

        def add(request, **_) -> None:  # noqa: ANN001, ANN003
            request.headers["X-Amzn-Trace-Id"] = header

        sfn.meta.events.register("before-sign.sfn.StartSyncExecution", add)
    answer = sfn.start_sync_execution(stateMachineArn=machine_arn, input="{}")
    assert answer["status"] == "SUCCEEDED", answer
    return answer


def test_traced_machine_hands_the_callers_trace_to_its_functions(cloud, machines) -> None:  # noqa: ANN001
    answer = run(cloud, machines["traced"], CALLER_TRACE)
    assert answer["traceHeader"] == CALLER_TRACE
    output = json.loads(answer["output"])
    for task in ("first", "second"):
        assert trace_id(output[task]["trace"]) == trace_id(CALLER_TRACE)
        assert output[task]["trace"].endswith("Sampled=1")


def test_traced_machine_without_a_caller_trace_starts_one(cloud, machines) -> None:  # noqa: ANN001
    output = json.loads(run(cloud, machines["traced"])["output"])
    assert trace_id(output["first"]["trace"]) == trace_id(output["second"]["trace"])


def test_untraced_machine_leaves_each_invoke_its_own_trace(cloud, machines) -> None:  # noqa: ANN001
    answer = run(cloud, machines["untraced"], CALLER_TRACE)
    output = json.loads(answer["output"])
    roots = {trace_id(output[task]["trace"]) for task in ("first", "second")}
    assert len(roots) == 2 and trace_id(CALLER_TRACE) not in roots


def test_trace_header_in_the_request_body_is_used_too(cloud, machines) -> None:  # noqa: ANN001
    sfn = cloud.client("stepfunctions")
    answer = sfn.start_sync_execution(
        stateMachineArn=machines["traced"], input="{}", traceHeader=CALLER_TRACE
    )
    assert answer["traceHeader"] == CALLER_TRACE
    assert trace_id(json.loads(answer["output"])["first"]["trace"]) == trace_id(CALLER_TRACE)
