"""SNS email on the local cloud: mailboxes on disk and AWS's subscription confirmation flow.

Every email or email-json delivery becomes an RFC 5322 message in a Maildir per recipient,
`<data_dir>/mail/<address>/` (readable with `mailbox.Maildir` or any mail client), written
after the Publish (or Subscribe) has answered, as on AWS (`mail_delivery.py`). A new email
subscription is pending, as on AWS: its address first gets AWS's confirmation email, whose link
points at this server (`/_localcloud/sns/?Action=ConfirmSubscription&...`), and nothing else
reaches it until the link is followed (or ConfirmSubscription is called with the token).
With LOCALCLOUD_SIMULATED_RECIPIENT=1 the local cloud plays each recipient for headless runs
(tests, CI, scripts): it follows every confirmation link it mails, `recipient_confirms_s`
(realism.py) after the email arrives, as a person reading it would. Off by default, so that
a learner really clicks.
Deliveries that cannot leave the machine (SMS, mobile push, Firehose) are recorded instead.

HTTP API, for clients that do not share the server's filesystem:
  GET  /_localcloud/mail?to=<address>         messages as JSON, oldest first (&wait=1: once
                                              the emails accepted before it are written)
  GET  /_localcloud/sns/?Action=ConfirmSubscription&TopicArn=..&Token=..   the email's link
  GET  /_localcloud/sns/?Action=Unsubscribe&SubscriptionArn=..             the footer's link
  POST /_localcloud/sns/confirm-pending       confirm pending subscriptions (JSON body with
                                              optional topicArn / endpoint to narrow them)
  GET  /_localcloud/sns/deliveries            recorded SMS, push and Firehose deliveries
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import html
import json
import mailbox
import os
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from localcloud import mail_format, realism, seams, sns_subscriptions
from localcloud.mail_delivery import DeliveryQueue
from localcloud.maildir import MaildirWriter

MAIL_PATH = "/_localcloud/mail"
SNS_PATH = "/_localcloud/sns/"
DEFAULT_SENDER_NAME = "AWS Notifications"
DEFAULT_SUBJECT = "AWS Notification Message"
CONFIRMATION_SUBJECT = "AWS Notification - Subscription Confirmation"
EMAIL_PROTOCOLS = ("email", "email-json")
SIMULATED_RECIPIENT_VARIABLE = "LOCALCLOUD_SIMULATED_RECIPIENT"
# `GET /_localcloud/mail?wait=1` answers after this at most, with what is written by then.
WAIT_FOR_WRITTEN_S = 5.0


def simulated_recipient() -> bool:
    """Whether LOCALCLOUD_SIMULATED_RECIPIENT asks the cloud to confirm its own mail."""
    return os.environ.get(SIMULATED_RECIPIENT_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


def matches(path: str) -> bool:
    """The paths this module serves (for the server's route table)."""
    return path == MAIL_PATH or path.startswith(SNS_PATH)


def sns_timestamp(moment: dt.datetime) -> str:
    """SNS's Timestamp format: 2026-11-27T09:31:00.123Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class MailStore:
    """One Maildir per recipient under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.writer = MaildirWriter()

    def folder(self, address: str) -> Path:
        # Addresses are case-insensitive in practice; keep one folder per address.
        name = address.strip().lower().replace("/", "_").replace("\\", "_").lstrip(".")
        return self.root / (name or "_")

    def deliver(self, message: mail_format.Email) -> None:
        for recipient in message.recipients:
            self.writer.add(self.folder(recipient), message.data)

    def messages(self, address: str) -> list[dict[str, str]]:
        """The address's messages, oldest first, as plain data."""
        folder = self.folder(address)
        if not folder.is_dir():
            return []
        box = mailbox.Maildir(folder, factory=_parse, create=False)
        found = sorted((_delivered(key), message) for key, message in box.iteritems())
        return [_summary(message, when) for when, message in found]


def _parse(file: Any) -> EmailMessage:
    return email.message_from_binary_file(file, policy=email.policy.default)


def _delivered(key: str) -> dt.datetime:
    """When a message was delivered, to the microsecond: Maildir names start with the time
    ("<seconds>.M<microseconds>P<pid>..."), while the Date header has whole seconds only."""
    match = re.match(r"(\d+)(?:\.M(\d+))?", key)
    seconds = int(match.group(1)) if match else 0  # 0: a name another program chose
    micros = int(match.group(2) or 0) if match else 0
    return dt.datetime.fromtimestamp(seconds, dt.UTC) + dt.timedelta(microseconds=micros)


def _summary(message: EmailMessage, delivered: dt.datetime) -> dict[str, str]:
    body = message.get_body(("plain",))
    return {
        "to": str(message["To"]),
        "from": str(message["From"]),
        "subject": str(message["Subject"]),
        "body": body.get_content() if body is not None else "",
        "date": delivered.isoformat(timespec="microseconds"),
        "messageId": str(message["Message-ID"]),
    }


@dataclass(frozen=True)
class PendingToken:
    account_id: str
    region: str
    topic_arn: str
    subscription_arn: str


class SnsEmail:
    """The SNS hooks (`seams.SnsHooks`) that deliver email, and the WSGI app of its links."""

    def __init__(self, endpoint_url: str, data_dir: Path) -> None:
        self.endpoint_url = endpoint_url
        self.store = MailStore(data_dir / "mail")
        self.tokens: dict[str, PendingToken] = {}
        self.deliveries: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.recipient_confirms = simulated_recipient()
        self.outbox = DeliveryQueue(realism.delays().email_delivery_s)

    def install(self) -> None:
        seams.install_sns_hooks(
            seams.SnsHooks(
                subscribed=self.subscribed,
                deliver=self.deliver,
                confirm=self.confirm,
                resubscribe=sns_subscriptions.check_resubscribe,
            )
        )
        self.outbox.start()

    def stop(self) -> None:
        """Write the emails already accepted (the server is stopping)."""
        self.outbox.stop()

    # -- SNS hooks --------------------------------------------------------------------------

    def subscribed(self, sub: seams.SubscriptionView) -> None:
        """Send the confirmation email of a new (pending) email subscription."""
        token = secrets.token_hex(64)
        with self.lock:
            self.tokens[token] = PendingToken(sub.account_id, sub.region, sub.topic_arn, sub.arn)
        link = self.confirm_url(sub, token)
        if sub.protocol == "email-json":
            body = _json_text(
                {
                    "Type": "SubscriptionConfirmation",
                    "MessageId": str(uuid.uuid4()),
                    "Token": token,
                    "TopicArn": sub.topic_arn,
                    "Message": (
                        f"You have chosen to subscribe to the topic {sub.topic_arn}.\n"
                        "To confirm the subscription, visit the SubscribeURL included in this "
                        "message."
                    ),
                    "SubscribeURL": link,
                    "Timestamp": sns_timestamp(dt.datetime.now(dt.UTC)),
                }
            )
        else:
            body = (
                f"You have chosen to subscribe to the topic: \n{sub.topic_arn}\n\n"
                "To confirm this subscription, click or visit the link below "
                f"(If this was in error no action is necessary): \n{link}\n\n"
                "Please do not reply directly to this email. If you wish to remove yourself from "
                "receiving all future SNS subscription confirmation requests please send an email "
                "to sns-opt-out"
            )
        # The simulated recipient opens the email once it is there.
        opened = partial(self._recipient_follows, sub.topic_arn, token)
        self._send(sub, CONFIRMATION_SUBJECT, body, opened if self.recipient_confirms else None)

    def _recipient_follows(self, topic_arn: str, token: str) -> None:
        """The simulated recipient opens the email and follows its link, a moment later."""

        def follow() -> None:
            # SnsError: unsubscribed (or its topic deleted) before the recipient got to it.
            with contextlib.suppress(seams.SnsError):
                self.confirm_token(topic_arn, token)

        timer = threading.Timer(realism.delays().recipient_confirms_s, follow)
        timer.daemon = True  # a recipient who has not clicked yet never holds the server up
        timer.start()

    def deliver(
        self,
        sub: seams.SubscriptionView,
        message: str,
        message_id: str,
        subject: str | None,
        attributes: dict[str, Any] | None,
    ) -> None:
        if sub.protocol == "email":
            body = (
                f"{message}\n\n--\n"
                "If you wish to stop receiving notifications from this topic, please click or "
                f"visit the link below to unsubscribe:\n{self.unsubscribe_url(sub)}\n\n"
                "Please do not reply directly to this email. If you have any questions or comments "
                "regarding this email, please contact us at https://aws.amazon.com/support"
            )
            self._send(sub, subject or DEFAULT_SUBJECT, body)
        elif sub.protocol == "email-json":
            document = seams.sns_notification_document(
                sub, message, message_id, subject, attributes
            )
            document["UnsubscribeURL"] = self.unsubscribe_url(sub)
            self._send(sub, subject or DEFAULT_SUBJECT, _json_text(document))
        else:
            # Recorded at once: appending to a list costs less than queueing it would.
            with self.lock:
                self.deliveries.append(
                    {
                        "protocol": sub.protocol,
                        "endpoint": sub.endpoint,
                        "subscriptionArn": sub.arn,
                        "topicArn": sub.topic_arn,
                        "messageId": message_id,
                        "subject": subject,
                        "message": message,
                        "timestamp": sns_timestamp(dt.datetime.now(dt.UTC)),
                    }
                )

    def _send(
        self,
        sub: seams.SubscriptionView,
        subject: str,
        body: str,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Mail `body` to the subscription's address after this call returns; `then` after."""
        sender_name = sub.topic_display_name or DEFAULT_SENDER_NAME

        def deliver() -> None:
            message = mail_format.render(
                sender_name,
                sub.endpoint,
                subject,
                body,
                date=format_datetime(dt.datetime.now(dt.UTC)),
                message_id=make_msgid(domain="email.amazonses.com"),
            )
            self.store.deliver(message)
            if then is not None:
                then()

        self.outbox.submit(deliver, f"the email {subject!r} to {sub.endpoint} ({sub.arn})")

    def confirm(self, account_id: str, region: str, topic_arn: str, token: str) -> str:
        """ConfirmSubscription (the API call): tokens are unique, so the caller's account and
        region do not matter."""
        return self.confirm_token(topic_arn, token)

    def confirm_token(self, topic_arn: str, token: str) -> str:
        """The confirmed subscription's ARN, or SnsError for a token we never sent."""
        with self.lock:
            pending = self.tokens.get(token)
        if pending is None or pending.topic_arn != topic_arn:
            raise seams.SnsError("Invalid parameter: Token")
        confirmed = seams.sns_confirm(pending.account_id, pending.region, pending.subscription_arn)
        if confirmed is None:
            raise seams.SnsError("Invalid parameter: Token")
        return confirmed.arn

    def confirm_pending(self, topic_arn: str | None, endpoint: str | None) -> list[str]:
        """Confirm every pending subscription (of one topic / address if given)."""
        confirmed = []
        for sub in seams.sns_subscriptions():
            if not sub.pending:
                continue
            if topic_arn and sub.topic_arn != topic_arn:
                continue
            if endpoint and sub.endpoint.lower() != endpoint.lower():
                continue
            if seams.sns_confirm(sub.account_id, sub.region, sub.arn) is not None:
                confirmed.append(sub.arn)
        return confirmed

    def recorded_deliveries(self) -> list[dict[str, Any]]:
        with self.lock:
            recorded = list(self.deliveries)
        direct = [
            {"protocol": "sms", "endpoint": s["phoneNumber"], **s} for s in seams.sns_direct_sms()
        ]
        return recorded + direct

    # -- links ------------------------------------------------------------------------------

    def confirm_url(self, sub: seams.SubscriptionView, token: str) -> str:
        query = {
            "Action": "ConfirmSubscription",
            "TopicArn": sub.topic_arn,
            "Token": token,
            "Endpoint": sub.endpoint,
        }
        return f"{self.endpoint_url}{SNS_PATH}?{urlencode(query)}"

    def unsubscribe_url(self, sub: seams.SubscriptionView) -> str:
        query = {"Action": "Unsubscribe", "SubscriptionArn": sub.arn, "Endpoint": sub.endpoint}
        return f"{self.endpoint_url}{SNS_PATH}?{urlencode(query)}"

    # -- WSGI -------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        return self.respond(request)(environ, start_response)

    def respond(self, request: Request) -> Response:
        path, method, args = request.path, request.method, request.args
        if path == MAIL_PATH and method == "GET":
            address = args.get("to")
            if not address:
                return _json_response({"message": "give the recipient: ?to=<address>"}, 400)
            if args.get("wait"):
                self.outbox.wait_until_written(WAIT_FOR_WRITTEN_S)
            return _json_response(self.store.messages(address))
        if path == SNS_PATH + "confirm-pending" and method == "POST":
            body = request.get_json(silent=True) or {}
            topic_arn = body.get("topicArn") or args.get("topicArn")
            endpoint = body.get("endpoint") or args.get("endpoint")
            return _json_response({"confirmed": self.confirm_pending(topic_arn, endpoint)})
        if path == SNS_PATH + "deliveries" and method == "GET":
            return _json_response(self.recorded_deliveries())
        if path == SNS_PATH and method == "GET":
            action = args.get("Action")
            if action == "ConfirmSubscription":
                return self._confirm_page(args.get("TopicArn", ""), args.get("Token", ""))
            if action == "Unsubscribe":
                return self._unsubscribe_page(args.get("SubscriptionArn", ""))
        return _json_response({"message": f"no such local cloud route: {method} {path}"}, 404)

    def _confirm_page(self, topic_arn: str, token: str) -> Response:
        try:
            arn = self.confirm_token(topic_arn, token)
        except seams.SnsError:
            return _html_page(
                "Subscription not confirmed",
                "<p>The link is not valid: the token is unknown, or the subscription was "
                "deleted.</p>",
                400,
            )
        return _html_page(
            "Subscription confirmed!",
            "<p>You have successfully subscribed.</p>"
            f"<p>Your subscription's id is:<br>{html.escape(arn)}</p>",
        )

    def _unsubscribe_page(self, subscription_arn: str) -> Response:
        parts = subscription_arn.split(":")
        removed = None
        if len(parts) >= 7:
            removed = seams.sns_unsubscribe(parts[4], parts[3], subscription_arn)
        if removed is None:
            return _html_page(
                "Subscription not found", "<p>There is no such subscription (any more).</p>", 404
            )
        return _html_page(
            "Subscription removed!",
            "<p>Your subscription to the topic below has been deactivated. You will no longer "
            f"receive notifications from this topic.</p><p>{html.escape(removed.topic_arn)}</p>",
        )


def _json_text(document: dict[str, Any]) -> str:
    # SNS's own layout for JSON notifications: two-space indent, " : " between key and value.
    return json.dumps(document, indent=2, separators=(",", " : "))


def _json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _html_page(title: str, body: str, status: int = 200) -> Response:
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>Amazon Simple Notification Service</title></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return Response(page, status=status, mimetype="text/html")
