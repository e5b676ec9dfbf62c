# 06-1: five Mirrors arrive; the Learner orders two of them through the API.
import boto3
import requests
from botocore.config import Config

from workbook import names
from workbook.apigateway_url import stage_url
from workbook.lookup import rest_api_id

dynamodb = boto3.resource("dynamodb")
# The operator adds the stock to the table, as a number (DynamoDB type N), not as text.
dynamodb.Table(s.names.inventory_table).put_item(Item={"itemId": "Mirror", "quantity": 5})

# A room of learners shares API Gateway's quotas on one account: retry for about 10 minutes.
apigw = boto3.client("apigateway", config=Config(retries={"mode": "standard", "max_attempts": 60}))
api = stage_url(rest_api_id(apigw, s.names.api), names.STAGE, s.region)

# The customer's side: only HTTP. The Learner's id is on the claim of their address.
emails = dynamodb.Table(s.names.user_emails_table)
claim = emails.get_item(Key={"email": s.email("learner")}, ConsistentRead=True).get("Item")
if claim is None:  # not registered yet (part 1 of notebook 06 registers them)
    learner = {"name": "Learner", "email": s.email("learner")}
    claim = requests.post(f"{api}/users", json=learner, timeout=30).json()["user"]
order = {"userId": claim["userId"], "itemId": "Mirror", "quantity": 2}
answer = requests.post(f"{api}/orders", json=order, timeout=30)
print(answer.status_code, answer.json())
