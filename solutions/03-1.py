# 03-1: a third customer, demo-linus, subscribed with a filter on his userId and confirmed;
# then one message for him and one for demo-ada: only his reaches his inbox (on AWS once his
# new filter policy is in force, up to 15 minutes after subscribing).
import json
from datetime import UTC, datetime

import boto3

from workbook.inboxes import show_confirmation_email, show_mail, wait_for_confirmation

sns = boto3.client("sns")
topic_arn, email = s.arns["TopicArn"], s.email("demo-linus")
subscription_arn = sns.subscribe(
    TopicArn=topic_arn,
    Protocol="email",
    Endpoint=email,
    ReturnSubscriptionArn=True,
    Attributes={
        "FilterPolicyScope": "MessageAttributes",
        "FilterPolicy": json.dumps({"userId": ["demo-linus"]}),
    },
)["SubscriptionArn"]
show_confirmation_email(email)


def pending() -> bool:
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription_arn)["Attributes"]
    return attributes["PendingConfirmation"] == "true"


wait_for_confirmation(email, pending)

published = datetime.now(UTC)
for user_id in ["demo-linus", "demo-ada"]:
    sns.publish(
        TopicArn=topic_arn,
        Subject=f"Hello {user_id}",
        Message=f"This message is for {user_id} only.",
        MessageAttributes={"userId": {"DataType": "String", "StringValue": user_id}},
    )
show_mail(email, since=published)
