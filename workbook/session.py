"""Where the workbook builds: the target (local cloud or AWS), region, account and name prefix.

Every notebook's first cell calls `open_session()`. Notebook code then uses plain
`boto3.client(...)`: boto3 reads the target from the environment (`AWS_ENDPOINT_URL` for the
local cloud; `AWS_PROFILE` / credentials for AWS), so the same cells run on both.

| variable          | meaning                                                              |
|-------------------|----------------------------------------------------------------------|
| WORKBOOK_TARGET   | `local` (default) or `aws`                                           |
| WORKBOOK_PREFIX   | the start of every resource name (default `shop`), one per learner   |
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

    @property
    def arns(self) -> dict[str, str]:
        """Every ARN of the stack, known before the resources exist (see stack.stack_arns)."""
        return stack.stack_arns(self.names, self.region, self.account_id)

    def describe(self) -> str:
        where = f"local cloud at {self.endpoint_url}" if self.target == "local" else "AWS"
        return "\n".join(
            [
                f"target:  {where}",
                f"region:  {self.region}",
                f"account: {self.account_id}",
                f"prefix:  {self.prefix}",
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
    prefix = os.environ.get("WORKBOOK_PREFIX", DEFAULT_PREFIX)
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
    account_id = _caller_identity(target)["Account"]
    session = Session(target, endpoint, region, account_id, prefix, names)
    if echo:
        print(session.describe())
    return session


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
