"""UpdateMethod: API Gateway's patch operations on a method, served after a new deployment."""

from __future__ import annotations

import functools
import inspect
import uuid
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from localcloud.apigateway.update_method import PatchError, patched_method
from tests.localcloud.apigateway_api import REGIONAL, apigateway_client

SKU = "/requestParameters/method.request.querystring.sku"


@pytest.fixture(scope="module")
def api(cloud) -> dict[str, str]:  # noqa: ANN001
    """A REST API with GET /items (a MOCK answering 200), deployed to stage "test", and a
    validator of request parameters that no method uses yet."""
    apigw = apigateway_client(cloud)
    api_id = apigw.create_rest_api(
        name=f"update-method-{uuid.uuid4().hex[:8]}", endpointConfiguration=REGIONAL
    )["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    items = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    method = {"restApiId": api_id, "resourceId": items, "httpMethod": "GET"}
    apigw.put_method(**method, authorizationType="NONE")
    apigw.put_integration(
        **method, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    apigw.put_method_response(**method, statusCode="200")
    apigw.put_integration_response(**method, statusCode="200")
    validator = apigw.create_request_validator(
        restApiId=api_id, name="parameters", validateRequestParameters=True
    )["id"]
    apigw.create_deployment(restApiId=api_id, stageName="test")
    return {
        "api_id": api_id,
        "root": root,
        "items": items,
        "validator": validator,
        "url": f"{cloud.endpoint_url}/restapis/{api_id}/test/_user_request_/items",
    }


def update(apigw: Any, api: dict[str, str], *operations: dict[str, str]) -> dict[str, Any]:
    return apigw.update_method(
        restApiId=api["api_id"],
        resourceId=api["items"],
        httpMethod="GET",
        patchOperations=list(operations),
    )


def error_of(call: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as refused:
        call()
    response = refused.value.response
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    return status, response["Error"]["Code"], response["Error"]["Message"]


def test_a_required_parameter_is_enforced_after_the_next_deployment(cloud, api) -> None:  # noqa: ANN001
    apigw = apigateway_client(cloud)
    updated = update(
        apigw,
        api,
        {"op": "add", "path": SKU, "value": "true"},
        {"op": "replace", "path": "/requestValidatorId", "value": api["validator"]},
    )
    assert updated["requestParameters"] == {"method.request.querystring.sku": True}
    assert updated["requestValidatorId"] == api["validator"]
    got = apigw.get_method(restApiId=api["api_id"], resourceId=api["items"], httpMethod="GET")
    assert got["requestParameters"] == updated["requestParameters"]
    assert got["methodIntegration"]["type"] == "MOCK"  # the rest of the method is kept
    # The stage serves its deployment: the change is not live before the next one.
    assert requests.get(api["url"]).status_code == 200

    apigw.create_deployment(restApiId=api["api_id"], stageName="test")
    missing = requests.get(api["url"])
    assert missing.status_code == 400
    assert missing.json() == {"message": "Missing required request parameters: [sku]"}
    assert missing.headers["x-amzn-ErrorType"] == "BadRequestException"
    assert requests.get(api["url"], params={"sku": "Headlight"}).status_code == 200

    removed = update(apigw, api, {"op": "remove", "path": SKU})
    assert not removed.get("requestParameters")  # AWS drops the emptied map
    apigw.create_deployment(restApiId=api["api_id"], stageName="test")
    assert requests.get(api["url"]).status_code == 200


def test_replaces_scalars_and_edits_request_models(cloud, api) -> None:  # noqa: ANN001
    apigw = apigateway_client(cloud)
    apigw.create_model(
        restApiId=api["api_id"], name="Item", contentType="application/json", schema="{}"
    )
    updated = update(
        apigw,
        api,
        {"op": "replace", "path": "/operationName", "value": "ListItems"},
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
        {"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"},
        {"op": "add", "path": "/requestModels/application~1json", "value": "Item"},
    )
    assert updated["operationName"] == "ListItems"
    assert updated["apiKeyRequired"] is True
    assert updated["authorizationType"] == "AWS_IAM"
    assert updated["requestModels"] == {"application/json": "Item"}

    updated = update(
        apigw,
        api,
        {"op": "remove", "path": "/requestModels/application~1json"},
        {"op": "replace", "path": "/apiKeyRequired", "value": "false"},
        {"op": "replace", "path": "/authorizationType", "value": "NONE"},
    )
    assert not updated.get("requestModels")
    assert updated["apiKeyRequired"] is False
    assert updated["authorizationType"] == "NONE"


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        # API Gateway's own answers to these operations.
        (
            {"op": "add", "path": "/operationName", "value": "x"},
            "Invalid patch operation specified. Must be one of: [replace]",
        ),
        (
            {"op": "add", "path": "/requestValidatorId", "value": "x"},
            "Invalid patch operation specified. Must be one of: [replace]",
        ),
        ({"op": "add", "path": "/httpMethod", "value": "PUT"}, "Invalid patch path /httpMethod"),
        (
            {"op": "replace", "path": "/requestParameters", "value": "x"},
            "Invalid patch path /requestParameters",
        ),
        (
            {"op": "add", "path": "/requestModels/application/json", "value": "Empty"},
            "Invalid patch path /requestModels/application/json",
        ),
        (
            {"op": "replace", "path": "/requestValidatorId", "value": "fake-id"},
            "Invalid Request Validator identifier specified",
        ),
        (
            {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
            "COGNITO_USER_POOLS requires a valid authorizer.",
        ),
        (
            {"op": "add", "path": "/requestModels/application~1json", "value": "Nope"},
            "Invalid model identifier specified: Nope",
        ),
    ],
)
def test_refuses_what_api_gateway_refuses(cloud, api, operation, message) -> None:  # noqa: ANN001
    apigw = apigateway_client(cloud)
    before = apigw.get_method(restApiId=api["api_id"], resourceId=api["items"], httpMethod="GET")
    rename = {"op": "replace", "path": "/operationName", "value": "Renamed"}
    assert error_of(lambda: update(apigw, api, rename, operation)) == (
        400,
        "BadRequestException",
        message,
    )
    after = apigw.get_method(restApiId=api["api_id"], resourceId=api["items"], httpMethod="GET")
    assert after.get("operationName") == before.get("operationName")  # nothing was applied


def test_an_unknown_api_resource_or_method_is_not_found(cloud, api) -> None:  # noqa: ANN001
    apigw = apigateway_client(cloud)
    rename = [{"op": "replace", "path": "/operationName", "value": "x"}]
    for where, message in (
        (
            {"restApiId": "nope", "resourceId": api["items"]},
            "Invalid Resource identifier specified",
        ),
        (
            {"restApiId": api["api_id"], "resourceId": "nope"},
            "Invalid Resource identifier specified",
        ),
        (
            {"restApiId": api["api_id"], "resourceId": api["root"]},
            "Invalid Method identifier specified",
        ),
    ):
        call = functools.partial(
            apigw.update_method, **where, httpMethod="GET", patchOperations=rename
        )
        assert error_of(call) == (404, "NotFoundException", message)


# -- the patch operations alone, without a cloud ----------------------------------------------

METHOD = {"authorizationType": "NONE", "apiKeyRequired": False}
PARTS = {"validators": ["v1"], "models": ["Item"], "authorizers": ["a1"]}


def test_an_authorizer_is_kept_only_with_a_type_that_uses_one() -> None:
    ignored = patched_method(
        METHOD, [{"op": "replace", "path": "/authorizerId", "value": "a1"}], PARTS
    )
    assert ignored["authorizerId"] is None  # AWS ignores it on a NONE method
    custom = patched_method(
        METHOD,
        [
            {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
            {"op": "replace", "path": "/authorizerId", "value": "a1"},
        ],
        PARTS,
    )
    assert (custom["authorizationType"], custom["authorizerId"]) == ("CUSTOM", "a1")


def test_an_empty_validator_id_turns_validation_off_and_scopes_add_and_remove() -> None:
    validated = {**METHOD, "requestValidatorId": "v1", "authorizationScopes": ["read"]}
    patched = patched_method(
        validated,
        [
            {"op": "replace", "path": "/requestValidatorId", "value": ""},
            {"op": "add", "path": "/authorizationScopes", "value": "write"},
            {"op": "remove", "path": "/authorizationScopes", "value": "read"},
            {"op": "add", "path": "/requestModels/application~1json", "value": "Empty"},
        ],
        PARTS,
    )
    assert patched["requestValidatorId"] is None
    assert patched["authorizationScopes"] == ["write"]
    assert patched["requestModels"] == {"application/json": "Empty"}  # AWS's built-in model
    with pytest.raises(PatchError, match=r"Must be one of: \[add, remove\]"):
        patched_method(METHOD, [{"op": "replace", "path": "/authorizationScopes"}], PARTS)


def test_update_method_seam_exists() -> None:
    from moto.apigateway.models import Method, RestAPI
    from moto.apigateway.responses import APIGatewayResponse

    from localcloud.seams.apigateway import _METHOD_ATTRIBUTES

    # moto has no UpdateMethod: if an upgrade adds one, patching.add refuses to hide it.
    assert getattr(getattr(APIGatewayResponse, "update_method", None), "localcloud_added", True)
    source = inspect.getsource(Method.__init__)
    for attribute in _METHOD_ATTRIBUTES.values():
        assert f"self.{attribute}" in source, attribute
    api_source = inspect.getsource(RestAPI.__init__)
    for attribute in ("authorizers", "models", "request_validators", "resources"):
        assert f"self.{attribute}" in api_source, attribute
