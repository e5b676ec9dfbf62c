"""moto's version, its configuration switches and its WSGI application."""

from __future__ import annotations

import json
import string
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
from moto.core.utils import MISSING
from moto.moto_server import werkzeug_app
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler
from werkzeug.wrappers import Request as WerkzeugRequest

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
            if app.request_class is werkzeug_app.BackendRequest:
                app.request_class = _BackendRequest
            return app

        return create_backend_app

    replace(werkzeug_app, "create_backend_app", build_app)


class _BackendRequest(werkzeug_app.BackendRequest):
    """moto's request class, without what Flask adds to it in debug mode, which moto's apps
    run in: Flask's `_load_form_data` then builds a new subclass of the files dict for every
    request (`attach_enctype_error_multidict`, a friendlier KeyError when a form without
    multipart encoding is asked for a file): about 5% of a GetItem's CPU. Errors, which debug
    mode also changes, are untouched."""

    def _load_form_data(self) -> None:
        WerkzeugRequest._load_form_data(self)


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


# Where a shape keeps the keys its member may be found under (see install_dispatch_caches).
_POSSIBLE_KEYS = "_localcloud_possible_keys"
_DICT_KEYS = "_localcloud_dict_keys"  # the same, when all can be looked up in a dict
_REQUEST_ID_CHARACTERS = string.ascii_letters + string.digits


def _alias_key(picker: Any, key: str, shape: Any, obj: Any) -> tuple | None:
    """Everything moto's alias providers read to name a member's possible keys: the member,
    its shape's parent (moto sets it before each member), the object's class and its Meta
    (None for an unhashable Meta, which moto never has: not cached)."""
    meta = getattr(obj, "Meta", None)
    try:
        hash(meta)
    except TypeError:
        return None
    return (tuple(picker.alias_providers), key, getattr(shape, "parent", None), obj.__class__, meta)


def install_dispatch_caches() -> None:
    """Work moto's server repeats for every request, done once.

    - `DomainDispatcherApplication.get_backend_for_host` lists moto's package folder
      (`backends.list_of_moto_modules`: a directory listing and a stat per service) and then
      tries every service's URL patterns, for each request: its answer depends only on the
      host, so it is kept per host, and the folder listing once.
    - `BaseResponse.call_action` asks `method_names_from_class` (inspect.getmembers over the
      class and its bases) whether the action has a method: kept per class and per shape of
      its hierarchy, so a method a seam adds later is still found.
    - moto's response serializer asks `XFormedAttributePicker.get_possible_keys` where each
      member of an output shape may be found on the result, for every member of every
      structure it writes (a DynamoDB item's every AttributeValue has ten): six alias
      providers are instantiated and asked, and each alias run through `xform_name`. The
      answer depends only on the member's shape (with its parent), the key and the result
      object's class and `Meta`, so it is kept on the shape per those; and a member of a
      plain dict is then looked up under those keys without building the picker's context.
    - Every answer gets a request id of 52 letters and digits, drawn one `random.choice` at
      a time (`gen_amzn_requestid_long`, 25 us): drawn at once, from the same random (5 us).
    The first two were about 8% of the server's time under an order load; the serializer's
    lookups cost 0.36 ms of a four-attribute GetItem's answer, 0.07 ms now.
    """
    import functools

    from moto import backends
    from moto.core import responses, serialize

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

    def possible_keys_of(model: Any) -> Any:
        def get_possible_keys(self: Any, context: Any) -> Any:
            shape = context.shape
            key = None if shape is None else _alias_key(self, context.key, shape, context.obj)
            if key is None:
                return model(self, context)
            # Kept on the shape itself: moto's shapes live as long as their service model,
            # and an error's shapes, built per error, take their entries with them.
            known = shape.__dict__.setdefault(_POSSIBLE_KEYS, {})
            keys = known.get(key)
            if keys is None:
                keys = known[key] = tuple(model(self, context))
                # A key with a "." is a path into the object, which a dict lookup is not.
                plain = None if any("." in k for k in keys) else keys
                shape.__dict__.setdefault(_DICT_KEYS, {})[key] = plain
            return keys

        return get_possible_keys

    def get_value_of(model: Any) -> Any:
        def get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
            # A plain dict result (most of DynamoDB's, every AttributeValue) whose member's
            # keys are known: what moto's picker does, without building its context.
            picker = self._value_picker
            if (
                type(value) is dict
                and shape is not None
                and type(picker) is serialize.XFormedAttributePicker
                and not picker.response_transformers
            ):
                known = shape.__dict__.get(_DICT_KEYS, {})
                keys = known.get(_alias_key(picker, key, shape, value))
                if keys is not None:
                    for possible in keys:
                        found = value.get(possible, MISSING)
                        if found is not MISSING:
                            return found
                    return None
            return model(self, value, key, shape)

        return get_value

    def request_id_of(model: Any) -> Any:
        def gen_amzn_requestid_long(headerdict: dict[str, Any] | None = None) -> str:
            from moto.moto_api._internal import mock_random

            # The same 52 letters and digits from moto's (seedable) random, drawn in one call.
            request_id = "".join(mock_random.choices(_REQUEST_ID_CHARACTERS, k=52))
            if isinstance(headerdict, dict):
                headerdict["x-amzn-requestid"] = request_id
            return request_id

        return gen_amzn_requestid_long

    replace(responses, "method_names_from_class", method_names_of)
    replace(responses, "gen_amzn_requestid_long", request_id_of)
    replace(serialize.XFormedAttributePicker, "get_possible_keys", possible_keys_of)
    replace(serialize.ResponseSerializer, "get_value", get_value_of)
    replace(backends, "list_of_moto_modules", moto_modules_of)
    replace(DomainDispatcherApplication, "get_backend_for_host", backend_for_host_of)
