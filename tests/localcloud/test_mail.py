"""SNS email on the local cloud: confirmation flow, mailboxes, filter policies, formats, and
delivery after Publish has answered (in publication order, nothing lost when the server stops).

SNS delivers after Publish answers, so these tests read a mailbox with `wait=1`: the local
cloud answers once the emails it had accepted are written.
"""

from __future__ import annotations

import json
import mailbox
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage
from functools import partial
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from localcloud import mail_format, realism
from localcloud.mail_delivery import DeliveryQueue
from localcloud.maildir import MaildirWriter
from tests.conftest import SIMULATED_RECIPIENT, LocalCloud, start_cloud
from workbook import inboxes
from workbook import mailbox as notebook_mailbox

LINK = re.compile(r"http://\S+Action=ConfirmSubscription\S+")


def address(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.com"


def on_disk(cloud, to: str) -> list[bytes]:  # noqa: ANN001
    """The files in the address's Maildir now, oldest first (without waiting for anything)."""
    new = cloud.data_dir / "mail" / to / "new"
    files = sorted(new.iterdir(), key=lambda f: maildir_time(f.name)) if new.is_dir() else []
    return [f.read_bytes() for f in files]


def maildir_time(name: str) -> tuple[int, int]:
    seconds, micros = re.match(r"(\d+)\.M(\d+)P", name).groups()
    return int(seconds), int(micros)


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
    (confirmation,) = cloud.mail(to)  # only the confirmation: nothing else before it
    assert confirmation["subject"] == "AWS Notification - Subscription Confirmation"
    assert confirmation["from"] == "Shop <no-reply@sns.amazonaws.com>"
    assert topic in confirmation["body"]

    page = requests.get(LINK.search(confirmation["body"]).group(0), timeout=5)
    assert page.status_code == 200 and "Subscription confirmed!" in page.text
    (sub,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])
    assert attributes["Attributes"]["PendingConfirmation"] == "false"

    sns.publish(TopicArn=topic, Message="Your order shipped", Subject="Order update")
    messages = cloud.mail(to)
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
    assert len(cloud.mail(to)) == 2


def test_default_subject_and_pending_attribute(cloud, sns, topic) -> None:  # noqa: ANN001
    to = address("carol")
    arn = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=to, ReturnSubscriptionArn=True)[
        "SubscriptionArn"
    ]
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["PendingConfirmation"] == "true"
    token = re.search(r"Token=(\w+)", cloud.mail(to)[0]["body"]).group(1)
    assert sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"] == arn
    sns.publish(TopicArn=topic, Message="no subject given")
    assert cloud.mail(to)[-1]["subject"] == "AWS Notification Message"


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
    requests.get(LINK.search(cloud.mail(users["A"])[0]["body"]).group(0), timeout=5)
    token = re.search(r"Token=(\w+)", cloud.mail(users["B"])[0]["body"]).group(1)
    sns.confirm_subscription(TopicArn=topic, Token=token)

    for user_id, text in [("A", "for A #1"), ("B", "for B only"), ("A", "for A #2")]:
        sns.publish(
            TopicArn=topic,
            Message=text,
            MessageAttributes={"userId": {"DataType": "String", "StringValue": user_id}},
        )
    sns.publish(TopicArn=topic, Message="no userId: nobody")

    bodies = {u: [m["body"] for m in cloud.mail(to)[1:]] for u, to in users.items()}
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
    (delivered,) = cloud.mail(to)[1:]
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
    confirmation = json.loads(cloud.mail(to_json)[0]["body"])
    assert confirmation["Type"] == "SubscriptionConfirmation"
    assert confirmation["TopicArn"] == topic and confirmation["Token"]
    requests.get(confirmation["SubscribeURL"], timeout=5).raise_for_status()
    assert len(notebook_confirm(cloud, topic)) == 1  # the email one; email-json is done

    per_protocol = {"default": "plain", "email": "for people", "email-json": "for programs"}
    message_id = sns.publish(
        TopicArn=topic, Message=json.dumps(per_protocol), MessageStructure="json", Subject="Hi"
    )["MessageId"]
    document = json.loads(cloud.mail(to_json)[-1]["body"])
    assert document["Type"] == "Notification"
    assert document["MessageId"] == message_id
    assert document["TopicArn"] == topic
    assert document["Subject"] == "Hi"
    assert document["Message"] == "for programs"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", document["Timestamp"])
    assert document["UnsubscribeURL"].startswith(f"{cloud.endpoint_url}/_localcloud/sns/")
    assert {"Signature", "SignatureVersion", "SigningCertURL"} <= document.keys()
    assert cloud.mail(to_text)[-1]["body"].startswith("for people\n")


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
    wait_for(lambda: len(cloud.mail(to)) == 2)
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
    # The recipient opened the email: it was there (read from disk, not waited for).
    assert len(on_disk(recipient_cloud, to)) == 1
    # Not at once: a person takes a moment to open the email (LOCALCLOUD_REALISM's figure).
    assert time.monotonic() - subscribed >= realism.delays().recipient_confirms_s * 0.8
    publish_for(sns, topic, "B", "for someone else")
    publish_for(sns, topic, "A", "for A")
    wait_for(lambda: len(recipient_cloud.mail(to)) == 2)
    subjects = [m["subject"] for m in recipient_cloud.mail(to)]
    assert subjects[0] == "AWS Notification - Subscription Confirmation"
    assert recipient_cloud.mail(to)[1]["body"].startswith("for A\n")  # nothing else came


def test_without_the_simulated_recipient_a_subscription_stays_pending(cloud, sns, topic) -> None:  # noqa: ANN001
    to = address("nobody-clicks")
    arn = subscribe_filtered(sns, topic, to, "A")
    time.sleep(realism.delays().recipient_confirms_s + 1)
    assert pending(sns, arn) == "true"
    publish_for(sns, topic, "A", "never delivered")
    assert [m["subject"] for m in cloud.mail(to)] == [
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

    requests.get(LINK.search(cloud.mail(to)[0]["body"]).group(0), timeout=5)
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


# ---------------------------------------------------------------- delivery after Publish


def test_publish_answers_even_when_the_mailbox_cannot_be_written(cloud, sns, topic) -> None:  # noqa: ANN001
    """Publish does not wait for the email: a mailbox that cannot be written fails the
    delivery (in the server's log), not the Publish. Written in the Publish, as before, the
    error would have been the Publish's answer (a 500)."""
    to = address("blocked")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=to)
    notebook_confirm(cloud, topic)
    mailbox_path = cloud.data_dir / "mail" / to
    cloud.mail(to)  # the confirmation email is written...
    blocked = mailbox_path.with_name(to + ".aside")
    mailbox_path.rename(blocked)
    mailbox_path.write_text("a file where the Maildir should be")  # ...and the next cannot be

    assert sns.publish(TopicArn=topic, Message="lost", Subject="Blocked")["MessageId"]
    assert cloud.mail(to) == []  # the file is no Maildir
    log = (cloud.data_dir / "server.log").read_text()
    assert f"SNS email: could not deliver the email 'Blocked' to {to}" in log

    mailbox_path.unlink()  # one failure does not stop the deliveries after it
    blocked.rename(mailbox_path)
    sns.publish(TopicArn=topic, Message="delivered", Subject="Unblocked")
    assert [m["subject"] for m in cloud.mail(to)][1:] == ["Unblocked"]


def test_emails_arrive_in_publication_order(cloud, sns, topic) -> None:  # noqa: ANN001
    first, second = address("first"), address("second")
    for to in (first, second):
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=to)
    notebook_confirm(cloud, topic)
    subjects = [f"Update {n:02d}" for n in range(30)]
    for subject in subjects:
        sns.publish(TopicArn=topic, Message=subject, Subject=subject)
    for to in (first, second):
        assert [m["subject"] for m in cloud.mail(to)][1:] == subjects
        # The files' names carry the order too, for any Maildir reader.
        files = on_disk(cloud, to)[1:]
        assert [message_from_bytes(file)["Subject"] for file in files] == subjects


def test_accepted_emails_are_written_when_the_server_stops(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """At LOCALCLOUD_REALISM=aws an email arrives 3 s after its Publish, so stopping the
    server right after publishing finds them queued: they are written before it exits."""
    run = start_cloud(tmp_path_factory, {"LOCALCLOUD_REALISM": "aws"})
    stopping = next(run)
    sns = stopping.client("sns")
    topic = sns.create_topic(Name=f"shop-{uuid.uuid4().hex[:8]}")["TopicArn"]
    to = address("stopping")
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=to)
    notebook_confirm(stopping, topic)
    subjects = [f"Order {n:02d}" for n in range(20)]
    for subject in subjects:
        sns.publish(TopicArn=topic, Message=subject, Subject=subject)
    next(run, None)  # SIGTERM, and wait for the server to exit

    box = mailbox.Maildir(stopping.data_dir / "mail" / to, create=False)
    written = sorted(box.iteritems(), key=lambda item: maildir_time(item[0]))
    assert [m["Subject"] for _, m in written] == [
        "AWS Notification - Subscription Confirmation",
        *subjects,
    ]
    assert "not yet written" not in (stopping.data_dir / "server.log").read_text()


def test_a_delivery_runs_after_its_submit_returns_and_in_order() -> None:
    """The queue behind Publish: submit returns while the delivery before it is still held
    back, and deliveries run in the order they came."""
    outbox = DeliveryQueue(delay_s=0)
    outbox.start()
    release, done = threading.Event(), []
    outbox.submit(lambda: release.wait(10) and done.append("held"), "the held email")
    for n in range(5):
        outbox.submit(partial(done.append, n), f"email {n}")  # returns at once...
    assert done == []  # ...and nothing ran while the first is held
    release.set()
    assert outbox.wait_until_written(timeout_s=10)
    assert done == ["held", 0, 1, 2, 3, 4]
    outbox.stop()


def test_stopping_delivers_what_was_accepted_without_waiting_out_the_delay(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outbox = DeliveryQueue(delay_s=3600)  # nothing would arrive within the test
    outbox.start()
    done: list[int] = []
    for n in range(3):
        outbox.submit(partial(done.append, n), f"email {n}")
    outbox.submit(lambda: 1 / 0, "the broken email")
    outbox.submit(partial(done.append, 3), "email 3")
    assert done == []
    outbox.stop(timeout_s=10)
    assert done == [0, 1, 2, 3]  # all of them, the broken one logged, not lost silently
    assert "SNS email: could not deliver the broken email" in caplog.text
    assert "ZeroDivisionError" in caplog.text
    outbox.submit(partial(done.append, 4), "email 4")  # accepted while stopping: at once
    assert done == [0, 1, 2, 3, 4]


# ---------------------------------------------------------------- the email's file


DATE, MESSAGE_ID = "Tue, 01 Dec 2026 17:38:39 +0000", "<1.2.3@email.amazonses.com>"
ORDER_BODY = (
    "Thank you! Your order 5c0ffee0-03c9-4888-9e2b-ffa27465cd24 for 1 x headlight has been "
    "placed.\n\n--\nIf you wish to stop receiving notifications from this topic, please click "
    "or visit the link below to unsubscribe:\nhttp://127.0.0.1:4566/_localcloud/sns/?Action="
    "Unsubscribe&SubscriptionArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Aorders\n"
)
EMAILS = {  # (topic display name, endpoint, subject, body)
    "plain ASCII, short lines (7bit)": ("Shop", "ada@example.com", "Order update", "short"),
    "an order email (quoted-printable)": ("Orders", "ada@example.com", "Placed", ORDER_BODY),
    "over ten lines (quoted-printable)": ("Orders", "a@example.com", "Long", ORDER_BODY * 4),
    "non-ASCII subject and body": ("Shop", "ada@example.com", "Bestätigung", "Grüße, Zoë"),
    "non-ASCII long lines (base64)": ("Shop", "ada@example.com", "日本", "注文" * 60 + "\n" * 12),
    "a display name in quotes": ("Shop, Inc.", "ada@example.com", "Order", ORDER_BODY),
    "a name in the endpoint": ("Shop", "Ada Lovelace <ada@example.com>", "Order", "x"),
    "a subject to fold": ("Shop", "ada@example.com", "A subject " + "long " * 20, "x"),
    "an encoded word as text": ("Shop", "ada@example.com", "=?utf-8?q?encoded?=", "x"),
    "line ends of every kind": ("Shop", "ada@example.com", "Ends", "a\r\nb\rc\n\n" + "=" * 90),
    "no body": ("AWS Notifications", "ada@example.com", "AWS Notification Message", ""),
}


def written_by_the_email_package(
    tmp_path: Path, name: str, to: str, subject: str, body: str
) -> tuple[str, bytes]:
    """What the local cloud wrote before: an EmailMessage added with `Maildir.add`."""
    message = EmailMessage()
    message["From"] = Address(name, addr_spec="no-reply@sns.amazonaws.com")
    message["To"], message["Subject"] = to, subject
    message["Date"], message["Message-ID"] = DATE, MESSAGE_ID
    message.set_content(body)
    folder = tmp_path / "email-package"
    key = mailbox.Maildir(folder, create=True).add(message)
    return key, (folder / "new" / key).read_bytes()


@pytest.mark.parametrize("case", EMAILS)
def test_an_email_is_the_file_the_email_package_wrote(tmp_path: Path, case: str) -> None:
    name, to, subject, body = EMAILS[case]
    rendered = mail_format.render(name, to, subject, body, date=DATE, message_id=MESSAGE_ID)
    assert rendered.recipients == ["ada@example.com" if "<" in to else to]
    key = MaildirWriter().add(tmp_path / "ours", rendered.data)
    their_key, theirs = written_by_the_email_package(tmp_path, name, to, subject, body)
    assert (tmp_path / "ours" / "new" / key).read_bytes() == theirs
    # The same name scheme: "<seconds>.M<microseconds>P<pid>Q<number>.<host>".
    scheme = re.compile(rf"\d+\.M\d+P{os.getpid()}Q\d+\.[^/:]+")
    assert scheme.fullmatch(key) and scheme.fullmatch(their_key)
    assert {p.name for p in (tmp_path / "ours").iterdir()} == {"cur", "new", "tmp"}
    assert not any((tmp_path / "ours" / "tmp").iterdir())


def test_plain_emails_are_written_without_the_email_package(monkeypatch) -> None:  # noqa: ANN001
    """Most of an email's cost was the email package parsing headers into objects and
    folding them back into text; a plain email no longer builds an EmailMessage at all."""
    built = []
    monkeypatch.setattr(mail_format, "EmailMessage", lambda: built.append(1) or EmailMessage())
    for case in ("plain ASCII, short lines (7bit)", "an order email (quoted-printable)"):
        mail_format.render(*EMAILS[case], date=DATE, message_id=MESSAGE_ID)
    assert built == []
    mail_format.render(*EMAILS["non-ASCII subject and body"], date=DATE, message_id=MESSAGE_ID)
    assert built == [1]
