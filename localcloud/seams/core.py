"""moto's version, its configuration switches and its WSGI application."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import moto
from moto.awslambda.models import LambdaBackend
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import BackendDict
from moto.core.config import default_user_config
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse
from moto.moto_server import werkzeug_app
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler

from localcloud.seams.patching import replace

MOTO_VERSION = "5.2.5"
ACCOUNT_ID: str = DEFAULT_ACCOUNT_ID

__all__ = [
    "ACCOUNT_ID",
    "MOTO_VERSION",
    "LambdaBackend",
    "MotoRequestHandler",  # the server's request handler, as moto_server uses it
    "check_moto_version",
    "configure_moto",
    "install_unimplemented_answer",
    "lambda_backend",
    "moto_wsgi_app",
]


def check_moto_version() -> None:
    """Refuse to run on a moto other than the one these seams were written against."""
    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(
            f"localcloud was written against moto {MOTO_VERSION} but moto {moto.__version__} is "
            "installed. Run `make install` (or pip install -r requirements.txt) to get the pinned "
            "version, or update localcloud/seams/ and its tests for the new one."
        )


def configure_moto(lambda_backend_class: type[LambdaBackend]) -> None:
    """Switch on moto's Step Functions interpreter and swap in our Lambda backend.

    moto picks its Lambda backend in `moto.awslambda.utils.get_backend`: with
    `use_docker: False` it serves `moto.awslambda_simple.models.lambda_simple_backends`, the
    extension seam moto itself uses for a Docker-free Lambda. We install our own BackendDict
    there, so every caller (the Lambda API, Step Functions, SNS) reaches our `invoke`.
    """
    import moto.awslambda_simple.models as simple

    default_user_config["lambda"] = {"use_docker": False}
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    simple.lambda_simple_backends = BackendDict(lambda_backend_class, "lambda")


def lambda_backend(account_id: str, region: str) -> LambdaBackend:
    """The Lambda backend moto serves for an account and region (ours, once configured)."""
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region)


def moto_wsgi_app() -> DomainDispatcherApplication:
    """moto's own server application, as `moto_server` builds it."""
    # Looked up at each call, so an installed replacement of `create_backend_app` applies.
    return DomainDispatcherApplication(lambda service: werkzeug_app.create_backend_app(service))


class _Unimplemented(ServiceException):
    """An error code of our own, which no service model lists: moto's serializer gives it the
    protocol's generic error shape (JSON `__type`, query `ErrorResponse`, rest-json header).
    Defined outside moto's packages: moto would look an exception of its own up in the model
    of the service its module is named after, and `moto.core` has none."""


def install_unimplemented_answer(answer: Callable[[str, str, str], tuple[int, str, str]]) -> None:
    """Answer moto's NotImplementedError with `answer(service, action, moto's message)`.

    `answer` returns (HTTP status, error code, message). Every moto service dispatches through
    `BaseResponse._dispatch` (request parsing, then `call_action`), and `call_action` raises
    NotImplementedError for an action the service has no method for; a method may raise it for
    a part of an action it does not cover. Either would reach the client as an HTML 500.
    """
    # moto warns when an error code is missing from the service model; ours always is.
    warnings.filterwarnings("ignore", message=r"Exception\(_Unimplemented\)")

    def build(model: Callable[..., Any]) -> Callable[..., Any]:
        def dispatch(
            self: BaseResponse, request: Any, full_url: str | None = None, headers: Any = None
        ) -> Any:
            try:
                return model(self, request, full_url, headers)
            except NotImplementedError as error:
                # An action moto cannot even name never gets here: call_action answers 404.
                status, code, message = answer(
                    self.boto3_service_name, self._get_action(), str(error)
                )
                _, response_headers, body = self.serialized(
                    ActionResult(_Unimplemented(code, message))
                )
                return status, response_headers, body

        return dispatch

    replace(BaseResponse, "_dispatch", build)

    def build_app(model: Callable[[str], Any]) -> Callable[[str], Any]:
        def create_backend_app(service: str) -> Any:
            app = model(service)
            app.register_error_handler(404, lambda error: _unrouted(app.service, error, answer))
            return app

        return create_backend_app

    replace(werkzeug_app, "create_backend_app", build_app)


def _unrouted(
    service: str, not_found: Exception, answer: Callable[[str, str, str], tuple[int, str, str]]
) -> Any:
    """A rest-json request moto has no URL rule for: if the path is an operation of the
    service's API, answer as for an unimplemented action (moto would answer an HTML 404)."""
    from botocore.exceptions import UnknownServiceError
    from flask import Response, request
    from moto.core.responses import boto3_service_name
    from moto.core.routing import get_service_router
    from moto.core.utils import get_service_model
    from werkzeug.exceptions import NotFound

    name = boto3_service_name.get(service, service)
    try:
        protocol = get_service_model(name).protocol
    except UnknownServiceError:  # moto's own apps (moto_api, instance_metadata)
        return not_found
    if protocol != "rest-json":
        return not_found
    try:
        operation, _ = get_service_router(name).match(request)
    except NotFound:
        return not_found  # not an operation of this API either
    status, code, message = answer(name, operation.name, "")
    body = json.dumps({"message": message})
    return Response(body, status, {"Content-Type": "application/json", "x-amzn-ErrorType": code})


def install_dispatch_caches() -> None:
    """Work moto's server repeats for every request, done once.

    - `DomainDispatcherApplication.get_backend_for_host` lists moto's package folder
      (`backends.list_of_moto_modules`: a directory listing and a stat per service) and then
      tries every service's URL patterns, for each request: its answer depends only on the
      host, so it is kept per host, and the folder listing once.
    - `BaseResponse.call_action` asks `method_names_from_class` (inspect.getmembers over the
      class and its bases) whether the action has a method: kept per class and per shape of
      its hierarchy, so a method a seam adds later is still found.
    Together about 8% of the server's time under an order load.
    """
    import functools

    from moto import backends
    from moto.core import responses

    def method_names_of(model: Any) -> Any:
        @functools.lru_cache(maxsize=1024)
        def names(clazz: type, _shape: tuple[int, ...]) -> list[str]:
            return model(clazz)

        def method_names_from_class(clazz: type) -> list[str]:
            return names(clazz, tuple(len(vars(c)) for c in clazz.__mro__))

        return method_names_from_class

    def moto_modules_of(model: Any) -> Any:
        modules = tuple(model())  # the installed package's folders do not change
        return lambda: modules

    def backend_for_host_of(model: Any) -> Any:
        return functools.lru_cache(maxsize=1024)(model)

    replace(responses, "method_names_from_class", method_names_of)
    replace(backends, "list_of_moto_modules", moto_modules_of)
    replace(DomainDispatcherApplication, "get_backend_for_host", backend_for_host_of)
