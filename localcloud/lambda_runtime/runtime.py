"""Runs a function's handler for an invoke, as the Lambda service does, in a local worker.

This is the orchestration: pick or start a worker, enforce the timeout and concurrency,
and write what Lambda writes (START/END/REPORT log lines, EMF metrics, AWS/Lambda metrics).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from localcloud import emf, iam, lifecycle, metrics, seams
from localcloud.lambda_runtime import interpreters
from localcloud.lambda_runtime.codecache import CodeCache
from localcloud.lambda_runtime.errors import throttled
from localcloud.lambda_runtime.launch import Launchers
from localcloud.lambda_runtime.pool import (
    FunctionPool,
    InvokeOutcome,
    LogLine,
    Worker,
    WorkerDied,
    WorkerSpec,
)
from localcloud.lambda_runtime.sandbox import WorkerFolder, worker_user
from localcloud.settings import Settings
from localcloud.tracing import continue_trace

TAIL_BYTES = 4096  # LogType=Tail returns the last 4 KB of the invocation's log
# How long an invoke that is not an API Gateway request waits for one of the function's
# capped workers before it runs on an extra one (see `invoke`).
SLOT_WAIT_S = 1.0


@dataclass
class InvokeResult:
    ok: bool
    payload: bytes
    log_tail: str  # base64, as X-Amz-Log-Result
    executed_version: str
    request_id: str


class LambdaRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Everything a worker reads, where its user can reach it (see sandbox.py).
        self.folder = WorkerFolder(settings.data_dir, worker_user())
        self.code = CodeCache(self.folder.root / "unpacked", worker_owns_files=not self.folder.user)
        self.launchers = Launchers(self.folder)
        self.pools: dict[str, FunctionPool] = {}
        # Cold starts are CPU-bound (a worker imports boto3 and the handler's libraries): a
        # burst of them at once on a small machine stretches each past the 10 s init limit,
        # so only this many start at a time and the rest wait their turn.
        self.starting = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))
        self.pools_lock = threading.Lock()
        self.worker_slots: dict[str, threading.BoundedSemaphore] = {}
        self.specs: dict[str, WorkerSpec] = {}
        self.stopping = threading.Event()
        threading.Thread(target=self._reap_forever, name="lambda-reaper", daemon=True).start()

    # -- public ---------------------------------------------------------------------------

    def invoke(
        self,
        function: seams.LambdaFunction,
        qualifier: str | None,
        event: object,
        trace_header: str | None = None,
        *,
        from_gateway: bool = False,
    ) -> InvokeResult:
        """Run one invoke; `trace_header` is the caller's X-Amzn-Trace-Id, if any.

        `from_gateway`: an API Gateway request, which waits for a capped worker however long.
        """
        # Every invoke path (Lambda API, Step Functions tasks, API Gateway) passes here.
        lifecycle.functions.check_invocable(function.function_arn)
        key = function.function_arn
        pool, slots = self._pool(key)
        reserved = function.reserved_concurrency
        with pool.lock:
            if reserved is not None and pool.in_flight >= int(reserved):
                self._put_metrics(function, {"Throttles": (1, "Count")})
                raise throttled()
            pool.in_flight += 1
            concurrent = pool.in_flight
        try:
            # Beyond the local cap on workers per function, requests from API Gateway queue
            # for a free one: that is where bursts come in. Any other invoke waits a moment,
            # then runs on an extra worker: it may be nested in an invoke that holds a capped
            # worker while it waits (OrderService waits for the workflow whose CreateOrder task
            # invokes OrderService), and queueing it behind its own caller would deadlock once
            # every capped worker is held so. AWS (1,000 concurrent executions by default)
            # never gets there. Extra workers are kept warm, and stopped when idle like any.
            capped = slots.acquire(timeout=None if from_gateway else SLOT_WAIT_S)
            try:
                trace = continue_trace(trace_header)
                return self._run(function, qualifier, event, pool, concurrent, trace)
            finally:
                if capped:
                    slots.release()
        finally:
            with pool.lock:
                pool.in_flight -= 1

    def shutdown(self) -> None:
        self.stopping.set()
        for pool in list(self.pools.values()):
            pool.shutdown()
        self.folder.close()

    def stop_workers(self, function_arns: set[str]) -> None:
        """Stop the workers of functions (or versions) that were deleted, at once."""
        with self.pools_lock:
            pools = [self.pools.pop(arn) for arn in function_arns if arn in self.pools]
            for arn in function_arns:
                self.worker_slots.pop(arn, None)
        for pool in pools:
            pool.shutdown()

    # -- internals ------------------------------------------------------------------------

    def _pool(self, key: str) -> tuple[FunctionPool, threading.BoundedSemaphore]:
        with self.pools_lock:
            if key not in self.pools:
                self.pools[key] = FunctionPool()
                self.worker_slots[key] = threading.BoundedSemaphore(
                    self.settings.max_workers_per_function
                )
            return self.pools[key], self.worker_slots[key]

    def _run(
        self,
        function,
        qualifier,
        event,
        pool: FunctionPool,
        concurrent: int,
        trace: str,
    ) -> InvokeResult:
        request_id = str(uuid.uuid4())
        version = function.version if qualifier in (None, "$LATEST") else str(qualifier)
        spec = self._worker_spec(function)
        lines: list[LogLine] = []  # each stamped when written, as Lambda stamps them

        worker = pool.take_idle(spec.generation)
        stream = worker.log_stream if worker else _log_stream_name(version)
        init_ms = None
        died: WorkerDied | None = None
        if worker is None:
            if spec.launcher.notice:
                lines.append(LogLine(_now_ms(), spec.launcher.notice))
            try:
                with self.starting:
                    worker, init_lines = Worker.start(spec, stream)
                lines += init_lines  # init output precedes START, as in Lambda's logs
                init_ms = worker.init_ms
            except WorkerDied as error:  # exited or hung during init
                died = error
                lines += error.output

        timeout_s = float(function.timeout)
        started = time.perf_counter()
        invoke_wall = time.time()  # the timeout counts from here: init has its own limit
        start_line = f"START RequestId: {request_id} Version: {version}"
        lines.append(LogLine(int(invoke_wall * 1000), start_line))
        timed_out = False
        frame, out = None, []
        if died is None and worker.init_error is not None:
            frame = {"ok": False, "error": worker.init_error, "maxRssMb": 0}
            worker.kill()
        elif died is None:
            request = {
                "requestId": request_id,
                "event": event,
                "deadlineMs": int((invoke_wall + timeout_s) * 1000),
                "invokedFunctionArn": function.function_arn
                + (f":{qualifier}" if qualifier else ""),
                "traceId": trace,
            }
            try:
                frame, out = worker.invoke(request, timeout_s)
            except WorkerDied as error:
                died, out = error, error.output
            if frame is None:
                worker.kill()
        duration_ms = (time.perf_counter() - started) * 1000
        lines.extend(out)

        if died is not None:
            lines.append(LogLine(_now_ms(), f"{died.error_type}: {died}"))
            payload = json.dumps(died.payload(request_id))
            ok, memory = False, 0
        elif frame is None:
            timed_out = True
            message = f"Task timed out after {timeout_s:.2f} seconds"
            now = dt.datetime.now(dt.UTC)
            stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            lines.append(LogLine(int(now.timestamp() * 1000), f"{stamp} {request_id} {message}"))
            payload = json.dumps(
                {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {request_id} Error: {message}",
                }
            )
            ok, memory = False, 0
        else:
            ok = frame["ok"]
            payload = (
                frame["payload"] if ok else json.dumps({**frame["error"], "requestId": request_id})
            )
            memory = frame.get("maxRssMb", 0)
            pool.give_back(worker, spec.generation)

        outcome = InvokeOutcome(ok, payload, lines, duration_ms, init_ms, memory, timed_out)
        self._record(function, stream, request_id, outcome, concurrent)
        tail = _tail(outcome.log_lines)
        return InvokeResult(ok, payload.encode(), tail, version, request_id)

    def _worker_spec(self, function) -> WorkerSpec:
        """Where the function's code lives, unpacked, and the environment Lambda gives it.

        Cached by generation (code, configuration and the last update), so a warm invoke
        costs a dict lookup.
        """
        generation = hashlib.sha256(
            json.dumps(
                [
                    seams.function_code_sha256(function),
                    # Any update (even of settings the worker does not read, like the tracing
                    # mode) gives the function new execution environments, as on AWS.
                    seams.function_revision(function),
                    function.handler,
                    function.memory_size,
                    function.timeout,
                    function.environment_vars,
                    [layer["Arn"] for layer in function.layers],
                    function.run_time,
                ],
                sort_keys=True,
                default=str,
            ).encode()
        ).hexdigest()
        spec = self.specs.get(generation)
        if spec is None:
            spec = self.specs[generation] = self._new_worker_spec(function, generation)
        return spec

    def _new_worker_spec(self, function, generation: str) -> WorkerSpec:
        task_root = self.code.unpacked(
            "code", seams.function_code_sha256(function), seams.function_code_zip(function)
        )
        layers = [
            self.code.unpacked("layers", hashlib.sha256(zip_bytes).hexdigest(), zip_bytes)
            for _arn, zip_bytes in seams.function_layer_zips(function)
        ]
        launcher = self.launchers.for_runtime(function.run_time)
        # The one place a worker's environment is put together.
        environment = {
            **_base_environment(),
            **(function.environment_vars or {}),
            **self._runtime_environment(function, task_root),
            **launcher.environment,
        }
        return WorkerSpec(
            generation,
            task_root,
            layers,
            _layer_path(layers, function.run_time),
            environment,
            launcher,
        )

    def _runtime_environment(self, function, task_root) -> dict[str, str]:
        region = function.region
        return {
            "_HANDLER": function.handler or "lambda_function.lambda_handler",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time or 'python3.11'}",
            "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": str(function.version),  # an int for a version
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": function.logs_group_name,
            "LAMBDA_TASK_ROOT": str(task_root),
            "LAMBDA_RUNTIME_DIR": str(task_root),
            "TZ": ":UTC",
            # Handlers that call boto3 reach this local cloud, with the function's credentials.
            "AWS_ENDPOINT_URL": self.settings.endpoint_url,
            # Some APIs (StartSyncExecution) prefix the host name; a loopback address cannot.
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
            # A session of the function's execution role: its calls get that role's rights.
            **iam.function_credentials(
                function.account_id, region, function.role, function.function_name
            ),
        }

    def _record(self, function, stream, request_id, outcome: InvokeOutcome, concurrent) -> None:
        """Write the invocation's log lines and the metrics Lambda publishes for it."""
        # Since August 1, 2025 an on-demand function's INIT phase is billed like its invoke
        # ("AWS Lambda standardizes billing for INIT phase"): a cold start bills both, rounded
        # up to the millisecond.
        billed = max(1, math.ceil(outcome.duration_ms + (outcome.init_ms or 0)))
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {outcome.duration_ms:.2f} ms\t"
            f"Billed Duration: {billed} ms\tMemory Size: {function.memory_size} MB\t"
            f"Max Memory Used: {outcome.max_memory_mb} MB\t"
        )
        if outcome.init_ms is not None:
            report += f"Init Duration: {outcome.init_ms:.2f} ms\t"
        if outcome.timed_out:
            report += "Status: timeout"
        now_ms = _now_ms()
        outcome.log_lines += [
            LogLine(now_ms, f"END RequestId: {request_id}"),
            LogLine(now_ms, report),
        ]
        events, latest = [], 0
        for line in outcome.log_lines:
            latest = max(latest, line.timestamp_ms)  # in order, should the wall clock step back
            events.append({"timestamp": latest, "message": line.message})
        # Lambda writes the logs (and so their EMF metrics) as the function's execution role.
        if iam.role_may_write_logs(
            function.account_id, function.region, function.role, function.logs_group_name, stream
        ):
            seams.put_log_events(
                function.account_id, function.region, function.logs_group_name, stream, events
            )
            for line in outcome.log_lines:
                emf.publish(line.message, function.account_id, function.region)
        self._put_metrics(
            function,
            {
                "Invocations": (1, "Count"),
                "Errors": (0 if outcome.ok else 1, "Count"),
                "Duration": (outcome.duration_ms, "Milliseconds"),
                "ConcurrentExecutions": (concurrent, "Count"),
            },
        )

    def _put_metrics(self, function, values: dict[str, tuple[float, str]]) -> None:
        metrics.put(
            "AWS/Lambda",
            {"FunctionName": function.function_name},
            values,
            function.account_id,
            function.region,
        )

    def _reap_forever(self) -> None:
        while not self.stopping.wait(min(30.0, self.settings.worker_idle_seconds)):
            for pool in list(self.pools.values()):
                pool.reap(self.settings.worker_idle_seconds)


def _base_environment() -> dict[str, str]:
    import os

    keep = ("PATH", "LANG", "LC_ALL", "HOME", "SYSTEMROOT", "TMPDIR")
    return {k: os.environ[k] for k in keep if k in os.environ}


def _layer_path(layers: list[Path], runtime: str | None) -> list[Path]:
    """Where Lambda's Python runtime looks in layers, in its order: the layers are unpacked
    into /opt one after the other (a later one's files win), and /opt/python/lib/pythonX.Y/
    site-packages comes before /opt/python."""
    site_packages = Path("python", "lib", f"python{interpreters.python_version_of(runtime)}")
    candidates = [layer / site_packages / "site-packages" for layer in reversed(layers)] + [
        layer / "python" for layer in reversed(layers)
    ]
    return [folder for folder in candidates if folder.is_dir()]


def _log_stream_name(version: str) -> str:
    today = dt.datetime.now(dt.UTC).strftime("%Y/%m/%d")
    return f"{today}/[{version}]{uuid.uuid4().hex}"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _tail(lines: list[LogLine]) -> str:
    text = ("\n".join(line.message for line in lines) + "\n").encode()
    return base64.b64encode(text[-TAIL_BYTES:]).decode()
