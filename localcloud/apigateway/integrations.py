"""The backends an integration calls, in this process: Lambda functions, Step Functions, MOCK.

Lambda runs through the local runtime directly (no HTTP hop: a proxy call then costs little
more than the invoke itself). Step Functions actions go through the local cloud's own WSGI
app in-process, so they behave exactly as the StartExecution/StartSyncExecution API does.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.test import EnvironBuilder, run_wsgi_app

from localcloud import iam, seams
from localcloud.apigateway.mapping import IntegrationResult, MappingError
from localcloud.lambda_runtime.backend import LocalLambdaBackend

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]

_LAMBDA_URI = re.compile(
    r"^arn:aws[\w-]*:apigateway:[\w-]+:lambda:path/[\d-]+/functions/(.+)/invocations$"
)
_SERVICE_URI = re.compile(r"^arn:aws[\w-]*:apigateway:([\w-]+):([\w-]+):action/(\w+)$")
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
# AWS service integrations this emulation can call: (service, action) -> X-Amz-Target.
_TARGETS = {
    ("states", "StartExecution"): "AWSStepFunctions.StartExecution",
    ("states", "StartSyncExecution"): "AWSStepFunctions.StartSyncExecution",
}


def with_stage_variables(uri: str, stage_variables: dict[str, str]) -> str:
    """Integration URIs may name a function or machine through `${stageVariables.x}`."""
    return _STAGE_VARIABLE.sub(lambda m: stage_variables.get(m.group(1), ""), uri)


def invoke_lambda(uri: str, event: dict[str, Any]) -> tuple[bool, bytes]:
    """(ok, payload) of a synchronous invoke of the function an integration URI names."""
    match = _LAMBDA_URI.match(uri)
    if match is None:
        raise MappingError(f"not a Lambda function integration URI: {uri}")
    function_arn = match.group(1)
    parts = function_arn.split(":")
    if len(parts) < 7:
        raise MappingError(f"Invalid Lambda function ARN in integration URI: {function_arn}")
    account_id, region, name = parts[4], parts[3], parts[6]
    qualifier = parts[7] if len(parts) > 7 else None
    try:
        function = seams.lambda_backend(account_id, region).get_function(name, qualifier)
    except Exception as error:  # moto's "function not found" family
        raise MappingError(f"Invalid Lambda function {function_arn}: {error}") from error
    runtime = LocalLambdaBackend.runtime
    assert runtime is not None, "the local cloud server sets LocalLambdaBackend.runtime"
    result = runtime.invoke(
        function,
        qualifier,
        event,
        _trace_header(event),
        from_gateway=True,
    )
    return result.ok, result.payload


def _trace_header(event: dict[str, Any]) -> str | None:
    """The request's X-Amzn-Trace-Id, in whatever case the client spelled its name."""
    headers = event.get("headers") or {}
    return next((v for k, v in headers.items() if k.lower() == "x-amzn-trace-id"), None)


def call_service(
    services: WsgiApp, uri: str, body: str, role_arn: str | None = None
) -> IntegrationResult:
    """Call an AWS action (`arn:aws:apigateway:<region>:<service>:action/<Action>`), as the
    integration's `credentials` role if it has one (its policies then decide, as on AWS)."""
    match = _SERVICE_URI.match(uri)
    target = _TARGETS.get((match.group(2), match.group(3))) if match else None
    if match is None or target is None:
        raise MappingError(f"AWS integration not emulated locally: {uri}")
    region, service = match.group(1), match.group(2)
    day = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    key = "apigateway"  # not a key the local cloud issued: allowed, as an administrator's
    if role_arn:
        key = iam.role_credentials(role_arn.split(":")[4], role_arn, "apigateway").access_key_id
    environ = EnvironBuilder(
        method="POST",
        path="/",
        headers={
            "Host": f"{service}.{region}.amazonaws.com",
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": target,
            # moto and the server read the service and region from the credential scope.
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential={key}/{day}/{region}/{service}/aws4_request, "
                "SignedHeaders=host;x-amz-target, Signature=0"
            ),
        },
        data=body.encode(),
    ).get_environ()
    app_iter, status, headers = run_wsgi_app(services, environ)
    try:
        answer = b"".join(app_iter)
    finally:
        getattr(app_iter, "close", lambda: None)()
    return IntegrationResult(
        int(status.split(" ", 1)[0]), dict(headers.items()), answer.decode("utf-8", "replace")
    )


def mock(rendered_request: str) -> IntegrationResult:
    """A MOCK integration answers the status code its request template names."""
    if not rendered_request.strip():
        return IntegrationResult(200)
    try:
        status = json.loads(rendered_request).get("statusCode", 200)
    except (ValueError, AttributeError):
        raise MappingError("MOCK request template did not render a JSON object") from None
    return IntegrationResult(int(status))
