"""Reading the mail a notebook caused, on top of workbook.mailbox.

Local mailboxes keep every message of every run, so notebooks show the mail that arrived
since a moment they recorded. On AWS, mail goes to real inboxes: these helpers say where to
look instead of failing, so a notebook runs through on both targets.
"""

from __future__ import annotations

import os
import re
from datetime import datetime

import pandas as pd
import requests

from workbook import mailbox

# SNS appends an unsubscribe footer to every email, after this line.
FOOTER = "\n\n--\n"
TIMEOUT_S = 10


def _local() -> bool:
    return bool(os.environ.get("AWS_ENDPOINT_URL"))


def mail_since(addresses: str | list[str], since: datetime) -> pd.DataFrame:
    """Messages to `addresses` delivered at or after `since`, oldest first (footer cut)."""
    addresses = [addresses] if isinstance(addresses, str) else addresses
    if not _local():
        print(f"On AWS this mail went to {', '.join(addresses)}: read it in those inboxes.")
        return pd.DataFrame(columns=["to", "subject", "message"])
    frames = [mailbox.inbox(address) for address in addresses]
    mail = pd.concat(frames, ignore_index=True).sort_values("time", ignore_index=True)
    mail = mail[mail["time"] >= pd.Timestamp(since)].reset_index(drop=True)
    # Without the footer, and on one line: a table cell shows line breaks as "\n".
    mail["message"] = mail["body"].str.split(FOOTER, n=1).str[0].str.split().str.join(" ")
    return mail[["to", "subject", "message"]]


def follow_confirmation_link(address: str) -> str:
    """Do what the subscriber does: open the newest confirmation link mailed to `address`.

    Returns the heading of the page SNS answers with.
    """
    if not _local():
        return (
            f"On AWS: open the email 'AWS Notification - Subscription Confirmation' sent to "
            f"{address} and click 'Confirm subscription'."
        )
    links = mailbox.confirmation_links(address)
    if not links:
        raise LookupError(f"no confirmation email for {address}: was it subscribed?")
    page = requests.get(links[-1], timeout=TIMEOUT_S)
    heading = re.search(r"<h1>(.*?)</h1>", page.text)
    return heading.group(1) if heading else page.text
