"""The reliability suite's stack: the whole order service, deployed once per session.

`scripts/deploy` builds it in the session's local cloud exactly as a learner's workbook does
(notebooks 01-05, headless) and writes its outputs; every test then drives it from outside,
through the stage's invoke URL, as a client on AWS would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, LocalCloud
from tests.reliability.client import DeployedStack, OrdersApi

DEPLOY = REPO / "scripts" / "deploy"
PREFIX = "rel"
DEPLOY_TIMEOUT_S = 600


@pytest.fixture(scope="session")
def stack(cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> DeployedStack:
    out_dir = tmp_path_factory.mktemp("stack")
    env = cloud.env()
    # The script's shebang may name `python3`: let that be this venv's, with its packages.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    deployed = subprocess.run(
        [str(DEPLOY), "--prefix", PREFIX, "--out", str(out_dir)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEPLOY_TIMEOUT_S,
    )
    if deployed.returncode != 0:
        pytest.fail(f"scripts/deploy failed:\n{deployed.stdout}\n{deployed.stderr}")
    outputs = json.loads((out_dir / "stack-outputs.json").read_text())
    return DeployedStack.from_outputs(outputs, cloud.endpoint_url)


@pytest.fixture
def api(stack: DeployedStack) -> Iterator[OrdersApi]:
    with OrdersApi(stack) as client:
        yield client


@pytest.fixture
def tag() -> str:
    """A fresh suffix for this test's items and addresses, so tests never share data."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def mail_env(cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """workbook.mailbox finds the local cloud through AWS_ENDPOINT_URL, as in a notebook."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", cloud.endpoint_url)
