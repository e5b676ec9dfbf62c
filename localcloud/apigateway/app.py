"""The WSGI app behind invoke URLs: one request through API Gateway's pipeline.

Order, as on AWS: stage -> route (403 Missing Authentication Token) -> stage throttling ->
API key and usage plan (403, 429) -> request validation (400) -> integration -> response,
then the access log line and the AWS/ApiGateway metrics.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from localcloud import seams
from localcloud.apigateway import errors, integrations, proxy, telemetry
from localcloud.apigateway.deployments import Deployments
from localcloud.apigateway.keys import Limiter
from localcloud.apigateway.mapping import (
    MappingError,
    integration_request,
    integration_response,
)
from localcloud.apigateway.proxy import HttpResponse
from localcloud.apigateway.request import GatewayRequest, from_environ
from localcloud.apigateway.templates import Scope, TemplateError
from localcloud.tracing import trace_id

log = logging.getLogger(__name__)
WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


@dataclass
class _Call:
    """One request's state, for the response headers, the access log and the metrics."""

    request: GatewayRequest
    context: dict[str, Any]
    account_id: str = ""
    region: str = ""
    api_name: str = ""
    stage: dict[str, Any] = field(default_factory=dict)
    integration_ms: float | None = None


class InvokeApp:
    def __init__(self) -> None:
        self.deployments = Deployments()
        self.limiter = Limiter()
        # The local cloud's own app, for AWS service integrations (set by the server).
        self.services: WsgiApp | None = None

    def install(self) -> None:
        """Learn of every new deployment (the server calls this before the first API Gateway
        request: importing moto's API Gateway takes about a second)."""
        seams.on_apigateway_deployment(self.deployments.record)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        request = from_environ(environ)
        call = _Call(request, _base_context(request))
        try:
            response = self._handle(call)
        except errors.GatewayError as error:
            response = _error_response(error, call.context)
        except (MappingError, TemplateError) as error:
            # AWS writes these to the execution log only; ours is the server log.
            log.warning("%s %s %s: %s", request.api_id, request.method, request.path, error)
            response = _error_response(errors.configuration_error(), call.context)
        except Exception:
            # A bug or an unexpected backend error must still answer as API Gateway would,
            # not with the WSGI server's HTML error page.
            log.exception("%s %s %s failed", request.api_id, request.method, request.path)
            response = _error_response(errors.configuration_error(), call.context)
        latency_ms = (time.perf_counter() - started) * 1000
        response.headers += [
            ("x-amzn-RequestId", request.request_id),
            ("x-amz-apigw-id", request.extended_id),
            ("Content-Length", str(len(response.body))),
        ]
        if call.stage:
            self._record(call, response, latency_ms)
        start_response(f"{response.status} {_reason(response.status)}", response.headers)
        return [response.body]

    def _handle(self, call: _Call) -> HttpResponse:
        request, context = call.request, call.context
        located = seams.find_rest_api(request.api_id)
        if located is None:
            raise errors.unknown_api(request.api_id)
        call.account_id, call.region = located
        stage = seams.rest_api_stage(call.account_id, call.region, request.api_id, request.stage)
        if not stage or not stage.get("deploymentId"):
            raise errors.not_deployed(request.api_id, request.stage)
        deployed = self.deployments.get(
            call.account_id, call.region, request.api_id, stage["deploymentId"]
        )
        call.api_name, call.stage = deployed.config["name"], stage
        context.update(accountId=call.account_id, deploymentId=stage["deploymentId"])
        if stage.get("tracingEnabled"):
            # Active tracing: the request's trace id is known to templates and access logs.
            context["xrayTraceId"] = trace_id(request.header("X-Amzn-Trace-Id"))
        stage_variables = stage.get("variables") or {}

        match = deployed.router.match(request.method, request.segments)
        if match is None:
            raise errors.missing_authentication_token()
        resource, method = match.resource, match.method
        context.update(resourcePath=resource["path"], resourceId=resource["id"])
        self.limiter.check_stage(request.api_id, stage, resource["path"], method["httpMethod"])
        key = None
        if method.get("apiKeyRequired"):
            key = self.limiter.check_key(
                call.account_id,
                call.region,
                request.api_id,
                request.stage,
                request.header("x-api-key"),
            )
            context["identity"].update(apiKey=key.value, apiKeyId=key.key_id)
        deployed.validators.check(method, request, match.path_parameters)

        integration = method.get("methodIntegration")
        if not integration:
            raise MappingError("the method has no integration")
        kind = integration.get("type")
        uri = integrations.with_stage_variables(integration.get("uri") or "", stage_variables)
        if kind == "AWS_PROXY":
            event = proxy.build_event(
                request,
                match,
                account_id=call.account_id,
                stage_variables=stage_variables,
                api_key=(key.key_id, key.value) if key else None,
                binary_media_types=deployed.config["binaryMediaTypes"],
            )
            ok, payload = self._timed(call, lambda: integrations.invoke_lambda(uri, event))
            context["integration"]["status"] = 200
            if not ok:
                raise errors.bad_gateway()
            return proxy.map_response(payload)

        scope = Scope(
            request.body.decode("utf-8", "replace"),
            lambda name: _param(request, match.path_parameters, name),
            context,
            stage_variables,
        )
        rendered = integration_request(integration, request.content_type, scope)
        if kind == "MOCK":
            result = integrations.mock(rendered)
        elif kind == "AWS":
            services = self.services
            assert services is not None, "the server sets InvokeApp.services"
            role = integration.get("credentials")
            result = self._timed(
                call, lambda: integrations.call_service(services, uri, rendered, role)
            )
        else:
            raise MappingError(f"integration type {kind} is not emulated by the local cloud")
        context["integration"]["status"] = result.status
        return integration_response(integration, method, result, scope)

    def _timed(self, call: _Call, run: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            return run()
        finally:
            call.integration_ms = (time.perf_counter() - started) * 1000

    def _record(self, call: _Call, response: HttpResponse, latency_ms: float) -> None:
        context = call.context
        context.update(
            status=response.status,
            responseLength=len(response.body),
            responseLatency=round(latency_ms),
        )
        if call.integration_ms is not None:
            context["integrationLatency"] = round(call.integration_ms)
            context["integration"]["latency"] = round(call.integration_ms)
        telemetry.write_access_log(call.account_id, call.region, call.stage, context)
        telemetry.put_metrics(
            call.account_id,
            call.region,
            call.api_name,
            call.request.stage,
            response.status,
            latency_ms,
            call.integration_ms,
        )


def _base_context(request: GatewayRequest) -> dict[str, Any]:
    """`$context` for templates and access logs (filled in as the request goes on)."""
    return {
        "requestId": request.request_id,
        "extendedRequestId": request.extended_id,
        "apiId": request.api_id,
        "stage": request.stage,
        "httpMethod": request.method,
        "path": f"/{request.stage}{request.path}",
        "protocol": "HTTP/1.1",
        "requestTime": request.request_time,
        "requestTimeEpoch": request.epoch_ms,
        "domainName": request.host,
        "identity": {
            "sourceIp": request.source_ip,
            "userAgent": request.header("User-Agent"),
            "apiKey": None,
            "apiKeyId": None,
        },
        "integration": {},
        "error": {},
    }


def _param(request: GatewayRequest, path_params: dict[str, str], name: str) -> str | None:
    """`$input.params('x')`: a path parameter, else a query parameter, else a header."""
    if name in path_params:
        return path_params[name]
    found = request.query_value(name)
    return found if found is not None else request.header(name)


def _error_response(error: errors.GatewayError, context: dict[str, Any]) -> HttpResponse:
    context["error"]["message"] = error.message
    context["error"]["messageString"] = json.dumps(error.message)
    context["error"]["responseType"] = error.error_type
    body = json.dumps({"message": error.message}).encode()
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.error_type)]
    return HttpResponse(error.status, headers, body)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
