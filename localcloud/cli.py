"""`python -m localcloud start|stop|status|serve|exec`: run the local cloud.

start/stop/status manage one cloud in the background (`make cloud`, `make lab`); `serve` runs
it in the foreground; `exec -- CMD` runs CMD against a fresh, private cloud on a free port
and stops it afterwards (`make test`, so tests never touch a learner's running cloud).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from localcloud.settings import Settings, port_in_use

START_TIMEOUT_S = 30.0


def health(settings: Settings) -> dict | None:
    """The running server's health answer, or None if nothing answers at the endpoint."""
    try:
        with urllib.request.urlopen(f"{settings.endpoint_url}/_localcloud/health", timeout=2) as r:
            return json.load(r)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def read_pid(settings: Settings) -> int | None:
    try:
        pid = int(settings.pid_file.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None


def client_settings_text(settings: Settings) -> str:
    env = client_environment(settings)
    keys = ["AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_DISABLE_HOST_PREFIX_INJECTION"]
    return "\n".join(f"  export {key}={env[key]}" for key in keys)


def start(settings: Settings) -> int:
    running = health(settings)
    if running:
        print(
            f"The local cloud is already running (pid {running['pid']}) at {settings.endpoint_url}."
        )
        print(client_settings_text(settings))
        return 0
    if port_in_use(settings.host, settings.port):
        print(
            f"Port {settings.port} on {settings.host} is in use by another program, so the local "
            f"cloud cannot start there. Stop that program, or pick a free port, e.g. "
            "`LOCALCLOUD_PORT=4567 make cloud` (and the same LOCALCLOUD_PORT for make lab/test).",
            file=sys.stderr,
        )
        return 1
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.log_file, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "localcloud", "serve"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "LOCALCLOUD_DATA": str(settings.data_dir)},
        )
    settings.pid_file.write_text(str(process.pid))
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            print(
                f"The local cloud exited at start. Its log ({settings.log_file}) ends:",
                file=sys.stderr,
            )
            print(_tail(settings.log_file), file=sys.stderr)
            settings.pid_file.unlink(missing_ok=True)
            return 1
        if health(settings):
            print(f"Local cloud running (pid {process.pid}) at {settings.endpoint_url}")
            print(f"  data and log: {settings.data_dir}")
            print("Point boto3 at it with:")
            print(client_settings_text(settings))
            return 0
        time.sleep(0.1)
    print(
        f"The local cloud did not answer within {START_TIMEOUT_S:.0f} s; see {settings.log_file}.",
        file=sys.stderr,
    )
    return 1


def stop(settings: Settings) -> int:
    pid = read_pid(settings)
    if pid is None:
        settings.pid_file.unlink(missing_ok=True)
        print("The local cloud is not running.")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and read_pid(settings):
        _reap(pid)
        time.sleep(0.1)
    if read_pid(settings):
        os.kill(pid, signal.SIGKILL)
    settings.pid_file.unlink(missing_ok=True)
    print(f"Stopped the local cloud (pid {pid}).")
    return 0


def status(settings: Settings) -> int:
    running = health(settings)
    if not running:
        print(f"The local cloud is not running at {settings.endpoint_url}. Start it: `make cloud`.")
        return 1
    print(f"The local cloud is running (pid {running['pid']}) at {running['endpoint']}")
    print(f"  region {running['region']}, moto {running['moto']}, data in {running['dataDir']}")
    print(f"  realism {running['realism']} (LOCALCLOUD_REALISM: fast, aws or off)")
    return 0


def client_environment(settings: Settings) -> dict[str, str]:
    """What a client process needs to reach this cloud with plain boto3."""
    return {
        "AWS_ENDPOINT_URL": settings.endpoint_url,
        "AWS_DEFAULT_REGION": settings.region,
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        "LOCALCLOUD_PORT": str(settings.port),
        "LOCALCLOUD_DATA": str(settings.data_dir),
    }


def run_with_private_cloud(command: list[str]) -> int:
    """Start a cloud on a free port in a temporary folder, run `command` against it, stop it."""
    # A CI job that is cancelled sends SIGTERM: exit through the `finally` below (which
    # stops the cloud, in a session of its own) instead of dying and leaving it running.
    # subprocess.call kills `command` on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with tempfile.TemporaryDirectory(prefix="localcloud-") as data_dir:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        os.environ.update(LOCALCLOUD_PORT=str(port), LOCALCLOUD_DATA=data_dir)
        settings = Settings.from_env()
        try:  # from the start: a SIGTERM may come while the cloud is starting
            if start(settings) != 0:
                return 1
            return subprocess.call(command, env={**os.environ, **client_environment(settings)})
        finally:
            stop(settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status", "serve", "exec", "env"])
    parser.add_argument("args", nargs=argparse.REMAINDER, help="with exec: the command to run")
    args = parser.parse_args(argv)
    if args.command == "exec":
        command = args.args[1:] if args.args[:1] == ["--"] else args.args
        if not command:
            parser.error("exec needs a command: python -m localcloud exec -- pytest")
        return run_with_private_cloud(command)
    settings = Settings.from_env()
    if args.command == "env":  # KEY=VALUE lines, for `env $(python -m localcloud env) CMD`
        print("\n".join(f"{k}={v}" for k, v in client_environment(settings).items()))
        return 0
    if args.command == "serve":
        from localcloud.server import serve

        serve(settings)
        return 0
    return {"start": start, "stop": stop, "status": status}[args.command](settings)


def _reap(pid: int) -> None:
    """Collect the exit of a cloud this process started (`exec`): until then it is a zombie,
    which `os.kill(pid, 0)` still finds, and `stop` would wait its whole 10 s for nothing."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _tail(path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
