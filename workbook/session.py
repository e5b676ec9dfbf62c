"""Where the workbook builds: the target (local cloud or AWS), region, account and name prefix.

Every notebook's first cell calls `open_session()`. Notebook code then uses plain
`boto3.client(...)`: boto3 reads the target from the environment (`AWS_ENDPOINT_URL` for the
local cloud; `AWS_PROFILE` / credentials for AWS), so the same cells run on both.

| variable          | meaning                                                              |
|-------------------|----------------------------------------------------------------------|
| WORKBOOK_TARGET   | `local` (default) or `aws`                                           |
| WORKBOOK_PREFIX   | the start of every resource name, one per learner: `shop` by default |
|                   | on the local cloud; on AWS it must be set (accounts are shared)      |
| WORKBOOK_EMAIL    | an address you read; customers get `you+<name>@...` addresses from   |
|                   | it. Default `learner@example.com` locally; on AWS it must be set     |
| AWS_ENDPOINT_URL  | the local cloud (`make lab` sets it; default http://127.0.0.1:4566)  |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import boto3
import requests
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from workbook import stack

DEFAULT_PREFIX = "shop"
DEFAULT_EMAIL = "learner@example.com"
# Domains that can never receive mail (RFC 2606, RFC 6761): on AWS nobody could confirm them.
RESERVED_MAIL_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_MAIL_SUFFIXES = (".example", ".invalid", ".localhost", ".test")
LOCAL_CLOUD_HEALTH = "/_localcloud/health"
# `python -m localcloud env` gives clients these placeholder credentials; AWS would reject them.
PLACEHOLDER_KEY = "testing"


class WorkbookSetupError(RuntimeError):
    """The workbook cannot reach its target; the message says what to do."""


@dataclass(frozen=True)
class Session:
    """One learner's target and names; look every resource up from these."""

    target: str  # "local" or "aws"
    endpoint_url: str | None  # the local cloud's; None on AWS
    region: str
    account_id: str
    prefix: str
    names: stack.StackNames = field(repr=False)
    partition: str = "aws"  # from the caller's ARN: `aws-cn` or `aws-us-gov` elsewhere
    email_base: str | None = None  # WORKBOOK_EMAIL, checked; None on AWS until it is set

    @property
    def arns(self) -> dict[str, str]:
        """Every ARN of the stack, known before the resources exist (see stack.stack_arns)."""
        return stack.stack_arns(self.names, self.region, self.account_id, self.partition)

    def email(self, name: str) -> str:
        """The address of customer `name`: WORKBOOK_EMAIL with `+name` added to its local part
        (`you@gmail.com` -> `you+ada@gmail.com`). Most providers deliver such addresses to
        `you`, so one learner reads every customer's mail, and each customer still has an
        address (and an SNS subscription) of their own."""
        if self.email_base is None:
            raise WorkbookSetupError(
                "This notebook emails customers, and on AWS the mail must reach a real inbox "
                "that you read: set WORKBOOK_EMAIL to your address (for example "
                "WORKBOOK_EMAIL=you@gmail.com), restart the kernel and run from the top."
            )
        local, domain = self.email_base.split("@")
        return f"{local}+{name}@{domain}"

    def describe(self) -> str:
        where = f"local cloud at {self.endpoint_url}" if self.target == "local" else "AWS"
        return "\n".join(
            [
                f"target:  {where}",
                f"region:  {self.region}",
                f"account: {self.account_id}",
                f"prefix:  {self.prefix}",
                f"email:   {self.email_base or '(not set: WORKBOOK_EMAIL)'}",
            ]
        )


def open_session(*, echo: bool = True) -> Session:
    """Check the target answers and return the session; prints a summary unless `echo=False`.

    Raises WorkbookSetupError with the fix when the local cloud is down, AWS credentials are
    missing, or the prefix is not a valid one.
    """
    target = os.environ.get("WORKBOOK_TARGET", "local").strip().lower() or "local"
    if target == "local":
        endpoint = _use_local_cloud()
        _require_local_cloud(endpoint)
    elif target == "aws":
        endpoint = None
        _use_aws()
    else:
        raise WorkbookSetupError(f"WORKBOOK_TARGET is {target!r}: use 'local' or 'aws'.")
    prefix = os.environ.get("WORKBOOK_PREFIX", DEFAULT_PREFIX if target == "local" else "")
    if not prefix:
        raise WorkbookSetupError(
            "WORKBOOK_TARGET=aws needs WORKBOOK_PREFIX: the start of every name you create, "
            "chosen so no one else in the account uses it (for example your initials, "
            "WORKBOOK_PREFIX=ada1). Teardown deletes everything that starts with it."
        )
    email_base = _email_base(target)
    try:
        names = stack.StackNames.for_prefix(prefix)
    except ValueError as error:
        raise WorkbookSetupError(f"WORKBOOK_PREFIX: {error}") from None
    try:
        region = boto3.session.Session().region_name
    except BotoCoreError as error:  # e.g. AWS_PROFILE names no profile
        raise WorkbookSetupError(f"AWS configuration: {error}") from None
    if not region:
        raise WorkbookSetupError("No AWS region: set AWS_DEFAULT_REGION (e.g. eu-west-1).")
    identity = _caller_identity(target)
    partition = identity["Arn"].split(":")[1]
    session = Session(
        target, endpoint, region, identity["Account"], prefix, names, partition, email_base
    )
    if echo:
        print(session.describe())
    return session


def cloud_confirms_email(session: Session) -> bool:
    """Whether a headless run's email subscriptions get confirmed: only on a local cloud that
    plays the recipient (LOCALCLOUD_SIMULATED_RECIPIENT=1, its health says). On AWS, and in
    JupyterLab's cloud, a person must open each confirmation email."""
    if session.endpoint_url is None:
        return False
    answer = requests.get(session.endpoint_url + LOCAL_CLOUD_HEALTH, timeout=5).json()
    return bool(answer.get("simulatedRecipient"))


def _email_base(target: str) -> str | None:
    """WORKBOOK_EMAIL, checked: None on AWS when unset (Session.email says what to do)."""
    address = os.environ.get("WORKBOOK_EMAIL", "").strip()
    if not address:
        return DEFAULT_EMAIL if target == "local" else None
    local, at, domain = address.rpartition("@")
    if not (at and local and "." in domain) or "+" in local:
        raise WorkbookSetupError(
            f"WORKBOOK_EMAIL is {address!r}: give one plain address such as you@gmail.com "
            "(without a '+': the workbook adds '+<customer>' itself)."
        )
    domain = domain.lower()
    reserved = domain in RESERVED_MAIL_DOMAINS or domain.endswith(RESERVED_MAIL_SUFFIXES)
    if target == "aws" and reserved:
        raise WorkbookSetupError(
            f"WORKBOOK_EMAIL is {address!r}, and {domain} receives no mail: on AWS, SNS sends "
            "a confirmation email that you must open. Use an address you read."
        )
    return address


def _use_local_cloud() -> str:
    """Fill in what `python -m localcloud env` would have set, so the kernel needs no setup."""
    port = os.environ.get("LOCALCLOUD_PORT", "4566")
    os.environ.setdefault("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    # StartSyncExecution's "sync-" host prefix cannot resolve in front of an IP address.
    os.environ.setdefault("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if not (os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE")):
        os.environ["AWS_ACCESS_KEY_ID"] = PLACEHOLDER_KEY
        os.environ["AWS_SECRET_ACCESS_KEY"] = PLACEHOLDER_KEY
    return os.environ["AWS_ENDPOINT_URL"].rstrip("/")


def _use_aws() -> None:
    """Drop the local cloud's settings that `make lab` put in this process's environment."""
    for key in ("AWS_ENDPOINT_URL", "AWS_DISABLE_HOST_PREFIX_INJECTION"):
        os.environ.pop(key, None)
    if os.environ.get("AWS_ACCESS_KEY_ID") == PLACEHOLDER_KEY:
        os.environ.pop("AWS_ACCESS_KEY_ID")
        os.environ.pop("AWS_SECRET_ACCESS_KEY", None)


def _require_local_cloud(endpoint: str) -> None:
    try:
        requests.get(endpoint + LOCAL_CLOUD_HEALTH, timeout=2).raise_for_status()
    except requests.RequestException:
        raise WorkbookSetupError(
            f"The local cloud is not running at {endpoint}. Start it from the project folder "
            "with `make cloud` (or `make lab`), then run this again."
        ) from None


def _caller_identity(target: str) -> dict[str, str]:
    try:
        return boto3.client("sts").get_caller_identity()
    except (NoCredentialsError, ClientError, BotoCoreError) as error:
        if target == "local":
            raise WorkbookSetupError(f"The local cloud did not answer STS: {error}") from None
        raise WorkbookSetupError(
            "No usable AWS credentials for WORKBOOK_TARGET=aws: set AWS_PROFILE to a profile "
            "(`aws configure sso`, then `aws sso login`) and AWS_DEFAULT_REGION, then run this "
            f"again. ({error})"
        ) from None
