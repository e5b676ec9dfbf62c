"""The API Gateway seams on moto's backend, in-process (fail loudly if moto moves them)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from moto.apigateway.models import APIGatewayBackend

from localcloud import seams


@pytest.fixture
def apigw(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    # The hook patches moto's class: put the original back after the test.
    monkeypatch.setattr(APIGatewayBackend, "create_deployment", APIGatewayBackend.create_deployment)
    with mock_aws():
        yield boto3.client(
            "apigateway",
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def mock_method(client, api_id: str, path_part: str) -> str:  # noqa: ANN001
    root = client.get_resources(restApiId=api_id)["items"][0]["id"]
    resource = client.create_resource(restApiId=api_id, parentId=root, pathPart=path_part)["id"]
    client.put_method(
        restApiId=api_id, resourceId=resource, httpMethod="GET", authorizationType="NONE"
    )
    client.put_integration(restApiId=api_id, resourceId=resource, httpMethod="GET", type="MOCK")
    return resource


def test_deployment_hook_snapshots_and_keeps_stage_settings(apigw) -> None:  # noqa: ANN001
    seen = []
    seams.on_apigateway_deployment(
        lambda *args: seen.append((*args, seams.rest_api_config(*args[:3])))
    )
    api_id = apigw.create_rest_api(name="shop")["id"]
    mock_method(apigw, api_id, "pets")
    apigw.create_model(restApiId=api_id, name="Pet", contentType="application/json", schema="{}")
    first = apigw.create_deployment(restApiId=api_id, stageName="dev")["id"]
    apigw.update_stage(
        restApiId=api_id,
        stageName="dev",
        patchOperations=[{"op": "replace", "path": "/accessLogSettings/format", "value": "f"}],
    )
    mock_method(apigw, api_id, "toys")
    second = apigw.create_deployment(restApiId=api_id, stageName="dev")["id"]

    assert [(s[0], s[1], s[2], s[3]) for s in seen] == [
        (seams.ACCOUNT_ID, "eu-west-1", api_id, first),
        (seams.ACCOUNT_ID, "eu-west-1", api_id, second),
    ]
    first_paths = {r["path"] for r in seen[0][4]["resources"]}
    assert first_paths == {"/", "/pets"}  # the snapshot: later edits are not in it
    assert {r["path"] for r in seen[1][4]["resources"]} == {"/", "/pets", "/toys"}
    assert seen[0][4]["models"] == {"Pet": "{}"}
    pets = next(r for r in seen[0][4]["resources"] if r["path"] == "/pets")
    assert pets["resourceMethods"]["GET"]["methodIntegration"]["type"] == "MOCK"
    json.dumps(seen[0][4])  # plain data

    stage = seams.rest_api_stage(seams.ACCOUNT_ID, "eu-west-1", api_id, "dev")
    assert stage["deploymentId"] == second
    assert stage["accessLogSettings"] == {"format": "f"}
    assert seams.find_rest_api(api_id) == (seams.ACCOUNT_ID, "eu-west-1")
    assert seams.find_rest_api("nope") is None


def test_keys_and_usage_plans(apigw) -> None:  # noqa: ANN001
    api_id = apigw.create_rest_api(name="shop")["id"]
    key = apigw.create_api_key(name="k", enabled=True, value="k" * 24)
    plan = apigw.create_usage_plan(
        name="p", apiStages=[{"apiId": api_id, "stage": "dev"}], quota={"limit": 5, "period": "DAY"}
    )
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    found = seams.api_key_by_value(seams.ACCOUNT_ID, "eu-west-1", "k" * 24)
    assert (found["id"], found["enabled"]) == (key["id"], True)
    plans = seams.usage_plans_of_key(seams.ACCOUNT_ID, "eu-west-1", key["id"])
    assert [(p["id"], p["apiStages"], p["quota"]["limit"]) for p in plans] == [
        (plan["id"], [{"apiId": api_id, "stage": "dev"}], 5)
    ]
    assert seams.api_key_by_value(seams.ACCOUNT_ID, "eu-west-1", "other") is None


def test_deployment_and_api_description(apigw) -> None:  # noqa: ANN001
    api_id = apigw.create_rest_api(name="shop", description="pets and toys")["id"]
    mock_method(apigw, api_id, "pets")
    created = apigw.create_deployment(restApiId=api_id, stageName="dev", description="first")
    found = seams.rest_api_deployment(seams.ACCOUNT_ID, "eu-west-1", api_id, created["id"])
    assert (found["id"], found["description"]) == (created["id"], "first")
    assert found["createdDate"] == int(created["createdDate"].timestamp())
    assert seams.rest_api_deployment(seams.ACCOUNT_ID, "eu-west-1", api_id, "nope") is None
    config = seams.rest_api_config(seams.ACCOUNT_ID, "eu-west-1", api_id)
    assert config["description"] == "pets and toys"
