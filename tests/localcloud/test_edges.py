"""Edges where moto is more lenient than AWS, or answers what AWS would not: header case in
API Gateway proxy events, duplicate API Gateway resources, methods and models (and UpdateModel),
repeated SNS subscriptions, CloudWatch Logs read quotas, and actions the local cloud does not
implement."""

from __future__ import annotations

import http.client
import json
import uuid
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from localcloud.throttling import LOGS_READ_QUOTAS, RateQuotas, logs_read_quotas
from tests.localcloud.apigateway_api import REGIONAL, apigateway_client
from tests.localcloud.fake_clock import FakeClock
from tests.localcloud.functions import deploy

# -- API Gateway proxy events -----------------------------------------------------------------

ECHO_EVENT = """
import json, os

def lambda_handler(event, context):
    answer = {"event": event, "traceId": os.environ.get("_X_AMZN_TRACE_ID")}
    return {"statusCode": 200, "body": json.dumps(answer)}
"""


@pytest.fixture(scope="module")
def echo_api(cloud) -> str:  # noqa: ANN001
    """The invoke URL path of a REST API whose ANY /echo proxies to a function echoing its event."""
    apigw, lam = apigateway_client(cloud), cloud.client("lambda")
    function = deploy(lam, ECHO_EVENT)
    function_arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    api_id = apigw.create_rest_api(
        name=f"edges-{uuid.uuid4().hex[:8]}", endpointConfiguration=REGIONAL
    )["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    echo = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="echo")["id"]
    apigw.put_method(restApiId=api_id, resourceId=echo, httpMethod="ANY", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=echo,
        httpMethod="ANY",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{cloud.region}:lambda:path/2015-03-31/functions/"
        f"{function_arn}/invocations",
    )
    apigw.create_deployment(restApiId=api_id, stageName="test")
    return f"/restapis/{api_id}/test/_user_request_/echo"


def send(cloud, path: str, headers: list[tuple[str, str]]) -> dict:  # noqa: ANN001
    """GET `path` with header lines exactly as given (names, order, repeats); the echo's answer."""
    url = urlsplit(cloud.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        # http.client adds Host and Accept-Encoding lines of its own unless told not to.
        sends_host = any(name.lower() == "host" for name, _ in headers)
        connection.putrequest("GET", path, skip_host=sends_host, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 200, body
    return json.loads(body)


def test_proxy_event_keeps_header_names_as_sent(cloud, echo_api) -> None:  # noqa: ANN001
    answer = send(
        cloud,
        echo_api,
        [("day", "monday"), ("X-MiXeD-Case", "a"), ("x-multi", "1"), ("x-multi", "2")],
    )
    headers, multi = answer["event"]["headers"], answer["event"]["multiValueHeaders"]
    assert headers["day"] == "monday"  # a handler reading headers["day"] finds it
    assert "Day" not in headers
    assert headers["X-MiXeD-Case"] == "a"
    # A repeated header: every value, in order, in multiValueHeaders; the last in headers.
    assert multi["x-multi"] == ["1", "2"]
    assert headers["x-multi"] == "2"
    assert multi["day"] == ["monday"]


def test_proxy_event_has_the_headers_api_gateway_adds(cloud, echo_api) -> None:  # noqa: ANN001
    answer = send(
        cloud,
        echo_api,
        [("host", "example.com"), ("user-agent", "probe/1"), ("X-Forwarded-For", "203.0.113.7")],
    )
    headers = answer["event"]["headers"]
    # API Gateway writes these two itself: their names arrive in this case, however sent.
    assert headers["Host"] == "example.com" and headers["User-Agent"] == "probe/1"
    assert answer["event"]["multiValueHeaders"]["Host"] == ["example.com"]
    # The caller's address is appended to the chain the client sent.
    assert headers["X-Forwarded-For"] == "203.0.113.7, 127.0.0.1"
    assert headers["X-Forwarded-Port"] == str(urlsplit(cloud.endpoint_url).port)
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert answer["traceId"].startswith(headers["X-Amzn-Trace-Id"])


def test_a_trace_header_in_lower_case_reaches_the_function(cloud, echo_api) -> None:  # noqa: ANN001
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    answer = send(cloud, echo_api, [("x-amzn-trace-id", trace)])
    assert answer["event"]["headers"]["x-amzn-trace-id"] == trace
    assert "X-Amzn-Trace-Id" not in answer["event"]["headers"]  # not added a second time
    assert answer["traceId"].startswith("Root=1-5759e988-bd862e3fe1be46a994272793")


def test_a_duplicate_resource_method_or_model_is_refused(cloud) -> None:  # noqa: ANN001
    apigw = apigateway_client(cloud)
    api_id = apigw.create_rest_api(
        name=f"edges-{uuid.uuid4().hex[:8]}", endpointConfiguration=REGIONAL
    )["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    orders = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="orders")["id"]
    apigw.create_resource(restApiId=api_id, parentId=orders, pathPart="{id}")

    def refused(call, **params: object) -> dict:  # noqa: ANN001
        with pytest.raises(ClientError) as error:
            call(restApiId=api_id, **params)
        return error.value.response

    twin = refused(apigw.create_resource, parentId=root, pathPart="orders")
    assert twin["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert twin["Error"] == {
        "Code": "ConflictException",
        "Message": "Another resource with the same parent already has this name: orders",
    }
    sibling = refused(apigw.create_resource, parentId=orders, pathPart="{name}")
    assert sibling["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sibling["Error"] == {
        "Code": "BadRequestException",
        "Message": "A sibling ({id}) of this resource already has a variable path part -- "
        "only one is allowed",
    }
    # A literal beside the variable is fine, and so is the same name under another parent.
    apigw.create_resource(restApiId=api_id, parentId=orders, pathPart="latest")
    apigw.create_resource(restApiId=api_id, parentId=orders, pathPart="orders")

    method = {"resourceId": orders, "httpMethod": "GET", "authorizationType": "NONE"}
    apigw.put_method(restApiId=api_id, **method)
    again = refused(apigw.put_method, **method)
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert again["Error"] == {
        "Code": "ConflictException",
        "Message": "Method already exists for this resource",
    }
    # What a re-run does instead: delete the method, then put it again.
    apigw.delete_method(restApiId=api_id, resourceId=orders, httpMethod="GET")
    apigw.put_method(restApiId=api_id, **method)

    model = {"name": "Order", "contentType": "application/json", "schema": "{}"}
    apigw.create_model(restApiId=api_id, **model)
    twin_model = refused(apigw.create_model, **{**model, "schema": '{"type": "object"}'})
    assert twin_model["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert twin_model["Error"] == {
        "Code": "ConflictException",
        "Message": "Model name already exists for this REST API",
    }
    assert apigw.get_model(restApiId=api_id, modelName="Order")["schema"] == "{}"  # kept


def test_update_model_brings_a_model_up_to_date(cloud) -> None:  # noqa: ANN001
    apigw = apigateway_client(cloud)
    api_id = apigw.create_rest_api(
        name=f"edges-{uuid.uuid4().hex[:8]}", endpointConfiguration=REGIONAL
    )["id"]
    schema = json.dumps({"type": "object", "required": ["sku"]})
    # What notebook 05 does on a re-run: create, and on ConflictException update instead.
    for _ in range(2):
        try:
            apigw.create_model(
                restApiId=api_id, name="Item", contentType="application/json", schema="{}"
            )
        except apigw.exceptions.ConflictException:
            replace = [
                {"op": "replace", "path": "/schema", "value": schema},
                {"op": "replace", "path": "/description", "value": "an item"},
            ]
            updated = apigw.update_model(
                restApiId=api_id, modelName="Item", patchOperations=replace
            )
    assert (updated["name"], updated["schema"], updated["description"]) == (
        "Item",
        schema,
        "an item",
    )
    assert apigw.get_model(restApiId=api_id, modelName="Item")["schema"] == schema

    with pytest.raises(apigw.exceptions.BadRequestException, match="can only replace"):
        apigw.update_model(
            restApiId=api_id,
            modelName="Item",
            patchOperations=[{"op": "replace", "path": "/name", "value": "Other"}],
        )
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.update_model(restApiId=api_id, modelName="Missing", patchOperations=replace)


# -- SNS subscriptions ------------------------------------------------------------------------

ATTRIBUTES_DIFFER = (
    "Invalid parameter: Attributes Reason: Subscription already exists with different attributes"
)


@pytest.fixture
def queue_subscription(cloud) -> tuple[str, str, str]:  # noqa: ANN001
    """(topic ARN, queue ARN, subscription ARN): a queue subscribed with a filter policy."""
    sns, sqs = cloud.client("sns"), cloud.client("sqs")
    tag = uuid.uuid4().hex[:8]
    topic = sns.create_topic(Name=f"edges-{tag}")["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"edges-{tag}")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    arn = sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue,
        Attributes={"FilterPolicy": json.dumps({"kind": ["order"]}), "RawMessageDelivery": "true"},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return topic, queue, arn


@pytest.mark.parametrize(
    "attributes",
    [
        # The same values, spelt differently: policies compare as JSON, booleans by meaning.
        {"FilterPolicy": '{ "kind" : ["order"] }', "RawMessageDelivery": "True"},
        {"RawMessageDelivery": "true"},  # attributes the call does not name are not compared
        {},
    ],
)
def test_subscribing_again_with_the_same_attributes_returns_the_subscription(
    cloud,  # noqa: ANN001
    queue_subscription,  # noqa: ANN001
    attributes,  # noqa: ANN001
) -> None:
    topic, queue, arn = queue_subscription
    sns = cloud.client("sns")
    again = sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue,
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )
    assert again["SubscriptionArn"] == arn
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 1


@pytest.mark.parametrize(
    "attributes",
    [
        {"FilterPolicy": json.dumps({"kind": ["refund"]})},
        {"RawMessageDelivery": "false"},
        {"FilterPolicyScope": "MessageBody"},
    ],
)
def test_subscribing_again_with_other_attributes_is_refused(
    cloud,  # noqa: ANN001
    queue_subscription,  # noqa: ANN001
    attributes,  # noqa: ANN001
) -> None:
    topic, queue, arn = queue_subscription
    sns = cloud.client("sns")
    with pytest.raises(ClientError) as refused:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue, Attributes=attributes)
    error = refused.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "InvalidParameter"
    assert error["Error"]["Message"] == ATTRIBUTES_DIFFER
    # The subscription is left as it was (moto alone would have overwritten it).
    kept = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert json.loads(kept["FilterPolicy"]) == {"kind": ["order"]}
    assert kept["RawMessageDelivery"] == "true"


# -- CloudWatch Logs throttling ---------------------------------------------------------------

# Regions no other test uses: the quotas are per account and Region.
QUIET_REGION, OTHER_REGION, THIRD_REGION = "eu-south-2", "ap-southeast-4", "il-central-1"


def logs_in(cloud, region: str, **config: object):  # noqa: ANN001, ANN201
    """A Logs client for `region` on this cloud; `config` adds botocore Config options."""
    return cloud.client("logs", region, **config)


def count_attempts(client) -> list[str]:  # noqa: ANN001
    """The operation name of every HTTP request `client` sends (retries included)."""
    attempts: list[str] = []
    # The event is named before-send.<service>.<Operation>.
    client.meta.events.register(
        "before-send", lambda event_name, **_: attempts.append(event_name.rsplit(".", 1)[1])
    )
    return attempts


def test_filter_log_events_over_its_quota_is_throttled(cloud) -> None:  # noqa: ANN001
    logs = logs_in(cloud, QUIET_REGION, retries={"total_max_attempts": 1})
    logs.create_log_group(logGroupName="/edges/throttle")
    answered = 0
    with pytest.raises(ClientError) as throttled:
        # 5 a second with a burst of 5: a tight loop of calls meets the quota within a few.
        while answered < 100:
            logs.filter_log_events(logGroupName="/edges/throttle")
            answered += 1
    error = throttled.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    assert answered >= 5  # the burst went through first


def test_quotas_are_per_action_and_region(cloud) -> None:  # noqa: ANN001
    here, there = (
        logs_in(cloud, region, retries={"total_max_attempts": 1})
        for region in (OTHER_REGION, THIRD_REGION)
    )
    for logs in (here, there):
        logs.create_log_group(logGroupName="/edges/regions")
    with pytest.raises(ClientError, match="Rate exceeded"):
        for _ in range(200):  # 25 a second
            here.describe_log_streams(logGroupName="/edges/regions")
    assert here.filter_log_events(logGroupName="/edges/regions")["events"] == []
    assert there.describe_log_streams(logGroupName="/edges/regions")["logStreams"] == []


def test_default_retries_ride_out_the_quota(cloud) -> None:  # noqa: ANN001
    logs = logs_in(cloud, "eu-central-2")  # botocore's default retries
    attempts = count_attempts(logs)
    logs.create_log_group(logGroupName="/edges/retries")
    calls = 8  # the burst of 5, then calls that wait for the bucket to refill
    for _ in range(calls):
        assert logs.filter_log_events(logGroupName="/edges/retries")["events"] == []
    # Every call completed, some only after a throttled attempt that boto3 retried.
    assert attempts.count("FilterLogEvents") > calls


def test_a_quota_allows_its_rate_and_a_burst_of_one_second() -> None:
    clock = FakeClock()
    quotas = RateQuotas({"FilterLogEvents": 5}, clock)
    admitted = [quotas.admit("1", "us-east-1", "FilterLogEvents") for _ in range(7)]
    assert admitted == [True] * 5 + [False] * 2
    clock.now += 0.2  # one token back
    assert quotas.admit("1", "us-east-1", "FilterLogEvents")
    assert not quotas.admit("1", "us-east-1", "FilterLogEvents")
    clock.now += 60  # refills up to the burst, not beyond
    assert sum(quotas.admit("1", "us-east-1", "FilterLogEvents") for _ in range(10)) == 5
    assert quotas.admit("2", "us-east-1", "FilterLogEvents")  # another account
    assert all(quotas.admit("1", "us-east-1", "PutLogEvents") for _ in range(50))  # no quota


def test_realism_off_has_no_quotas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALCLOUD_REALISM", "off")
    assert logs_read_quotas() is None
    monkeypatch.setenv("LOCALCLOUD_REALISM", "aws")
    quotas = logs_read_quotas()
    assert quotas is not None and quotas.quotas == LOGS_READ_QUOTAS


# -- Unimplemented actions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "action", "call"),
    [
        # One of each protocol: rpc-v2-cbor, query, json, rest-json; moto has a URL rule for
        # neither of the rest-json ones (it would answer an HTML 404).
        ("cloudwatch", "ListMetricStreams", lambda c: c.list_metric_streams()),
        (
            "sns",
            "GetDataProtectionPolicy",
            lambda c: c.get_data_protection_policy(
                ResourceArn="arn:aws:sns:us-east-1:123456789012:none"
            ),
        ),
        (
            "logs",
            "GetLogAnomalyDetector",
            lambda c: c.get_log_anomaly_detector(
                anomalyDetectorArn="arn:aws:logs:us-east-1:123456789012:anomaly-detector:none"
            ),
        ),
        ("apigateway", "GetSdkTypes", lambda c: c.get_sdk_types()),
        (
            "lambda",
            "GetFunctionRecursionConfig",
            lambda c: c.get_function_recursion_config(FunctionName="none"),
        ),
    ],
)
def test_an_unimplemented_action_answers_at_once_with_a_clear_error(
    cloud,
    service,
    action,
    call,  # noqa: ANN001
) -> None:
    client = cloud.client(service)  # botocore's default retries
    attempts = count_attempts(client)
    with pytest.raises(ClientError) as refused:
        call(client)
    error = refused.value.response
    assert attempts == [action]  # one request: botocore does not retry a 501
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error["Error"]["Code"] == "NotImplemented"
    message = error["Error"]["Message"]
    assert message.startswith(
        f"The local cloud (moto 5.2.5) does not implement {service}:{action}."
    )
    assert "run this step against AWS" in message
