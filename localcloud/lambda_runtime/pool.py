"""Worker processes for Lambda functions: started cold, kept warm, reaped when idle.

One `FunctionPool` per function holds its idle workers. An invoke takes an idle worker of the
function's current generation (code and configuration), or starts one (a cold start); a
worker of an older generation is never reused, so an update takes effect at the next invoke.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from localcloud.lambda_runtime.launch import Launcher
from localcloud.lambda_runtime.worker import FRAME

INIT_TIMEOUT_SECONDS = 10.0  # Lambda's limit on a function's init phase


@dataclass
class WorkerSpec:
    """What a worker needs to start: where the code is, the environment it runs in, and how
    its process is started."""

    generation: str
    task_root: Path
    layers: list[Path]  # where each layer is unpacked: each stands for /opt
    layer_paths: list[Path]  # on the path after the package, in Lambda's order
    environment: dict[str, str]
    launcher: Launcher


class LogLine(NamedTuple):
    """One event of the function's log, stamped when the runtime received it: Lambda stamps
    each line as the function writes it, not when the invoke ends."""

    timestamp_ms: int
    message: str


@dataclass
class InvokeOutcome:
    ok: bool
    payload: str  # the JSON answer: the handler's result or Lambda's error object
    log_lines: list[LogLine]
    duration_ms: float
    init_ms: float | None  # set on a cold start
    max_memory_mb: int
    timed_out: bool = False


class WorkerDied(Exception):
    """The worker process ended, or its init phase ran out of time; it has been killed.

    Carries Lambda's error type and the output the worker printed before it died.
    """

    def __init__(self, error_type: str, message: str, output: list[LogLine]) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.output = output

    def payload(self, request_id: str) -> dict[str, str]:
        return {
            "errorType": self.error_type,
            "errorMessage": f"RequestId: {request_id} Error: {self}",
        }


@dataclass
class Worker:
    spec: WorkerSpec
    log_stream: str
    process: subprocess.Popen = field(repr=False)
    token: str
    init_ms: float | None = None
    init_error: dict | None = None
    last_used: float = field(default_factory=time.monotonic)
    _buffer: bytes = b""
    _received_ms: int = 0  # when the bytes in _buffer were read: its lines' timestamp

    @classmethod
    def start(cls, spec: WorkerSpec, log_stream: str) -> tuple[Worker, list[LogLine]]:
        """Start a worker and run its init phase; returns it with the init phase's output."""
        token = secrets.token_hex(8)
        launcher = spec.launcher
        path = [spec.task_root, *spec.layer_paths, launcher.sdk]
        env = {
            **spec.environment,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            # Read (and removed from the environment) by the worker itself:
            "LOCALCLOUD_WORKER_TOKEN": token,
            "LOCALCLOUD_WORKER_PATH": os.pathsep.join(str(entry) for entry in path),
            "LOCALCLOUD_WORKER_LAYERS": os.pathsep.join(str(layer) for layer in spec.layers),
        }
        process = subprocess.Popen(
            launcher.command(),
            cwd=spec.task_root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **launcher.identity(),
        )
        worker = cls(spec=spec, log_stream=log_stream, process=process, token=token)
        lines, frame = worker._read_until_frame(time.monotonic() + INIT_TIMEOUT_SECONDS)
        if frame is None:
            worker.kill()
            raise WorkerDied(
                "Sandbox.Timedout",
                f"Init timed out after {INIT_TIMEOUT_SECONDS:.2f} seconds",
                lines,
            )
        if frame["ok"]:
            worker.init_ms = frame["initMs"]
        else:
            worker.init_error = frame["error"]
        return worker, lines

    def invoke(
        self, request: dict[str, Any], timeout_s: float
    ) -> tuple[dict | None, list[LogLine]]:
        """Send one invoke; the worker's answer frame (None on timeout) and the output lines."""
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        self.process.stdin.flush()
        lines, frame = self._read_until_frame(time.monotonic() + timeout_s)
        self.last_used = time.monotonic()
        return frame, lines

    def _read_until_frame(self, deadline: float) -> tuple[list[LogLine], dict | None]:
        """Read log events until the worker's next answer frame, or until the deadline.

        Each output line is one event, as Lambda splits a function's stdout; a `log` frame is
        one event however many lines its message has (the runtime's own `[ERROR]` entry).
        A line is stamped when the read that completed it returned.
        """
        lines: list[LogLine] = []
        marker = f"{FRAME}{self.token} ".encode()
        fd = self.process.stdout.fileno()
        while True:
            while b"\n" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\n", 1)
                if not raw.startswith(marker):
                    lines.append(LogLine(self._received_ms, raw.decode(errors="replace")))
                    continue
                frame = json.loads(raw[len(marker) :])
                if frame["type"] != "log":
                    return lines, frame
                lines.append(LogLine(self._received_ms, frame["message"]))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return lines, None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:  # end of output: the process exited (sys.exit, a crash, os._exit)
                status = self.process.wait()
                self.kill()
                if self._buffer:
                    lines.append(LogLine(self._received_ms, self._buffer.decode(errors="replace")))
                    self._buffer = b""
                raise WorkerDied(
                    "Runtime.ExitError", f"Runtime exited with error: exit status {status}", lines
                )
            self._buffer += chunk
            self._received_ms = int(time.time() * 1000)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()


class FunctionPool:
    """The warm workers of one function, and how many of its invokes are in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: list[Worker] = []
        self.in_flight = 0
        self.closed = False  # the function is gone: workers that come back are stopped

    def take_idle(self, generation: str) -> Worker | None:
        """An idle worker of this generation; workers of older generations are retired."""
        with self.lock:
            stale = [w for w in self.idle if w.spec.generation != generation or not w.alive()]
            self.idle = [w for w in self.idle if w not in stale]
            worker = self.idle.pop() if self.idle else None
        for old in stale:
            old.kill()
        return worker

    def give_back(self, worker: Worker, generation: str) -> None:
        with self.lock:
            keep = not self.closed and worker.alive() and worker.spec.generation == generation
            if keep:
                self.idle.append(worker)
        if not keep:
            worker.kill()

    def reap(self, idle_seconds: float) -> None:
        now = time.monotonic()
        with self.lock:
            old = [w for w in self.idle if now - w.last_used > idle_seconds]
            self.idle = [w for w in self.idle if w not in old]
        for worker in old:
            worker.kill()

    def shutdown(self) -> None:
        """Stop the idle workers now, and any busy one when its invoke ends."""
        with self.lock:
            self.closed = True
            workers, self.idle = self.idle, []
        for worker in workers:
            worker.kill()
