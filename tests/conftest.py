"""Test fixtures shared by every suite: a local cloud that the test session starts and stops."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config

REPO = Path(__file__).resolve().parents[1]


@dataclass
class LocalCloud:
    endpoint_url: str
    region: str
    data_dir: Path

    def client(self, service: str, region: str | None = None, **config: object):  # noqa: ANN201
        """A boto3 client for this cloud, in its region unless `region` names another;
        `config` adds botocore Config options (retries...)."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=region or self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            # As AWS_DISABLE_HOST_PREFIX_INJECTION=true does for the workbook: StartSyncExecution
            # would otherwise call "sync-127.0.0.1".
            config=Config(inject_host_prefix=False, **config),
        )

    def mail(self, to: str) -> list[dict[str, str]]:
        """The messages SNS emailed to `to`, oldest first, once every email the cloud had
        accepted before this call is written (SNS delivers after Publish answers)."""
        answer = requests.get(
            f"{self.endpoint_url}/_localcloud/mail", params={"to": to, "wait": 1}, timeout=10
        )
        answer.raise_for_status()
        return answer.json()

    def env(self) -> dict[str, str]:
        """Environment for a subprocess (a notebook, a script) that should use this cloud."""
        return {
            **os.environ,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "LOCALCLOUD_PORT": self.endpoint_url.rsplit(":", 1)[1],
            "LOCALCLOUD_DATA": str(self.data_dir),
        }


@pytest.fixture(autouse=True)
def no_ambient_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test picks its target itself (the `cloud` fixture, or moto's in-process mock_aws).

    `make test` runs pytest inside `localcloud exec`, whose AWS_ENDPOINT_URL is meant for the
    notebooks; left in place it would send mock_aws clients to that server instead.
    """
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Headless runs have no one to click the link in a confirmation email: the cloud plays the
# recipient (scripts/deploy runs notebook 03, which waits until its subscriptions are confirmed).
SIMULATED_RECIPIENT = {"LOCALCLOUD_SIMULATED_RECIPIENT": "1"}


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """A fresh local cloud on a free port, in its own data folder, for this test session."""
    yield from start_cloud(tmp_path_factory, SIMULATED_RECIPIENT)


def start_cloud(
    tmp_path_factory: pytest.TempPathFactory, settings: dict[str, str] | None = None
) -> Iterator[LocalCloud]:
    """Start a local cloud (with these extra environment `settings`), yield it, stop it."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("localcloud")
    env = {**os.environ, "LOCALCLOUD_PORT": str(port), "LOCALCLOUD_DATA": str(data_dir)}
    env["LOCALCLOUD_ALARM_INTERVAL_S"] = "0.5"  # alarm tests wait for evaluations
    env.update(settings or {})
    env.pop("AWS_ENDPOINT_URL", None)
    with open(data_dir / "server.log", "wb") as log:  # the child keeps its own copy
        server = subprocess.Popen(
            [sys.executable, "-m", "localcloud", "serve"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{endpoint}/_localcloud/health", timeout=1).raise_for_status()
            break
        except requests.RequestException:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError((data_dir / "server.log").read_text()) from None
            time.sleep(0.1)
    yield LocalCloud(endpoint, "us-east-1", data_dir)
    server.terminate()
    server.wait(timeout=15)
