"""`python -m localcloud start|stop|status`: clear messages for every state a learner meets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, free_port


def run(*args: str, port: int, data: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOCALCLOUD_PORT": str(port), "LOCALCLOUD_DATA": str(data)}
    return subprocess.run(
        [sys.executable, "-m", "localcloud", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )


def test_start_twice_status_and_stop(tmp_path: Path) -> None:
    port = free_port()
    started = run("start", port=port, data=tmp_path)
    try:
        assert started.returncode == 0, started.stderr
        assert f"AWS_ENDPOINT_URL=http://127.0.0.1:{port}" in started.stdout
        assert "AWS_DEFAULT_REGION=" in started.stdout
        assert (tmp_path / "localcloud.pid").exists()
        again = run("start", port=port, data=tmp_path)
        assert again.returncode == 0 and "already running" in again.stdout
        status = run("status", port=port, data=tmp_path)
        assert status.returncode == 0 and f"127.0.0.1:{port}" in status.stdout
    finally:
        stopped = run("stop", port=port, data=tmp_path)
    assert stopped.returncode == 0 and "Stopped" in stopped.stdout
    assert not (tmp_path / "localcloud.pid").exists()
    down = run("status", port=port, data=tmp_path)
    assert down.returncode == 1 and "not running" in down.stdout and "make cloud" in down.stdout


def test_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = run("start", port=port, data=tmp_path)
    assert result.returncode == 1
    assert f"Port {port}" in result.stderr and "LOCALCLOUD_PORT=" in result.stderr
