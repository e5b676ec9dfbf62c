# 05-1: GET /inventory declares an optional `limit`, its validator checks parameters, and the
# stage serves the change.
import boto3
from botocore.config import Config

from workbook import names
from workbook.lookup import rest_api_id

# A room of learners shares API Gateway's quotas on one account: retry for about 10 minutes.
apigw = boto3.client("apigateway", config=Config(retries={"mode": "standard", "max_attempts": 60}))
api_id = rest_api_id(apigw, s.names.api)
resources = apigw.get_resources(restApiId=api_id, limit=500)["items"]
inventory = next(r["id"] for r in resources if r["path"] == "/inventory")
at = {"restApiId": api_id, "resourceId": inventory, "httpMethod": "GET"}

validators = {v["name"]: v["id"] for v in apigw.get_request_validators(restApiId=api_id)["items"]}
if "parameters" not in validators:
    validators["parameters"] = apigw.create_request_validator(
        restApiId=api_id, name="parameters", validateRequestParameters=True
    )["id"]

# put_method cannot change an existing method: declare it anew, and connect it again to the
# function it called.
integration = apigw.get_integration(**at)
apigw.delete_method(**at)
apigw.put_method(
    **at,
    authorizationType="NONE",
    requestParameters={"method.request.querystring.limit": False},  # False: optional
    requestValidatorId=validators["parameters"],
)
apigw.put_integration(**at, type="AWS_PROXY", integrationHttpMethod="POST", uri=integration["uri"])
apigw.create_deployment(restApiId=api_id, stageName=names.STAGE, description="GET /inventory?limit")
apigw.get_method(**at)["requestParameters"]
