"""A Lambda execution environment: one process that imports a handler once and serves invokes.

Started by `pool.Worker` with an isolated interpreter (`-I -S`: no PYTHONPATH, no site or user
packages), the function's environment and the deployment package as the working directory; it
puts on its path only what Lambda's does: the package, its layers and the runtime's SDK. It uses
only the standard library and runs on every Python Lambda offers (3.9 and later). It speaks a
line protocol with its parent:
invoke requests arrive on stdin as JSON lines; the handler's own output goes to stdout as
usual, and the worker's answers go to stdout too, as lines that start with a frame marker
and a per-worker token the handler cannot guess. Sharing one stream keeps the handler's log
lines and the invocation they belong to in order. A `log` frame carries one log event of the
runtime's own that spans lines (an `[ERROR]` entry with its traceback), as Lambda's runtime
sends those in one telemetry frame rather than as stdout lines.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import resource
import sys
import time
import traceback
from types import TracebackType
from typing import Any

FRAME = "\x1e"
TOKEN = os.environ.pop("LOCALCLOUD_WORKER_TOKEN", "")
# Where Lambda's /var/task is here: error messages and stack traces name /var/task, as on AWS.
TASK_ROOT = os.getcwd()
# Where the function's layers are unpacked here, each standing for /opt (Lambda extracts every
# layer into /opt), so a trace through layer code names /opt/python/..., as on AWS.
LAYER_ROOTS = [
    root for root in os.environ.pop("LOCALCLOUD_WORKER_LAYERS", "").split(os.pathsep) if root
]
# The Python runtime indents a logged traceback's lines with no-break spaces (awslambdaric's
# ERROR_LOG_IDENT): a log event read back here has the same characters as on AWS.
ERROR_LOG_INDENT = "\u00a0"


def use_lambda_path() -> None:
    """Put the package, its layers and the runtime's SDK before the standard library, in
    Lambda's order (/var/task, /opt/python/lib/pythonX.Y/site-packages, /opt/python, the SDK)."""
    entries = os.environ.pop("LOCALCLOUD_WORKER_PATH", "").split(os.pathsep)
    sys.path[:0] = [entry for entry in entries if entry]


def as_on_lambda(text: str) -> str:
    """`text` with this machine's folders named as Lambda's: the package's /var/task and the
    layers' /opt."""
    text = text.replace(TASK_ROOT + os.sep, "/var/task/")
    for root in LAYER_ROOTS:
        text = text.replace(root + os.sep, "/opt/")
    return text


class LambdaContext:
    """The `context` object a Python handler receives, with Lambda's attribute names."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.aws_request_id: str = request["requestId"]
        self.invoked_function_arn: str = request["invokedFunctionArn"]
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_ms: int = request["deadlineMs"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


class _RequestIdFilter(logging.Filter):
    """Gives every record `aws_request_id`, as the Lambda runtime's log handler does."""

    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


class _LambdaFormatter(logging.Formatter):
    """The runtime's log format; a logged exception's traceback names Lambda's folders."""

    def formatException(  # noqa: N802 (logging's own name)
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        return as_on_lambda(super().formatException(ei))


def send(message: dict[str, Any]) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    line = f"{FRAME}{TOKEN} {json.dumps(message)}\n".encode()
    os.write(1, line)


def error_payload(error_type: str, message: str, stack: list[str] | None = None) -> dict:
    return {
        "errorMessage": as_on_lambda(message),
        "errorType": error_type,
        "requestId": "",
        "stackTrace": [as_on_lambda(frame) for frame in stack or []],
    }


def exception_payload(exc: BaseException) -> dict:
    # Formatted from (file, line, function, source) tuples, as the Python runtime does: its
    # frames carry no column, so Python 3.11+ draws no ~~~^^^ marks under the failing code.
    frames = traceback.extract_tb(exc.__traceback__)[1:]
    stack = traceback.format_list(
        [(frame.filename, frame.lineno, frame.name, frame.line) for frame in frames]
    )
    return error_payload(type(exc).__name__, str(exc), stack)


def log_error(payload: dict) -> None:
    """Log an error the way the Python runtime does (awslambdaric's `log_error`): one log event,
    the `[ERROR]` line, then "Traceback (most recent call last):" (even when the trace is
    empty, as for Runtime.ImportModuleError) and the trace's lines, indented with no-break
    spaces. On Lambda it goes out as one telemetry frame, not as stdout lines, so it stays one
    CloudWatch Logs event; here it goes out as one `log` frame."""
    lines = [
        f"[ERROR] {payload['errorType']}: {payload['errorMessage']}",
        "Traceback (most recent call last):",
    ]
    for frame in payload.get("stackTrace", []):
        for line in frame.splitlines():
            stripped = line.lstrip(" ")
            lines.append(ERROR_LOG_INDENT * (len(line) - len(stripped)) + stripped)
    send({"type": "log", "message": "\n".join(lines)})


def peak_memory_mb() -> int:
    """This process's peak resident memory ("Max Memory Used").

    Read from /proc (VmHWM): `ru_maxrss` would report the server this worker was forked from,
    since Linux carries it across fork and exec.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:  # no /proc (macOS): ru_maxrss is in bytes there
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 * 1024)


def load_handler() -> Any:
    """Import the module named by `_HANDLER` and return its handler, as Lambda's bootstrap does."""
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except SyntaxError as exc:
        where = f"{os.path.basename(exc.filename or '?')}, line {exc.lineno}"
        raise InitError(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {exc.msg} ({where})",
        ) from exc
    except ImportError as exc:
        raise InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    except Exception as exc:  # module-level code failed: Lambda reports the exception itself
        raise InitError(type(exc).__name__, str(exc), exception_payload(exc)["stackTrace"]) from exc
    handler = getattr(module, function_name, None)
    if handler is None:
        raise InitError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return handler


class InitError(Exception):
    def __init__(self, error_type: str, message: str, stack: list[str] | None = None) -> None:
        super().__init__(message)
        self.payload = error_payload(error_type, message, stack)


def serve() -> None:
    request_ids = _RequestIdFilter()
    log_handler = logging.StreamHandler(sys.stdout)
    log_handler.setFormatter(
        _LambdaFormatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    log_handler.addFilter(request_ids)
    logging.Formatter.converter = time.gmtime
    logging.getLogger().addHandler(log_handler)
    logging.getLogger().setLevel(logging.WARNING)

    started = time.perf_counter()
    try:
        handler = load_handler()
    except InitError as exc:
        log_error(exc.payload)
        send({"type": "init", "ok": False, "error": exc.payload})
        return
    send({"type": "init", "ok": True, "initMs": (time.perf_counter() - started) * 1000})

    for line in sys.stdin:
        request = json.loads(line)
        request_ids.request_id = request["requestId"]
        os.environ["_X_AMZN_TRACE_ID"] = request.get("traceId", "")
        answer: dict[str, Any] = {"type": "result", "ok": True}
        try:
            result = handler(request["event"], LambdaContext(request))
            try:
                answer["payload"] = json.dumps(result)
            except (TypeError, ValueError) as exc:
                error = error_payload("Runtime.MarshalError", f"Unable to marshal response: {exc}")
                log_error(error)  # the runtime logs it like any invoke error
                answer = {"type": "result", "ok": False, "error": error}
        except Exception as exc:  # the handler's failure is the invoke's answer
            payload = exception_payload(exc)
            payload["requestId"] = request["requestId"]
            log_error(payload)
            answer = {"type": "result", "ok": False, "error": payload}
        answer["maxRssMb"] = peak_memory_mb()
        send(answer)


if __name__ == "__main__":
    use_lambda_path()
    serve()
