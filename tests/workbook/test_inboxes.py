"""workbook.inboxes: the mail a notebook caused, shown whole, on the local cloud and on AWS."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from workbook import inboxes, mailbox

FOOTER = (
    "\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit "
    "the link below to unsubscribe:\nhttp://127.0.0.1:4566/_localcloud/sns/?Action=Unsubscribe"
    "&SubscriptionArn=arn\n\nPlease do not reply directly to this email.\n"
)
LONG = "Hello,\n\nyour order 1234 (2 x Headlight) is now shipped.\n\nThank you for shopping."


def message(to: str, subject: str, body: str, at: str) -> dict[str, object]:
    return {"to": to, "subject": subject, "body": body, "time": pd.Timestamp(at)}


MAIL = {
    "ada@example.com": [
        message("ada@example.com", "Old", "Before." + FOOTER, "2026-01-01T10:00:00Z"),
        message("ada@example.com", "Shipped", LONG + FOOTER, "2026-01-01T12:00:01Z"),
    ],
    "grace@example.com": [
        message("grace@example.com", "Placed", "Yours." + FOOTER, "2026-01-01T12:00:00Z"),
        message("grace@example.com", "Same time", "Tie." + FOOTER, "2026-01-01T12:00:01Z"),
    ],
}
SINCE = datetime(2026, 1, 1, 11, tzinfo=UTC)


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> None:
    """On the local cloud, with the mailboxes above."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    monkeypatch.setattr(mailbox, "inbox", lambda address: pd.DataFrame(MAIL[address]))


def test_show_mail_prints_each_email_whole_oldest_first(
    local: None, capsys: pytest.CaptureFixture[str]
) -> None:
    inboxes.show_mail(["ada@example.com", "grace@example.com"], since=SINCE)
    shown = capsys.readouterr().out
    assert "Old" not in shown  # delivered before `since`
    emails = shown.split("To: ")[1:]
    assert [e.splitlines()[0] for e in emails] == [
        "grace@example.com",
        "ada@example.com",  # same instant as the next: by address
        "grace@example.com",
    ]
    assert f"Subject: Shipped\n\n{LONG}\n\n--\nIf you wish to stop" in shown  # never cut
    assert shown.count("Please do not reply directly to this email.") == 3


def test_show_mail_says_when_nothing_came(local: None, capsys: pytest.CaptureFixture[str]) -> None:
    inboxes.show_mail("ada@example.com", since=datetime(2027, 1, 1, tzinfo=UTC))
    assert capsys.readouterr().out == "No mail to ada@example.com since then.\n"


def test_mail_since_gives_each_whole_message_on_one_line_without_the_footer(local: None) -> None:
    frame = inboxes.mail_since("ada@example.com", since=SINCE)
    assert frame.to_dict("records") == [
        {"to": "ada@example.com", "subject": "Shipped", "message": " ".join(LONG.split())}
    ]


def test_on_aws_they_say_where_the_mail_went(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    inboxes.show_mail(["ada@example.com", "grace@example.com"], since=SINCE)
    frame = inboxes.mail_since("ada@example.com", since=SINCE)
    assert frame.empty and list(frame.columns) == ["to", "subject", "message"]
    assert capsys.readouterr().out.splitlines() == [
        "On AWS this mail went to ada@example.com, grace@example.com: read it in those inboxes.",
        "On AWS this mail went to ada@example.com: read it in those inboxes.",
    ]
