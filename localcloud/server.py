"""The local cloud's server process: moto's services plus what moto lacks, on one port.

Requests go to moto unless one of our routes claims them (API Gateway invoke URLs, the
email confirmation link, the health check). Background services (alarm evaluation, metrics
from Step Functions) run as threads of this process, beside moto's in-memory backends.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import run_simple

from localcloud import heap, iam, lifecycle, mail, metric_widget, realism, seams, unimplemented
from localcloud.alarms import AlarmEvaluator
from localcloud.apigateway import InvokeApp, is_invoke_path
from localcloud.apigateway import control as apigateway_control
from localcloud.apigateway.export import ExportApp, is_oas30_export_path
from localcloud.lambda_runtime import interpreters
from localcloud.lambda_runtime.backend import INVOKE_REQUEST_ID_HEADER, LocalLambdaBackend
from localcloud.lambda_runtime.runtime import LambdaRuntime
from localcloud.mail import SnsEmail
from localcloud.metric_data import is_percentile, percentile_values, rounded_start
from localcloud.on_demand import OnFirstRequest
from localcloud.request_handler import RawHeadersRequestHandler
from localcloud.seams.cloudwatch import install_metric_statistics_start
from localcloud.seams.log_filters import install_json_filter_patterns
from localcloud.seams.log_pages import install_filter_log_pages
from localcloud.settings import Settings, port_in_use
from localcloud.stepfunctions import (
    ExecutionWatcher,
    install_interpreter,
    name_unnamed_execution,
    start_sync_execution,
)
from localcloud.throttling import logs_read_quotas

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]
HEALTH_PATH = "/_localcloud/health"
_REQUEST_ID_HEADERS = {"x-amzn-requestid", INVOKE_REQUEST_ID_HEADER}


class LocalCloudApp:
    """A WSGI app: our routes first (by path prefix), then moto."""

    def __init__(
        self,
        settings: Settings,
        routes: list[tuple[Callable[[str], bool], WsgiApp]],
        first_requests: OnFirstRequest | None = None,
    ) -> None:
        self.settings = settings
        self.routes = routes
        self.first_requests = first_requests or OnFirstRequest({})
        self.guard = iam.Guard()
        self.moto = self.guard.recording_policy_changes(seams.moto_wsgi_app())

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            return self.health(start_response)
        for matches, app in self.routes:
            if matches(path):
                return app(environ, start_response)
        refusal = self.guard.refusal(environ)  # IAM: may this caller do this?
        if refusal is not None:
            return refusal(environ, start_response)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        self.first_requests.before(environ)
        if target == "AWSStepFunctions.StartSyncExecution":
            status, answer = start_sync_execution(
                _read_body(environ), _region_of(environ), environ.get("HTTP_X_AMZN_TRACE_ID")
            )
            return _json_response(start_response, status, answer)
        if target == "AWSStepFunctions.StartExecution":
            body = name_unnamed_execution(target, _read_body(environ))
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        if path.endswith("/invocations"):
            return self.moto(environ, _with_invoke_request_id(start_response))
        return self.moto(environ, start_response)

    def health(self, start_response: Callable) -> Iterable[bytes]:
        body = json.dumps(
            {
                "status": "running",
                "pid": os.getpid(),
                "endpoint": self.settings.endpoint_url,
                "region": self.settings.region,
                "dataDir": str(self.settings.data_dir),
                "moto": seams.MOTO_VERSION,
                "realism": realism.level(),
                "simulatedRecipient": mail.simulated_recipient(),
            }
        ).encode()
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]


def _with_invoke_request_id(start_response: Callable) -> Callable:
    """An Invoke answer carries the request id of the invocation (the one in its START, END
    and REPORT lines), as on AWS; moto would stamp a request id of its own over it."""

    def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        ours = next((v for k, v in headers if k.lower() == INVOKE_REQUEST_ID_HEADER), None)
        if ours is not None:
            headers = [(k, v) for k, v in headers if k.lower() not in _REQUEST_ID_HEADERS]
            headers.append(("x-amzn-RequestId", ours))
        return start_response(status, headers, *args)

    return start


def _read_body(environ: dict) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def _region_of(environ: dict) -> str:
    """The region a SigV4-signed request was signed for (`Credential=key/date/region/...`)."""
    match = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else Settings.from_env().region


def _json_response(start_response: Callable, status: int, answer: dict) -> Iterable[bytes]:
    body = json.dumps(answer, default=str).encode()
    reason = {200: "OK", 400: "Bad Request"}.get(status, "Error")
    headers = [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))]
    if "__type" in answer:
        headers.append(("x-amzn-ErrorType", answer["__type"]))
    start_response(f"{status} {reason}", headers)
    return [body]


def build(settings: Settings) -> tuple[LocalCloudApp, list[Any]]:
    """Configure moto and our additions; returns the app and the services to stop at exit."""
    seams.check_moto_version()
    seams.load_aws_managed_policies()
    # moto's Step Functions interpreter calls Lambda and the other services on this port.
    os.environ["MOTO_PORT"] = str(settings.port)
    runtime = LambdaRuntime(settings)
    LocalLambdaBackend.runtime = runtime
    seams.configure_moto(LocalLambdaBackend)
    seams.install_lambda_update_hooks()
    # Lambda refuses retired runtimes, and a deleted function's workers stop at once.
    seams.install_runtime_check(interpreters.refusal)
    seams.install_invoke_qualifier()
    seams.install_account_settings()
    seams.on_functions_deleted(runtime.stop_workers)
    lifecycle.install()
    seams.install_task_credentials(iam.task_credentials)
    seams.install_item_patches()
    seams.install_parsed_expressions()
    seams.install_dispatch_caches()
    seams.install_metric_data_hook(is_percentile, percentile_values, rounded_start)
    install_metric_statistics_start(rounded_start)  # StartTime rounded to the period
    metric_widget.install()  # GetMetricWidgetImage
    seams.install_unimplemented_answer(unimplemented.answer)
    install_json_filter_patterns()  # moto matches every line for a JSON pattern
    install_filter_log_pages()  # one log stream's events a FilterLogEvents page
    if (quotas := logs_read_quotas()) is not None:
        seams.install_logs_read_quotas(quotas.admit)
    execution_watcher = ExecutionWatcher()
    execution_watcher.start()
    sns_email = SnsEmail(settings.endpoint_url, settings.data_dir)
    sns_email.install()
    alarm_evaluator = AlarmEvaluator()
    alarm_evaluator.install()
    alarm_evaluator.start()
    gateway = InvokeApp()

    def install_apigateway() -> None:
        apigateway_control.install()
        gateway.install()

    # Services whose moto modules take long to import are patched at their first request.
    first_requests = OnFirstRequest(
        {
            "states": lambda: install_interpreter(execution_watcher, app, app.guard),
            "apigateway": install_apigateway,
        }
    )
    routes = [
        (mail.matches, sns_email),
        (is_invoke_path, gateway),
        # GetExport as OpenAPI 3 (moto answers Swagger 2 only), from the same snapshots.
        (is_oas30_export_path, ExportApp(gateway.deployments)),
    ]
    app = LocalCloudApp(settings, routes=routes, first_requests=first_requests)
    gateway.services = app  # AWS integrations (Step Functions) call this same app in-process
    # Mail last: it writes what the others' last moments published.
    return app, [runtime, execution_watcher, alarm_evaluator, sns_email]


def serve(settings: Settings) -> None:
    """Run the server in the foreground until SIGTERM or Ctrl-C."""
    if port_in_use(settings.host, settings.port):
        sys.exit(
            f"Port {settings.port} on {settings.host} is already in use, so the local cloud cannot "
            "start there. Stop what uses it, or pick another: LOCALCLOUD_PORT=4567 make cloud"
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # One line per request would cost time on every call and grow the log without bound;
    # warnings and errors still reach it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        realism.delays()  # a wrong LOCALCLOUD_REALISM stops the server here, with the fix
    except realism.RealismError as error:
        sys.exit(str(error))
    app, services = build(settings)
    heap.settle()  # what start-up loaded stays loaded: no full collection walks it again

    def stop(signum: int, frame: Any) -> None:
        for service in services:
            (getattr(service, "shutdown", None) or service.stop)()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"Local cloud listening on {settings.endpoint_url} (region {settings.region})", flush=True
    )
    run_simple(
        settings.host,
        settings.port,
        app,
        threaded=True,
        request_handler=RawHeadersRequestHandler,
    )
