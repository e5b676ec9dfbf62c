"""The local cloud's mailboxes, for notebooks: what SNS emailed, and its confirmation links.

On the local cloud (AWS_ENDPOINT_URL set) every SNS email lands in a local mailbox, read here
over the cloud's HTTP API. SNS delivers after Publish (and Subscribe) has answered, as on AWS,
so a read first waits until the emails SNS had accepted are delivered: a notebook that
publishes and then shows the inbox sees what it sent, as a person who looks a moment later
would. On real AWS the mail goes to real inboxes, so these helpers refuse.
"""

from __future__ import annotations

import os
import re

import pandas as pd
import requests

CONFIRM_LINK = re.compile(r"https?://[^\s\"<>]*Action=ConfirmSubscription[^\s\"<>]*")
TIMEOUT_S = 10


def _endpoint() -> str:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        raise RuntimeError(
            "AWS_ENDPOINT_URL is not set, so this notebook talks to real AWS: SNS sends real "
            "email there. Check the real inbox of the address (and its spam folder) instead."
        )
    return endpoint.rstrip("/")


def _messages(address: str) -> list[dict[str, str]]:
    answer = requests.get(
        f"{_endpoint()}/_localcloud/mail", params={"to": address, "wait": 1}, timeout=TIMEOUT_S
    )
    answer.raise_for_status()
    return answer.json()


def inbox(address: str) -> pd.DataFrame:
    """The messages SNS sent to `address`, oldest first: columns to, subject, body, time."""
    frame = pd.DataFrame(_messages(address), columns=["to", "subject", "body", "date"])
    frame["time"] = pd.to_datetime(frame.pop("date"), utc=True)
    return frame.sort_values("time", ignore_index=True)


def confirmation_links(address: str) -> list[str]:
    """The subscription confirmation links mailed to `address`, oldest first."""
    return [link for m in _messages(address) for link in CONFIRM_LINK.findall(m["body"])]


def confirm_pending_subscriptions(topic_arn: str | None = None) -> list[str]:
    """Confirm every pending email subscription (of one topic, if given), as if each address
    had followed its link; returns the confirmed subscription ARNs."""
    answer = requests.post(
        f"{_endpoint()}/_localcloud/sns/confirm-pending",
        json={"topicArn": topic_arn} if topic_arn else {},
        timeout=TIMEOUT_S,
    )
    answer.raise_for_status()
    return answer.json()["confirmed"]
