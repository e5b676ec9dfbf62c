"""SNS email on the local cloud: confirmation flow, mailboxes, filter policies, formats."""

from __future__ import annotations

import json
import mailbox
import re
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import requests
from botocore.exceptions import ClientError

from localcloud import realism
from tests.conftest import SIMULATED_RECIPIENT, LocalCloud, start_cloud
from workbook import inboxes
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


@pytest.fixture(scope="module")
def recipient_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """A cloud that plays the recipient; this suite's `cloud` does not (conftest.py)."""
    yield from start_cloud(tmp_path_factory, SIMULATED_RECIPIENT)


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


def pending(sns, arn: str) -> str:  # noqa: ANN001
    return sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["PendingConfirmation"]


def subscribe_filtered(sns, topic: str, to: str, user_id: str) -> str:  # noqa: ANN001
    return sns.subscribe(
        TopicArn=topic,
        Protocol="email",
        Endpoint=to,
        Attributes={"FilterPolicy": json.dumps({"userId": [user_id]})},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]


def publish_for(sns, topic: str, user_id: str, text: str) -> None:  # noqa: ANN001
    attributes = {"userId": {"DataType": "String", "StringValue": user_id}}
    sns.publish(TopicArn=topic, Message=text, MessageAttributes=attributes)


def test_the_simulated_recipient_confirms_after_a_moment(recipient_cloud) -> None:  # noqa: ANN001
    sns = recipient_cloud.client("sns")
    topic = sns.create_topic(Name=f"shop-{uuid.uuid4().hex[:8]}")["TopicArn"]
    to = address("headless")
    subscribed = time.monotonic()
    arn = subscribe_filtered(sns, topic, to, "A")
    assert pending(sns, arn) == "true"  # as on AWS, until the recipient follows the link
    publish_for(sns, topic, "A", "too early")

    wait_for(lambda: pending(sns, arn) == "false", seconds=10)
    # Not at once: a person takes a moment to open the email (LOCALCLOUD_REALISM's figure).
    assert time.monotonic() - subscribed >= realism.delays().recipient_confirms_s * 0.8
    publish_for(sns, topic, "B", "for someone else")
    publish_for(sns, topic, "A", "for A")
    wait_for(lambda: len(mail_of(recipient_cloud, to)) == 2)
    subjects = [m["subject"] for m in mail_of(recipient_cloud, to)]
    assert subjects[0] == "AWS Notification - Subscription Confirmation"
    assert mail_of(recipient_cloud, to)[1]["body"].startswith("for A\n")  # nothing else came


def test_without_the_simulated_recipient_a_subscription_stays_pending(cloud, sns, topic) -> None:  # noqa: ANN001
    to = address("nobody-clicks")
    arn = subscribe_filtered(sns, topic, to, "A")
    time.sleep(realism.delays().recipient_confirms_s + 1)
    assert pending(sns, arn) == "true"
    publish_for(sns, topic, "A", "never delivered")
    assert [m["subject"] for m in mail_of(cloud, to)] == [
        "AWS Notification - Subscription Confirmation"
    ]


def test_a_pending_subscription_cannot_be_unsubscribed(cloud, sns, topic) -> None:  # noqa: ANN001
    """AWS refuses Unsubscribe while confirmation is pending, even with the ARN that
    ReturnSubscriptionArn gave; once confirmed, it can go."""
    to = address("pending")
    arn = subscribe_filtered(sns, topic, to, "A")
    with pytest.raises(ClientError) as refused:
        sns.unsubscribe(SubscriptionArn=arn)
    assert refused.value.response["Error"]["Code"] == "InvalidParameter"
    assert refused.value.response["Error"]["Message"] == (
        "Invalid parameter: SubscriptionArn Reason: Cannot unsubscribe a subscription that is "
        "pending confirmation"
    )
    assert pending(sns, arn) == "true"  # still there

    requests.get(LINK.search(mail_of(cloud, to)[0]["body"]).group(0), timeout=5)
    sns.unsubscribe(SubscriptionArn=arn)
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_notebook_waits_for_the_recipient_to_confirm(recipient_cloud, monkeypatch, capsys) -> None:  # noqa: ANN001
    sns = recipient_cloud.client("sns")
    topic = sns.create_topic(Name=f"shop-{uuid.uuid4().hex[:8]}")["TopicArn"]
    to = address("waiting")
    arn = subscribe_filtered(sns, topic, to, "A")
    monkeypatch.setenv("AWS_ENDPOINT_URL", recipient_cloud.endpoint_url)

    inboxes.show_confirmation_email(to)
    shown = capsys.readouterr().out
    assert shown.startswith(f"To: {to}\nSubject: AWS Notification - Subscription Confirmation\n")
    assert LINK.search(shown) and topic in shown  # the whole email, with the link to click

    inboxes.wait_for_confirmation(to, lambda: pending(sns, arn) == "true")
    assert pending(sns, arn) == "false"
    assert capsys.readouterr().out.splitlines() == [
        f"Waiting for {to} to confirm: open the email 'AWS Notification - Subscription "
        "Confirmation' and follow its link (on the local cloud, the link in the email shown "
        "above).",
        f"{to} confirmed the subscription.",
    ]


def test_notebook_wait_for_confirmation_gives_up_with_what_to_do(sns, topic) -> None:  # noqa: ANN001
    to = address("away")
    arn = subscribe_filtered(sns, topic, to, "A")
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="LOCALCLOUD_SIMULATED_RECIPIENT=1"):
        inboxes.wait_for_confirmation(to, lambda: pending(sns, arn) == "true", timeout_s=2)
    assert time.monotonic() - started < 3  # it never sleeps past its deadline
