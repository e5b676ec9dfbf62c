"""API Gateway invoke URLs served by the local cloud, asserted as API Gateway answers them."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from collections.abc import Callable

import pytest
import requests

from tests.localcloud.apigateway_api import ApiUnderTest, apigateway_client, build_api
from tests.localcloud.functions import all_log_events
from tests.localcloud.polling import until

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
GOOD_ORDER = {"customer": "c-1", "items": [{"sku": "Headlight", "quantity": 2}]}


@pytest.fixture(scope="module")
def api(cloud) -> ApiUnderTest:  # noqa: ANN001
    return build_api(cloud)


def assert_gateway_error(response: requests.Response, status: int, error_type: str, message: str):
    assert response.status_code == status, response.text
    assert response.json() == {"message": message}
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["x-amzn-ErrorType"] == error_type
    assert UUID.match(response.headers["x-amzn-RequestId"])
    assert response.headers["x-amz-apigw-id"].endswith("=")


# -- routing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "resource", "path_parameters"),
    [
        ("GET", "/echo", "/echo", None),
        ("POST", "/echo", "/echo", None),
        ("GET", "/echo/fixed", "/echo/fixed", None),  # a literal beats {name}
        ("GET", "/echo/other", "/echo/{name}", {"name": "other"}),
        ("DELETE", "/echo/other", "/echo/{name}", {"name": "other"}),  # ANY
        ("GET", "/echo/a%2Fb", "/echo/{name}", {"name": "a/b"}),  # an encoded / stays inside
        ("GET", "/echo/a%0Ab", "/echo/{name}", {"name": "a\nb"}),  # a newline is a character
        ("GET", "/files", "/files", None),  # {path+} needs at least one segment
        ("PUT", "/files/a/b/c.txt", "/files/{path+}", {"path": "a/b/c.txt"}),
    ],
)
def test_routes_to_the_most_specific_resource(api, method, path, resource, path_parameters):  # noqa: ANN001
    response = requests.request(method, api.url() + path)
    assert response.status_code == 201, response.text
    event = response.json()
    assert event["resource"] == resource
    assert event["httpMethod"] == method
    assert event["pathParameters"] == path_parameters


@pytest.mark.parametrize(("method", "path"), [("GET", "/nope"), ("DELETE", "/echo"), ("GET", "/")])
def test_unknown_resource_or_method_is_missing_authentication_token(api, method, path):  # noqa: ANN001
    assert_gateway_error(
        requests.request(method, api.url() + path),
        403,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )


def test_unknown_api_or_stage_is_explained(api) -> None:  # noqa: ANN001
    response = requests.get(api.url("nope") + "/echo")
    assert_gateway_error(
        response,
        404,
        "NotFoundException",
        f"Stage nope of API {api.api_id} is not deployed: create a deployment",
    )
    response = requests.get(f"{api.endpoint_url}/restapis/nosuchapi/test/_user_request_/echo")
    assert response.status_code == 404
    assert "nosuchapi" in response.json()["message"]


def test_a_stage_serves_what_was_deployed_not_later_edits(cloud, api) -> None:  # noqa: ANN001
    apigw = apigateway_client(cloud)
    late = apigw.create_resource(
        restApiId=api.api_id, parentId=api.resources["/"], pathPart=f"late{uuid.uuid4().hex[:6]}"
    )
    apigw.put_method(
        restApiId=api.api_id, resourceId=late["id"], httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(
        restApiId=api.api_id,
        resourceId=late["id"],
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(
        restApiId=api.api_id, resourceId=late["id"], httpMethod="GET", statusCode="200"
    )
    apigw.put_integration_response(
        restApiId=api.api_id,
        resourceId=late["id"],
        httpMethod="GET",
        statusCode="200",
        responseTemplates={"application/json": '{"late": true}'},
    )
    assert requests.get(api.url() + late["path"]).status_code == 403  # not deployed to "test"
    apigw.create_deployment(restApiId=api.api_id, stageName="next")
    assert requests.get(api.url("next") + late["path"]).json() == {"late": True}


def test_redeploying_a_stage_keeps_its_settings(cloud, api) -> None:  # noqa: ANN001
    """moto replaces the stage on CreateDeployment; AWS (and the local cloud) keep it."""
    apigw = apigateway_client(cloud)
    apigw.create_deployment(restApiId=api.api_id, stageName="keep", variables={"a": "1"})
    apigw.update_stage(
        restApiId=api.api_id,
        stageName="keep",
        patchOperations=[{"op": "replace", "path": "/accessLogSettings/format", "value": "x"}],
    )
    second = apigw.create_deployment(restApiId=api.api_id, stageName="keep", variables={"b": "2"})
    stage = apigw.get_stage(restApiId=api.api_id, stageName="keep")
    assert stage["deploymentId"] == second["id"]
    assert stage["accessLogSettings"]["format"] == "x"
    assert stage["variables"] == {"a": "1", "b": "2"}


# -- Lambda proxy integration -----------------------------------------------------------------


def test_proxy_event_has_every_field_api_gateway_sends(api) -> None:  # noqa: ANN001
    before_ms = int(time.time() * 1000)
    response = requests.get(
        api.url() + "/echo/hello%20world?a=1&a=2&b=3",
        headers={"X-Custom": "v", "User-Agent": "workbook-test/1.0"},
    )
    assert response.status_code == 201
    event = response.json()
    assert event["resource"] == "/echo/{name}"
    assert event["path"] == "/echo/hello world"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"name": "hello world"}
    assert event["queryStringParameters"] == {"a": "2", "b": "3"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["3"]}
    headers = {k.lower(): v for k, v in event["headers"].items()}
    assert headers["x-custom"] == "v"
    multi = {k.lower(): v for k, v in event["multiValueHeaders"].items()}
    assert multi["x-custom"] == ["v"]
    assert event["stageVariables"] == {"expressArn": api.express_arn, "flavour": "local"}
    assert event["body"] is None
    assert event["isBase64Encoded"] is False

    context = event["requestContext"]
    assert context["accountId"] == "123456789012"
    assert context["apiId"] == api.api_id
    assert context["stage"] == "test"
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert context["extendedRequestId"] == response.headers["x-amz-apigw-id"]
    assert context["resourcePath"] == "/echo/{name}"
    assert context["resourceId"] == api.resources["/echo/{name}"]
    assert context["httpMethod"] == "GET"
    assert context["path"] == "/test/echo/hello world"
    assert context["protocol"] == "HTTP/1.1"
    assert before_ms - 1000 <= context["requestTimeEpoch"] <= int(time.time() * 1000)
    stamp = dt.datetime.fromtimestamp(context["requestTimeEpoch"] // 1000, dt.UTC)
    assert context["requestTime"] == stamp.strftime("%d/%b/%Y:%H:%M:%S +0000")
    identity = context["identity"]
    assert identity["sourceIp"] == "127.0.0.1"
    assert identity["userAgent"] == "workbook-test/1.0"
    assert identity["apiKey"] is None
    assert identity["caller"] is None and identity["user"] is None


def test_proxy_event_carries_the_body(api) -> None:  # noqa: ANN001
    response = requests.post(api.url() + "/echo", data='{"hello": "world"}')
    event = response.json()
    assert event["body"] == '{"hello": "world"}'
    assert event["isBase64Encoded"] is False
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


def test_proxy_response_is_mapped_back(api) -> None:  # noqa: ANN001
    response = requests.get(api.url() + "/echo")
    assert response.status_code == 201
    assert response.headers["X-Echo"] == "yes"
    # multiValueHeaders wins over headers for the same name; each value is its own header.
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["Content-Type"] == "application/json"  # the default


def test_base64_proxy_body_is_decoded(api) -> None:  # noqa: ANN001
    response = requests.get(api.url() + "/echo?mode=binary")
    assert response.status_code == 200
    assert response.content == b"\x00\x01\xff"
    assert response.headers["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("mode", ["malformed", "raise"])
def test_malformed_answer_or_function_error_is_502(api, mode) -> None:  # noqa: ANN001
    assert_gateway_error(
        requests.get(f"{api.url()}/echo?mode={mode}"),
        502,
        "InternalServerErrorException",
        "Internal server error",
    )


# -- API keys and usage plans -----------------------------------------------------------------


@pytest.mark.parametrize("role", [None, "unknown", "disabled", "planless", "other-stage"])
def test_api_key_required_rejects_keys_that_do_not_count(api, role) -> None:  # noqa: ANN001
    if role is None:
        headers = {}
    elif role == "unknown":
        headers = {"x-api-key": "not-a-key-of-this-cloud-0000"}
    else:
        headers = {"x-api-key": api.keys[role]}
    assert_gateway_error(
        requests.get(api.url() + "/keyed", headers=headers), 403, "ForbiddenException", "Forbidden"
    )


def test_a_valid_key_reaches_the_function(api) -> None:  # noqa: ANN001
    response = requests.get(api.url() + "/keyed", headers={"x-api-key": api.keys["good"]})
    assert response.status_code == 201
    identity = response.json()["requestContext"]["identity"]
    assert identity["apiKey"] == api.keys["good"]
    assert identity["apiKeyId"] == api.key_ids["good"]


def test_usage_plan_throttle_gives_429(api) -> None:  # noqa: ANN001
    headers = {"x-api-key": api.keys["throttled"]}
    answers = [requests.get(api.url() + "/keyed", headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [201, 201]  # burstLimit 2
    assert_gateway_error(answers[2], 429, "TooManyRequestsException", "Too Many Requests")
    time.sleep(1.05)  # rateLimit 1 a second refills one token
    assert requests.get(api.url() + "/keyed", headers=headers).status_code == 201


def test_usage_plan_quota_gives_429_limit_exceeded(api) -> None:  # noqa: ANN001
    headers = {"x-api-key": api.keys["quota"]}
    answers = [requests.get(api.url() + "/keyed", headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [201, 201, 201]  # limit 3 a DAY
    assert_gateway_error(answers[3], 429, "LimitExceededException", "Limit Exceeded")


def test_stage_method_throttling(cloud, api) -> None:  # noqa: ANN001
    apigw = apigateway_client(cloud)
    apigw.create_deployment(restApiId=api.api_id, stageName="slow")
    apigw.update_stage(
        restApiId=api.api_id,
        stageName="slow",
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "1"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "1"},
        ],
    )
    first, second = (requests.get(api.url("slow") + "/echo") for _ in range(2))
    assert first.status_code == 201
    assert_gateway_error(second, 429, "TooManyRequestsException", "Too Many Requests")


# -- request validation -----------------------------------------------------------------------


def post_order(api, body, query="?source=web", headers=None):  # noqa: ANN001, ANN201
    data = body if isinstance(body, str) else json.dumps(body)
    return requests.post(
        api.url() + "/orders" + query,
        data=data,
        headers={"Content-Type": "application/json", "X-Client": "t", **(headers or {})},
    )


def test_a_valid_request_passes_validation(api) -> None:  # noqa: ANN001
    response = post_order(api, GOOD_ORDER)
    assert response.status_code == 201
    assert json.loads(response.json()["body"]) == GOOD_ORDER


@pytest.mark.parametrize(
    "body",
    [
        {"items": GOOD_ORDER["items"]},  # customer missing
        {"customer": "c-1", "items": []},  # minItems
        {"customer": "c-1", "items": [{"sku": "x", "quantity": 0}]},  # the $ref'd Item model
        {"customer": "c-1", "items": [{"quantity": 1}]},
        '{"customer": "c-1", ',  # not JSON
        "",
    ],
)
def test_invalid_body_is_400_before_the_integration(api, body) -> None:  # noqa: ANN001
    response = post_order(api, body)
    assert_gateway_error(response, 400, "BadRequestException", "Invalid request body")


def test_missing_required_parameters_are_named(api) -> None:  # noqa: ANN001
    response = post_order(api, GOOD_ORDER, query="")
    assert_gateway_error(
        response, 400, "BadRequestException", "Missing required request parameters: [source]"
    )
    response = requests.post(api.url() + "/orders", json=GOOD_ORDER)
    assert response.status_code == 400
    listed = re.fullmatch(
        r"Missing required request parameters: \[(.*)\]", response.json()["message"]
    )
    assert listed and set(listed.group(1).split(", ")) == {"source", "X-Client"}


# -- Step Functions and MOCK integrations -----------------------------------------------------


def test_start_sync_execution_through_a_mapping_template(api) -> None:  # noqa: ANN001
    response = requests.post(api.url() + "/flows/sync", json={"order": "o-1"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "SUCCEEDED",
        "output": {"got": "o-1", "via": "apigateway"},
        "requestId": response.headers["x-amzn-RequestId"],
    }


def test_start_execution_passes_the_body_through(cloud, api) -> None:  # noqa: ANN001
    sfn = cloud.client("stepfunctions")
    request = {"stateMachineArn": api.standard_arn, "input": json.dumps({"order": "o-2"})}
    arns = [
        requests.post(api.url() + "/flows/start", json=request).json()["executionArn"] for _ in "ab"
    ]
    assert arns[0] != arns[1]  # unnamed executions get unique names
    for arn in arns:
        assert sfn.describe_execution(executionArn=arn)["input"] == request["input"]


def test_integration_response_selected_by_status_pattern(api) -> None:  # noqa: ANN001
    request = {"stateMachineArn": api.standard_arn + "-missing", "input": "{}"}
    response = requests.post(api.url() + "/flows/start", json=request)
    assert response.status_code == 400
    assert response.json() == {"error": "StateMachineDoesNotExist"}


def test_mock_cors_preflight(api) -> None:  # noqa: ANN001
    response = requests.options(api.url() + "/echo", headers={"Origin": "http://localhost:8888"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type,X-Api-Key"
    assert response.content == b""


def test_integration_response_without_method_response_is_500(api) -> None:  # noqa: ANN001
    assert_gateway_error(
        requests.get(api.url() + "/misconfigured"),
        500,
        "InternalServerErrorException",
        "Internal server error",
    )


# -- access log and metrics -------------------------------------------------------------------


def access_log(cloud, api, request_id: str) -> dict:  # noqa: ANN001
    logs = cloud.client("logs")

    def line() -> dict | None:  # access log lines arrive a moment after the request
        for event in all_log_events(logs, logGroupName=api.log_group):
            found = json.loads(event["message"])
            if found["requestId"] == request_id:
                return found
        return None

    found = until(line)
    assert found is not None, f"no access log line for {request_id}"
    return found


def test_access_log_line_per_request(cloud, api) -> None:  # noqa: ANN001
    ok = requests.get(api.url() + "/keyed", headers={"x-api-key": api.keys["good"]})
    line = access_log(cloud, api, ok.headers["x-amzn-RequestId"])
    assert line["ip"] == "127.0.0.1"
    assert line["method"] == "GET"
    assert line["resourcePath"] == "/keyed"
    assert line["status"] == "201"
    assert line["apiKeyId"] == api.key_ids["good"]
    assert int(line["integrationLatency"]) >= 0

    rejected = post_order(api, {"customer": ""})
    line = access_log(cloud, api, rejected.headers["x-amzn-RequestId"])
    assert line["status"] == "400"
    assert line["integrationLatency"] == "-"  # validation stopped it before the integration
    assert line["apiKeyId"] == "-"


def metric_sum(cloud, api, name: str, statistic: str = "Sum") -> float:  # noqa: ANN001
    now = dt.datetime.now(dt.UTC)
    points = cloud.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/ApiGateway",
        MetricName=name,
        Dimensions=[{"Name": "ApiName", "Value": api.name}, {"Name": "Stage", "Value": "test"}],
        StartTime=now - dt.timedelta(minutes=30),
        EndTime=now + dt.timedelta(minutes=1),
        Period=60,
        Statistics=[statistic],
    )["Datapoints"]
    return sum(point[statistic] for point in points)


def settled(read: Callable[[], dict]) -> dict:
    """What `read` answers once datapoints from earlier requests have all arrived (two reads
    half a second apart agree): metrics arrive in CloudWatch a while after they are put."""
    previous = read()
    while True:
        time.sleep(0.5)
        current = read()
        if current == previous:
            return current
        previous = current


def test_metrics_count_requests_and_errors(cloud, api) -> None:  # noqa: ANN001
    def counts() -> dict:
        return {m: metric_sum(cloud, api, m) for m in ("Count", "4XXError", "5XXError")}

    before = settled(counts)
    requests.get(api.url() + "/echo")
    requests.get(api.url() + "/nope")
    requests.get(api.url() + "/nope")
    requests.get(api.url() + "/echo?mode=raise")

    def all_four_counted() -> dict | None:
        now = counts()
        return now if now["Count"] - before["Count"] == 4 else None

    after = until(all_four_counted)
    assert after is not None, "the four requests were never all counted"
    assert after["4XXError"] - before["4XXError"] == 2
    assert after["5XXError"] - before["5XXError"] == 1
    assert metric_sum(cloud, api, "Latency", "SampleCount") >= 4
    assert metric_sum(cloud, api, "IntegrationLatency", "Maximum") > 0


# -- workbook helper --------------------------------------------------------------------------


def test_stage_url_points_at_the_local_cloud_or_aws(monkeypatch, cloud, api) -> None:  # noqa: ANN001
    from workbook.apigateway_url import stage_url

    monkeypatch.setenv("AWS_ENDPOINT_URL", cloud.endpoint_url)
    assert stage_url(api.api_id, "test") == api.url()
    assert requests.get(stage_url(api.api_id, "test") + "/echo").status_code == 201
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.delenv("AWS_ENDPOINT_URL_API_GATEWAY", raising=False)
    assert stage_url("abc123", "prod", "eu-west-1") == (
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    )
    assert stage_url("abc123", "prod", endpoint_url="http://localhost:4566/") == (
        "http://localhost:4566/restapis/abc123/prod/_user_request_"
    )
    real = stage_url(
        "abc123", "prod", "eu-west-1", endpoint_url="https://apigateway.eu-west-1.amazonaws.com"
    )
    assert real == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
