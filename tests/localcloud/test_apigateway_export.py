"""GetExport as OpenAPI 3 (oas30): the deployed stage, shaped as AWS exports it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import requests
import yaml
from botocore.exceptions import ClientError
from openapi_spec_validator import validate

from tests.localcloud.apigateway_api import (
    REGIONAL,
    ApiUnderTest,
    apigateway_client,
    build_api,
)


@pytest.fixture(scope="module")
def api(cloud) -> ApiUnderTest:  # noqa: ANN001
    return build_api(cloud)


def export(cloud, api_id: str, stage: str = "test", **options: Any) -> dict[str, Any]:  # noqa: ANN001
    answer = apigateway_client(cloud).get_export(
        restApiId=api_id, stageName=stage, exportType="oas30", **options
    )
    assert answer["contentType"] == options.get("accepts", "application/json")
    return json.loads(answer["body"].read())


def server_url(document: dict[str, Any]) -> str:
    """servers[0].url with its variables' defaults substituted, as a client resolves it."""
    server = document["servers"][0]
    url = server["url"]
    for name, variable in server.get("variables", {}).items():
        url = url.replace("{" + name + "}", variable["default"])
    return url


def test_export_is_a_valid_openapi_3_document_of_the_stage(cloud, api) -> None:  # noqa: ANN001
    document = export(cloud, api.api_id, parameters={"extensions": "apigateway"})
    validate(document)  # raises on any OpenAPI 3.0 violation
    assert document["openapi"] == "3.0.1"
    assert document["info"]["title"] == api.name
    assert document["servers"][0]["variables"] == {"basePath": {"default": "/test"}}
    assert server_url(document) == api.url("test")
    # The server URL is the invoke URL: a client built from the document reaches the stage.
    assert requests.get(server_url(document) + "/echo").status_code == 201


def test_info_version_is_the_deployment_time(cloud, api) -> None:  # noqa: ANN001
    apigw = apigateway_client(cloud)
    deployment_id = apigw.get_stage(restApiId=api.api_id, stageName="test")["deploymentId"]
    created = apigw.get_deployment(restApiId=api.api_id, deploymentId=deployment_id)["createdDate"]
    version = export(cloud, api.api_id)["info"]["version"]
    assert version == created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_parameters_request_body_and_models(cloud, api) -> None:  # noqa: ANN001
    document = export(cloud, api.api_id)
    post = document["paths"]["/orders"]["post"]
    assert sorted(post["parameters"], key=lambda p: p["name"]) == [
        {"name": "X-Client", "in": "header", "required": True, "schema": {"type": "string"}},
        {"name": "optional", "in": "query", "schema": {"type": "string"}},
        {"name": "source", "in": "query", "required": True, "schema": {"type": "string"}},
    ]
    assert post["requestBody"] == {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
        "required": True,
    }
    schemas = document["components"]["schemas"]
    assert set(schemas) == {"Item", "Order"}
    # Model URLs become local references; draft 4's $schema is not an OpenAPI keyword.
    assert schemas["Order"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Item"}
    assert "$schema" not in schemas["Item"] and "$schema" not in schemas["Order"]
    assert schemas["Item"]["required"] == ["sku", "quantity"]
    greedy = document["paths"]["/files/{path+}"]["x-amazon-apigateway-any-method"]
    assert greedy["parameters"] == [
        {"name": "path", "in": "path", "required": True, "schema": {"type": "string"}}
    ]


def test_responses_and_api_key_security(cloud, api) -> None:  # noqa: ANN001
    document = export(cloud, api.api_id)
    options = document["paths"]["/echo"]["options"]["responses"]["200"]
    assert options["description"] == "200 response"
    assert set(options["headers"]) == {
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Methods",
        "Access-Control-Allow-Headers",
    }
    assert set(document["paths"]["/flows/sync"]["post"]["responses"]) == {"200", "400"}
    assert document["paths"]["/keyed"]["get"]["security"] == [{"api_key": []}]
    assert "security" not in document["paths"]["/echo"]["get"]
    assert document["components"]["securitySchemes"] == {
        "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}
    }


def test_extensions_only_when_asked(cloud, api) -> None:  # noqa: ANN001
    plain = export(cloud, api.api_id)
    assert "x-amazon-apigateway-integration" not in json.dumps(plain)
    assert "x-amazon-apigateway-request-validator" not in json.dumps(plain)

    for value in ("apigateway", "integrations"):
        document = export(cloud, api.api_id, parameters={"extensions": value})
        assert document["x-amazon-apigateway-request-validators"] == {
            "all": {"validateRequestParameters": True, "validateRequestBody": True}
        }
        post = document["paths"]["/orders"]["post"]
        assert post["x-amazon-apigateway-request-validator"] == "all"
        assert post["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
        sync = document["paths"]["/flows/sync"]["post"]["x-amazon-apigateway-integration"]
        assert sync["type"] == "aws"
        assert sync["uri"].endswith(":states:action/StartSyncExecution")
        # Integration responses keyed by selection pattern, "default" for the catch-all.
        assert sync["responses"]["default"]["statusCode"] == "200"
        assert sync["responses"]["4\\d{2}"]["statusCode"] == "400"


def test_yaml_when_accepted(cloud, api) -> None:  # noqa: ANN001
    answer = apigateway_client(cloud).get_export(
        restApiId=api.api_id, stageName="test", exportType="oas30", accepts="application/yaml"
    )
    assert answer["contentType"] == "application/yaml"
    assert answer["contentDisposition"] == f'attachment; filename="{api.name}-test-oas30.yaml"'
    assert yaml.safe_load(answer["body"].read()) == export(cloud, api.api_id)


def test_export_shows_the_deployment_not_later_edits(cloud) -> None:  # noqa: ANN001
    apigw = apigateway_client(cloud)
    api_id = apigw.create_rest_api(name="export-snapshot", endpointConfiguration=REGIONAL)["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]

    def mock_resource(part: str) -> None:
        resource = apigw.create_resource(restApiId=api_id, parentId=root, pathPart=part)["id"]
        apigw.put_method(
            restApiId=api_id, resourceId=resource, httpMethod="GET", authorizationType="NONE"
        )
        apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod="GET", type="MOCK")

    mock_resource("deployed")
    apigw.create_deployment(restApiId=api_id, stageName="v1")
    mock_resource("undeployed")
    assert set(export(cloud, api_id, "v1")["paths"]) == {"/deployed"}
    apigw.create_deployment(restApiId=api_id, stageName="v1")
    assert set(export(cloud, api_id, "v1")["paths"]) == {"/deployed", "/undeployed"}


def test_unknown_api_or_stage_is_not_found(cloud, api) -> None:  # noqa: ANN001
    apigw = apigateway_client(cloud)
    for api_id, stage in ((api.api_id, "nope"), ("nosuchapi", "test")):
        with pytest.raises(ClientError) as raised:
            apigw.get_export(restApiId=api_id, stageName=stage, exportType="oas30")
        assert raised.value.response["Error"]["Code"] == "NotFoundException"
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_swagger_is_still_moto_s(cloud, api) -> None:  # noqa: ANN001
    answer = apigateway_client(cloud).get_export(
        restApiId=api.api_id, stageName="test", exportType="swagger"
    )
    assert json.loads(answer["body"].read())["swagger"] == "2.0"
