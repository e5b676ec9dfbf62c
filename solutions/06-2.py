# 06-2: the operator cancels one of the Learner's orders that has not shipped yet.
import boto3
import requests
from botocore.config import Config

from workbook import names
from workbook.apigateway_url import stage_url
from workbook.lookup import api_key, rest_api_id

# A room of learners shares API Gateway's quotas on one account: retry for about 10 minutes.
apigw = boto3.client("apigateway", config=Config(retries={"mode": "standard", "max_attempts": 60}))
api = stage_url(rest_api_id(apigw, s.names.api), names.STAGE, s.region)
admin = {"X-Api-Key": api_key(apigw, names.admin_key(s.names), with_value=True)["value"]}

# An order to cancel: a new one for a Seatbelt (only a PLACED order may be cancelled).
emails = boto3.resource("dynamodb").Table(s.names.user_emails_table)
claim = emails.get_item(Key={"email": s.email("learner")}, ConsistentRead=True).get("Item")
if claim is None:  # not registered yet (part 1 of notebook 06 registers them)
    learner = {"name": "Learner", "email": s.email("learner")}
    claim = requests.post(f"{api}/users", json=learner, timeout=30).json()["user"]
order = {"userId": claim["userId"], "itemId": "Seatbelt", "quantity": 1}
placed = requests.post(f"{api}/orders", json=order, timeout=30).json()["order"]

# PLACED -> CANCELLED is a move OrderStatusFunction allows; it returns the unit to the stock.
cancel = {"orderId": placed["orderId"], "userId": claim["userId"], "status": "cancelled"}
answer = requests.put(f"{api}/orders", json=cancel, headers=admin, timeout=30)
print(answer.status_code, answer.json()["order"]["status"])
