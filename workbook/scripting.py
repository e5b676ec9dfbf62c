"""What scripts/deploy, teardown and run-workbook share: options, the target check, runs.

Each script opens the target first, so a stopped local cloud or missing AWS credentials is
reported in one line before any notebook starts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from workbook import headless
from workbook.session import (
    DEFAULT_PREFIX,
    Session,
    WorkbookSetupError,
    cloud_confirms_email,
    open_session,
)

if TYPE_CHECKING:
    from nbformat import NotebookNode

OUT_DIR = headless.NOTEBOOKS_DIR.parent / "out"


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every script has: --prefix and --target."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--prefix",
        default=os.environ.get("WORKBOOK_PREFIX"),
        help=f"start of every resource name (default: $WORKBOOK_PREFIX, else {DEFAULT_PREFIX} "
        "on the local cloud; required on AWS)",
    )
    parser.add_argument(
        "--target",
        choices=["local", "aws"],
        default=os.environ.get("WORKBOOK_TARGET", "local"),
        help="the local cloud (AWS_ENDPOINT_URL, default port 4566) or AWS (AWS_PROFILE); "
        "default: $WORKBOOK_TARGET or %(default)s",
    )
    return parser


def open_target(args: argparse.Namespace, *, subscribes_email: bool = False) -> Session:
    """The session for the options; exits with the fix if the target cannot be reached.

    `subscribes_email`: the notebooks to run subscribe email addresses and wait until each is
    confirmed. Headless, nobody sees the confirmation link, so on the local target the cloud
    must play the recipient (LOCALCLOUD_SIMULATED_RECIPIENT=1, set when it starts); on AWS the
    learner follows the links in their own inbox while the script waits.
    """
    # The notebooks' kernels inherit this environment, so they build where the script says.
    if args.prefix:
        os.environ["WORKBOOK_PREFIX"] = args.prefix
    os.environ["WORKBOOK_TARGET"] = args.target
    try:
        session = open_session(echo=False)
    except WorkbookSetupError as error:
        sys.exit(f"error: {error}")
    if subscribes_email and session.endpoint_url and not cloud_confirms_email(session):
        sys.exit(
            f"error: the local cloud at {session.endpoint_url} waits for a person to follow "
            "each email confirmation link, and a headless run shows the links to no one. "
            "Restart it as the recipient: `make stop`, then "
            "`LOCALCLOUD_SIMULATED_RECIPIENT=1 make cloud`."
        )
    where = session.endpoint_url or f"AWS account {session.account_id}"
    print(f"target {where}, region {session.region}, prefix {session.prefix}")
    return session


def run_notebooks(paths: Iterable[Path], save_to: Path | None = None) -> None:
    """Run notebooks in order; with `save_to`, keep each executed copy and its HTML there.

    Exits non-zero at the first failure, naming the notebook and cell.
    """
    for path in paths:
        print(f"running {path.name} ...", end=" ", flush=True)
        started = time.monotonic()
        try:
            document = headless.run(path)
        except headless.NotebookFailed as failure:
            print("failed")
            if save_to:
                _save(failure.document, save_to / path.name)
            sys.exit(f"error: {failure}")
        print(f"done in {time.monotonic() - started:.1f} s")
        if save_to:
            _save(document, save_to / path.name)


def _save(document: NotebookNode, path: Path) -> None:
    headless.save(document, path)
    headless.save_html(document, path.with_suffix(".html"))
