# 03-2: Grace also receives the messages for demo-ada. Her subscription stays (a new one would
# need confirming again); only its filter policy changes. On AWS a changed filter policy can
# take up to 15 minutes to apply everywhere.
import json

import boto3

sns = boto3.client("sns")
grace = s.email("demo-grace")
subscriptions = sns.list_subscriptions_by_topic(TopicArn=s.arns["TopicArn"])["Subscriptions"]
subscription_arn = next(sub["SubscriptionArn"] for sub in subscriptions if sub["Endpoint"] == grace)
sns.set_subscription_attributes(
    SubscriptionArn=subscription_arn,
    AttributeName="FilterPolicy",
    AttributeValue=json.dumps({"userId": ["demo-grace", "demo-ada"]}),
)
sns.get_subscription_attributes(SubscriptionArn=subscription_arn)["Attributes"]["FilterPolicy"]
