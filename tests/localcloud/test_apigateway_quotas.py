"""API Gateway's management quotas (429 TooManyRequestsException, as AWS answers), the token
buckets behind them, and Lambda's GetAccountSettings."""

from __future__ import annotations

import io
import uuid
import zipfile

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from moto import mock_aws

from localcloud import throttling
from localcloud.seams.awslambda import install_account_settings
from localcloud.throttling import EDGE, Quota, RateQuotas, TokenBucket, apigateway_action
from tests.localcloud.fake_clock import FakeClock

# Quotas are per account and Region: each test that meets one has a Region no other test uses.
OTHER_ACCOUNT = "111122223333"


def apigateway_in(cloud, region: str, account: str | None = None, **config: object):  # noqa: ANN001, ANN201
    """An API Gateway client for `region` (and with `account`, moto's account header) on this
    cloud; `config` adds botocore Config options."""
    client = cloud.client("apigateway", region, **config)
    if account is not None:

        def add_account(request, **_: object) -> None:  # noqa: ANN001
            request.headers["x-moto-account-id"] = account

        client.meta.events.register("before-sign.api-gateway", add_account)
    return client


NO_RETRIES = {"retries": {"total_max_attempts": 1}}


def deployable_api(apigw) -> str:  # noqa: ANN001
    """A Regional REST API with one MOCK method (CreateDeployment needs a method)."""
    api_id = apigw.create_rest_api(
        name=f"quota-{uuid.uuid4().hex[:8]}", endpointConfiguration={"types": ["REGIONAL"]}
    )["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(
        restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200"
    )
    return api_id


def test_a_second_deployment_within_5_s_is_refused_with_429(cloud) -> None:  # noqa: ANN001
    apigw = apigateway_in(cloud, "ca-west-1", **NO_RETRIES)
    api_id = deployable_api(apigw)
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    with pytest.raises(ClientError) as throttled:
        apigw.create_deployment(restApiId=api_id, stageName="dev")
    answer = throttled.value.response
    assert answer["Error"] == {"Code": "TooManyRequestsException", "Message": "Too Many Requests"}
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 429
    headers = answer["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-errortype"] == "TooManyRequestsException"
    assert 1 <= int(headers["retry-after"]) <= 5  # whole seconds until the next token
    # The refused deployment changed nothing: the stage serves the first.
    assert len(apigw.get_deployments(restApiId=api_id)["items"]) == 1


def test_an_edge_optimized_api_has_the_slower_create_quota(cloud) -> None:  # noqa: ANN001
    apigw = apigateway_in(cloud, "mx-central-1", **NO_RETRIES)
    apigw.create_rest_api(name="edge-1")  # no endpoint type: edge-optimized, once every 30 s
    with pytest.raises(ClientError, match="TooManyRequestsException"):
        apigw.create_rest_api(name="edge-2")
    # Regional and private APIs have a quota of their own (once every 3 s).
    regional = {"types": ["REGIONAL"]}
    assert apigw.create_rest_api(name="regional", endpointConfiguration=regional)["id"]


def test_another_account_has_quotas_of_its_own(cloud) -> None:  # noqa: ANN001
    mine = apigateway_in(cloud, "ap-southeast-5", **NO_RETRIES)
    api_id = deployable_api(mine)
    mine.create_deployment(restApiId=api_id, stageName="dev")
    with pytest.raises(ClientError, match="TooManyRequestsException"):
        mine.create_deployment(restApiId=api_id, stageName="dev")
    theirs = apigateway_in(cloud, "ap-southeast-5", account=OTHER_ACCOUNT, **NO_RETRIES)
    their_api = deployable_api(theirs)
    assert their_api not in {api["id"] for api in mine.get_rest_apis()["items"]}
    assert theirs.create_deployment(restApiId=their_api, stageName="dev")["id"]


def test_standard_retries_ride_out_the_quota(cloud) -> None:  # noqa: ANN001
    apigw = apigateway_in(cloud, "ap-east-2", **NO_RETRIES)
    api_id = deployable_api(apigw)
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    # What a script on AWS does: botocore retries TooManyRequestsException with backoff.
    patient = apigateway_in(cloud, "ap-east-2", retries={"mode": "standard", "max_attempts": 10})
    attempts: list[str] = []
    patient.meta.events.register(
        "before-send", lambda event_name, **_: attempts.append(event_name.rsplit(".", 1)[1])
    )
    assert patient.create_deployment(restApiId=api_id, stageName="dev")["id"]
    assert attempts.count("CreateDeployment") > 1  # refused at first, then let through


def test_invoke_urls_are_not_management_calls(cloud) -> None:  # noqa: ANN001
    apigw = apigateway_in(cloud, "us-east-1", account=OTHER_ACCOUNT, **NO_RETRIES)
    api_id = deployable_api(apigw)
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    with pytest.raises(ClientError, match="TooManyRequestsException"):  # the account total
        for _ in range(200):
            apigw.get_rest_api(restApiId=api_id)
    # The API itself still answers its callers: the quota is on managing it.
    for _ in range(5):
        answer = requests.get(f"{cloud.endpoint_url}/restapis/{api_id}/dev/_user_request_/")
        assert answer.status_code == 200, answer.text


# -- The buckets, on a fake clock -------------------------------------------------------------


def test_a_rate_below_one_a_second_lets_the_first_call_through() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=0.2, burst=1, clock=clock)  # once every 5 s
    assert bucket.take()
    assert not bucket.take()
    assert bucket.wait_s() == pytest.approx(5)
    clock.now += 4
    assert not bucket.take()
    assert bucket.wait_s() == pytest.approx(1)
    clock.now += 1
    assert bucket.take()
    clock.now += 60  # refills up to its burst of 1, not beyond
    assert [bucket.take(), bucket.take()] == [True, False]


def test_a_bucket_that_never_holds_a_token_is_refused() -> None:
    with pytest.raises(ValueError, match="every call fails"):
        TokenBucket(rate=0.2, burst=0.2)


def test_every_reads_aws_wording() -> None:
    assert Quota.every(5) == Quota(rate=0.2, burst=1)  # "1 request every 5 seconds"
    assert Quota.every(2, requests=5) == Quota(rate=2.5, burst=5)  # GetResources


def test_each_action_draws_on_its_quota_and_the_account_total() -> None:
    clock = FakeClock()
    quotas = RateQuotas(throttling.APIGATEWAY_QUOTAS, clock, total=throttling.APIGATEWAY_TOTAL)
    assert quotas.retry_after_s("1", "us-east-1", "CreateDeployment") is None
    assert quotas.retry_after_s("1", "us-east-1", "CreateDeployment") == pytest.approx(5)
    assert quotas.admit("2", "us-east-1", "CreateDeployment")  # another account
    assert quotas.admit("1", "eu-west-1", "CreateDeployment")  # another Region
    # The total: 40 at once (one spent by the deployment), then 10 a second.
    admitted = [quotas.admit("1", "us-east-1", "") for _ in range(41)]
    assert admitted == [True] * 39 + [False] * 2
    clock.now += 0.125  # 1.25 tokens
    assert [quotas.admit("1", "us-east-1", "") for _ in range(2)] == [True, False]
    # A call its own quota allows still waits for the total, and a refused call spends nothing.
    assert quotas.retry_after_s("1", "us-east-1", "CreateResource") == pytest.approx(0.075)
    clock.now += 0.125  # 1.5 tokens in the total, 5 for CreateResource
    assert [quotas.admit("1", "us-east-1", "CreateResource") for _ in range(2)] == [True, False]


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "action"),
    [
        ("POST", "/restapis/a1/deployments", "", b"{}", "CreateDeployment"),
        ("POST", "/restapis", "", b'{"name": "x"}', "CreateRestApi" + EDGE),
        (
            "POST",
            "/restapis",
            "",
            b'{"name": "x", "endpointConfiguration": {"types": ["REGIONAL"]}}',
            "CreateRestApi",
        ),
        ("POST", "/restapis", "mode=import", b"{}", "ImportRestApi" + EDGE),
        (
            "POST",
            "/restapis",
            "mode=import&endpointConfigurationTypes=PRIVATE",
            b"",
            "ImportRestApi",
        ),
        ("DELETE", "/restapis/a1", "", b"", "DeleteRestApi"),
        ("POST", "/restapis/a1/resources/r1", "", b"{}", "CreateResource"),
        ("DELETE", "/restapis/a1/resources/r1", "", b"", "DeleteResource"),
        ("GET", "/restapis/a1/resources", "embed=methods", b"", "GetResources"),
        ("PATCH", "/account", "", b"{}", "UpdateAccount"),
        ("PUT", "/restapis/a1", "mode=overwrite", b"{}", "PutRestApi"),
        # Operations without a quota of their own count toward the total only.
        ("GET", "/restapis/a1", "", b"", ""),
        ("GET", "/restapis/a1/resources/r1", "", b"", ""),
        ("PUT", "/restapis/a1/resources/r1/methods/GET", "", b"{}", ""),
    ],
)
def test_a_request_is_named_by_its_operation(
    method: str, path: str, query: str, body: bytes, action: str
) -> None:
    assert apigateway_action(method, path, query, body) == action


def test_realism_off_has_no_quotas_and_fast_has_aws_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOCALCLOUD_REALISM", "off")
    assert throttling.apigateway_quotas() is None
    for level in ("fast", "aws"):
        monkeypatch.setenv("LOCALCLOUD_REALISM", level)
        quotas = throttling.apigateway_quotas()
        assert quotas is not None and quotas.quotas == throttling.APIGATEWAY_QUOTAS
        assert quotas.total == Quota(rate=10, burst=40)


# -- Lambda GetAccountSettings ----------------------------------------------------------------


def test_account_settings_show_the_concurrency_left_unreserved() -> None:
    install_account_settings()  # moto 5.2.5 has no GetAccountSettings
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("f.py", "def handler(event, context): pass")
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    with mock_aws():
        lam = boto3.client("lambda", region_name="eu-west-1", **credentials)
        iam = boto3.client("iam", region_name="eu-west-1", **credentials)
        empty = lam.get_account_settings()
        assert empty["AccountLimit"] == {
            "TotalCodeSize": 75 * 1024**3,
            "CodeSizeZipped": 50 * 1024**2,
            "CodeSizeUnzipped": 250 * 1024**2,
            "ConcurrentExecutions": 1000,
            "UnreservedConcurrentExecutions": 1000,
        }
        assert empty["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        for name in ("a", "b"):
            lam.create_function(
                FunctionName=name,
                Runtime="python3.11",
                Role=role,
                Handler="f.handler",
                Code={"ZipFile": package.getvalue()},
            )
        lam.put_function_concurrency(FunctionName="a", ReservedConcurrentExecutions=25)
        lam.publish_version(FunctionName="b")  # a version's package takes storage too
        settings = lam.get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 975
    assert settings["AccountUsage"] == {
        "TotalCodeSize": 3 * len(package.getvalue()),
        "FunctionCount": 2,
    }


def test_the_running_cloud_answers_account_settings(cloud) -> None:  # noqa: ANN001
    limit = cloud.client("lambda").get_account_settings()["AccountLimit"]
    assert limit["ConcurrentExecutions"] == 1000
    assert limit["UnreservedConcurrentExecutions"] <= 1000
