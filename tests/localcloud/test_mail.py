"""SNS email on the local cloud: confirmation flow, mailboxes, filter policies, formats."""

from __future__ import annotations

import json
import mailbox
import re
import time
import uuid
from collections.abc import Callable

import pytest
import requests

from workbook import mailbox as notebook_mailbox

LINK = re.compile(r"http://\S+Action=ConfirmSubscription\S+")


def address(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.com"


def mail_of(cloud, to: str) -> list[dict[str, str]]:  # noqa: ANN001
    answer = requests.get(f"{cloud.endpoint_url}/_localcloud/mail", params={"to": to}, timeout=5)
    answer.raise_for_status()
    return answer.json()


def wait_for(check: Callable[[], bool], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def sns(cloud):  # noqa: ANN001, ANN201
    return cloud.client("sns")


@pytest.fixture
def topic(sns) -> str:  # noqa: ANN001
    arn = sns.create_topic(Name=f"shop-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Shop")
    return arn


def test_confirmation_link_then_one_message_per_publish(cloud, sns, topic) -> None:  # noqa: ANN001
    to = address("alice")
    answer = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=to)
    # As on AWS: no ARN for an unconfirmed subscription unless ReturnSubscriptionArn is set.
    assert answer["SubscriptionArn"] == "pending confirmation"
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation"]

    sns.publish(TopicArn=topic, Message="before confirmation")
    (confirmation,) = mail_of(cloud, to)  # only the confirmation: nothing else before it
    assert confirmation["subject"] == "AWS Notification - Subscription Confirmation"
    assert confirmation["from"] == "Shop <no-reply@sns.amazonaws.com>"
    assert topic in confirmation["body"]

    page = requests.get(LINK.search(confirmation["body"]).group(0), timeout=5)
    assert page.status_code == 200 and "Subscription confirmed!" in page.text
    (sub,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])
    assert attributes["Attributes"]["PendingConfirmation"] == "false"

    sns.publish(TopicArn=topic, Message="Your order shipped", Subject="Order update")
    messages = mail_of(cloud, to)
    assert [m["subject"] for m in messages] == [
        "AWS Notification - Subscription Confirmation",
        "Order update",
    ]
    body = messages[1]["body"]
    assert body.startswith("Your order shipped\n\n--\nIf you wish to stop receiving")

    # The mailbox is a real Maildir of RFC 5322 messages on disk.
    box = mailbox.Maildir(cloud.data_dir / "mail" / to, create=False)
    on_disk = sorted(box, key=lambda m: m["Date"])
    assert len(on_disk) == 2 and all(m["Message-ID"] and m["Date"] for m in on_disk)
    assert on_disk[-1]["To"] == to

    # The footer's link unsubscribes: nothing more arrives.
    unsubscribe = re.search(r"http://\S+Action=Unsubscribe\S+", body).group(0)
    assert "Subscription removed!" in requests.get(unsubscribe, timeout=5).text
    sns.publish(TopicArn=topic, Message="after unsubscribing")
    assert len(mail_of(cloud, to)) == 2


def test_default_subject_and_pending_attribute(cloud, sns, topic) -> None:  # noqa: ANN001
    to = address("carol")
    arn = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=to, ReturnSubscriptionArn=True)[
        "SubscriptionArn"
    ]
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["PendingConfirmation"] == "true"
    token = re.search(r"Token=(\w+)", mail_of(cloud, to)[0]["body"]).group(1)
    assert sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"] == arn
    sns.publish(TopicArn=topic, Message="no subject given")
    assert mail_of(cloud, to)[-1]["subject"] == "AWS Notification Message"


def test_filter_policy_keeps_each_users_mail_private(cloud, sns, topic) -> None:  # noqa: ANN001
    users = {"A": address("user-a"), "B": address("user-b")}
    for user_id, to in users.items():
        sns.subscribe(
            TopicArn=topic,
            Protocol="email",
            Endpoint=to,
            Attributes={"FilterPolicy": json.dumps({"userId": [user_id]})},
        )
    # A follows the link; B's confirmation goes through the API with the mailed token.
    requests.get(LINK.search(mail_of(cloud, users["A"])[0]["body"]).group(0), timeout=5)
    token = re.search(r"Token=(\w+)", mail_of(cloud, users["B"])[0]["body"]).group(1)
    sns.confirm_subscription(TopicArn=topic, Token=token)

    for user_id, text in [("A", "for A #1"), ("B", "for B only"), ("A", "for A #2")]:
        sns.publish(
            TopicArn=topic,
            Message=text,
            MessageAttributes={"userId": {"DataType": "String", "StringValue": user_id}},
        )
    sns.publish(TopicArn=topic, Message="no userId: nobody")

    bodies = {u: [m["body"] for m in mail_of(cloud, to)[1:]] for u, to in users.items()}
    assert [b.split("\n")[0] for b in bodies["A"]] == ["for A #1", "for A #2"]
    assert [b.split("\n")[0] for b in bodies["B"]] == ["for B only"]
    assert not any("for B" in b for b in bodies["A"])
    assert not any("for A" in b for b in bodies["B"])


def test_filter_policy_on_message_body(cloud, sns, topic) -> None:  # noqa: ANN001
    to = address("body")
    sns.subscribe(
        TopicArn=topic,
        Protocol="email",
        Endpoint=to,
        Attributes={
            "FilterPolicyScope": "MessageBody",
            "FilterPolicy": json.dumps({"status": ["SHIPPED"]}),
        },
    )
    notebook_confirm(cloud, topic)
    sns.publish(TopicArn=topic, Message=json.dumps({"status": "PLACED"}))
    sns.publish(TopicArn=topic, Message=json.dumps({"status": "SHIPPED"}))
    (delivered,) = mail_of(cloud, to)[1:]
    assert delivered["body"].startswith('{"status": "SHIPPED"}')


def notebook_confirm(cloud, topic: str) -> list[str]:  # noqa: ANN001
    answer = requests.post(
        f"{cloud.endpoint_url}/_localcloud/sns/confirm-pending", json={"topicArn": topic}, timeout=5
    )
    answer.raise_for_status()
    return answer.json()["confirmed"]


def test_email_json_gets_the_json_notification(cloud, sns, topic) -> None:  # noqa: ANN001
    to_json, to_text = address("json"), address("text")
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint=to_json)
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=to_text)
    confirmation = json.loads(mail_of(cloud, to_json)[0]["body"])
    assert confirmation["Type"] == "SubscriptionConfirmation"
    assert confirmation["TopicArn"] == topic and confirmation["Token"]
    requests.get(confirmation["SubscribeURL"], timeout=5).raise_for_status()
    assert len(notebook_confirm(cloud, topic)) == 1  # the email one; email-json is done

    per_protocol = {"default": "plain", "email": "for people", "email-json": "for programs"}
    message_id = sns.publish(
        TopicArn=topic, Message=json.dumps(per_protocol), MessageStructure="json", Subject="Hi"
    )["MessageId"]
    document = json.loads(mail_of(cloud, to_json)[-1]["body"])
    assert document["Type"] == "Notification"
    assert document["MessageId"] == message_id
    assert document["TopicArn"] == topic
    assert document["Subject"] == "Hi"
    assert document["Message"] == "for programs"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", document["Timestamp"])
    assert document["UnsubscribeURL"].startswith(f"{cloud.endpoint_url}/_localcloud/sns/")
    assert {"Signature", "SignatureVersion", "SigningCertURL"} <= document.keys()
    assert mail_of(cloud, to_text)[-1]["body"].startswith("for people\n")


def test_sms_is_recorded_not_sent(cloud, sns, topic) -> None:  # noqa: ANN001
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550123")
    sns.publish(TopicArn=topic, Message="Your code is 1234")
    sns.publish(PhoneNumber="+15555550124", Message="direct text")
    deliveries = requests.get(f"{cloud.endpoint_url}/_localcloud/sns/deliveries", timeout=5)
    recorded = {(d["endpoint"], d["message"]) for d in deliveries.json()}
    assert ("+15555550123", "Your code is 1234") in recorded
    assert ("+15555550124", "direct text") in recorded


def test_notebook_helpers(cloud, sns, topic, monkeypatch) -> None:  # noqa: ANN001
    to = address("learner")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=to)
    monkeypatch.setenv("AWS_ENDPOINT_URL", cloud.endpoint_url)
    (link,) = notebook_mailbox.confirmation_links(to)
    assert "Action=ConfirmSubscription" in link
    assert len(notebook_mailbox.confirm_pending_subscriptions(topic)) == 1
    sns.publish(TopicArn=topic, Message="hello learner", Subject="Welcome")
    wait_for(lambda: len(mail_of(cloud, to)) == 2)
    frame = notebook_mailbox.inbox(to)
    assert list(frame.columns) == ["to", "subject", "body", "time"]
    assert list(frame["subject"]) == ["AWS Notification - Subscription Confirmation", "Welcome"]
    assert frame["time"].is_monotonic_increasing

    monkeypatch.delenv("AWS_ENDPOINT_URL")
    with pytest.raises(RuntimeError, match="real inbox"):
        notebook_mailbox.inbox(to)
