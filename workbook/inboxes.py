"""Reading the mail a notebook caused, on top of workbook.mailbox.

Local mailboxes keep every message of every run, so notebooks show the mail that arrived
since a moment they recorded. On AWS, mail goes to real inboxes: these helpers say where to
look instead of failing, so a notebook runs through on both targets. Waiting for a subscriber
to confirm is the same on both: the notebook asks SNS (GetSubscriptionAttributes) until the
subscription is no longer pending.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime

import pandas as pd

from workbook import mailbox

# SNS appends an unsubscribe footer to every email, after this line.
FOOTER = "\n\n--\n"
CONFIRMATION_SUBJECT = "AWS Notification - Subscription Confirmation"
# A person opens the email in seconds or minutes; the same limit on both targets, since the
# wait ends as soon as the subscription is confirmed.
CONFIRM_TIMEOUT_S = 15 * 60
FIRST_PAUSE_S, LAST_PAUSE_S = 0.5, 10.0


def _local() -> bool:
    return bool(os.environ.get("AWS_ENDPOINT_URL"))


def mail_since(addresses: str | list[str], since: datetime) -> pd.DataFrame:
    """Messages to `addresses` delivered at or after `since`, oldest first, one row each: the
    whole message on one line, without SNS's footer (`show_mail` prints emails whole)."""
    addresses = [addresses] if isinstance(addresses, str) else addresses
    if not _local():
        print(f"On AWS this mail went to {', '.join(addresses)}: read it in those inboxes.")
        return pd.DataFrame(columns=["to", "subject", "message"])
    mail = _inboxes(addresses, since)
    # Without the footer, and on one line: a table cell shows line breaks as "\n".
    mail["message"] = mail["body"].str.split(FOOTER, n=1).str[0].str.split().str.join(" ")
    return mail[["to", "subject", "message"]]


def show_mail(addresses: str | list[str], since: datetime) -> None:
    """Print every email delivered to `addresses` at or after `since`, whole (with the
    unsubscribe footer SNS adds), oldest first."""
    addresses = [addresses] if isinstance(addresses, str) else addresses
    if not _local():
        print(f"On AWS this mail went to {', '.join(addresses)}: read it in those inboxes.")
        return
    mail = _inboxes(addresses, since)
    if mail.empty:
        print(f"No mail to {', '.join(addresses)} since then.")
    for _, message in mail.iterrows():
        _print_email(message)


def show_confirmation_email(address: str) -> None:
    """Print the newest subscription confirmation email sent to `address`, whole: in
    JupyterLab its link is clickable, and following it confirms the subscription, as clicking
    it in a real inbox does on AWS."""
    if not _local():
        print(f"On AWS this email went to {address}: open it in that inbox.")
        return
    mail = mailbox.inbox(address)
    mail = mail[mail["subject"] == CONFIRMATION_SUBJECT]
    if mail.empty:
        raise LookupError(f"no confirmation email to {address}: was it subscribed?")
    _print_email(mail.iloc[-1])


def _inboxes(addresses: list[str], since: datetime) -> pd.DataFrame:
    """The local mailboxes of `addresses` since `since`, oldest first (then by address, so
    messages delivered in the same instant keep one order)."""
    frames = [mailbox.inbox(address) for address in addresses]
    mail = pd.concat(frames, ignore_index=True).sort_values(["time", "to"], ignore_index=True)
    return mail[mail["time"] >= pd.Timestamp(since)].reset_index(drop=True)


def _print_email(message: pd.Series) -> None:
    print(f"To: {message['to']}\nSubject: {message['subject']}\n\n{message['body'].strip()}\n")


def wait_for_confirmation(
    address: str,
    pending: Callable[[], bool],
    *,
    timeout_s: float = CONFIRM_TIMEOUT_S,
) -> None:
    """Ask the owner of `address` to confirm, then call `pending` (the notebook's
    GetSubscriptionAttributes) until it says the subscription is confirmed.

    A person takes seconds to minutes, so the checks back off from half a second to 10 s;
    TimeoutError after `timeout_s`. The wait ends as soon as the subscription is confirmed.
    """
    print(
        f"Waiting for {address} to confirm: open the email '{CONFIRMATION_SUBJECT}' "
        "and follow its link (on the local cloud, the link in the email shown above)."
    )
    deadline = time.monotonic() + timeout_s
    pause = FIRST_PAUSE_S
    while pending():
        if time.monotonic() + pause > deadline:
            raise TimeoutError(
                f"{address} did not confirm within {timeout_s / 60:.0f} min. Follow the link "
                "in the confirmation email (look in the spam folder too), then run this cell "
                "again. Headless on the local cloud, nobody clicks: start it with "
                "LOCALCLOUD_SIMULATED_RECIPIENT=1."
            )
        time.sleep(pause)
        pause = min(pause * 2, LAST_PAUSE_S)
    print(f"{address} confirmed the subscription.")
