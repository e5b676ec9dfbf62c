"""Lambda: functions' code, layers and revisions, and what the two update calls do.

(`lambda` is a keyword, hence the module's name.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.awslambda.models import LambdaBackend, LambdaFunction

from localcloud.seams.core import lambda_backend
from localcloud.seams.patching import add, replace


def function_code_zip(function: LambdaFunction) -> bytes:
    """The deployment package (zip bytes) of a function."""
    return function.code_bytes


def function_code_sha256(function: LambdaFunction) -> str:
    return function.code_sha_256


def function_layer_zips(function: LambdaFunction) -> list[tuple[str, bytes]]:
    """(layer version ARN, zip bytes) for each layer of a function, in order."""
    backend = lambda_backend(function.account_id, function.region)
    zips = []
    for layer in function.layers:
        version = backend.layers_versions_by_arn(layer["Arn"])
        zips.append((layer["Arn"], layer_code_zip(version)))
    return zips


def layer_code_zip(layer_version: Any) -> bytes:
    return layer_version.code_bytes


TRACING_MODES = ("Active", "PassThrough")


def function_revision(function: LambdaFunction) -> str:
    """Changes with every UpdateFunctionCode and UpdateFunctionConfiguration (LastModified)."""
    return function.last_modified


def function_role(account_id: str, region: str, function_name: str) -> str | None:
    """The execution role of a function (by name or ARN), or None if there is no such one."""
    from moto.awslambda.exceptions import UnknownFunctionException

    try:
        return lambda_backend(account_id, region).get_function(function_name).role
    except UnknownFunctionException:
        return None


def install_lambda_update_hooks() -> None:
    """What Lambda's two update calls do on AWS and moto 5.2.5 skips.

    UpdateFunctionConfiguration applies `TracingConfig` (moto keeps the one given at create),
    and both updates set LastModified: every update gives the function new execution
    environments, so the runtime's next invoke is a cold start even if nothing it reads
    changed (a new tracing mode, role or description).
    """
    from moto.awslambda.exceptions import ValidationException
    from moto.core.utils import iso_8601_datetime_with_nanoseconds

    def update_configuration_of(model: Any) -> Any:
        def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
            if "TracingConfig" in config_updates:
                mode = (config_updates["TracingConfig"] or {}).get("Mode", "PassThrough")
                if mode not in TRACING_MODES:
                    raise ValidationException(
                        mode,
                        "tracingConfig.mode",
                        f"Member must satisfy enum value set: [{', '.join(TRACING_MODES)}]",
                    )
                self.tracing_config = {"Mode": mode}
            self.last_modified = iso_8601_datetime_with_nanoseconds()
            return model(self, config_updates)

        return update_configuration

    def update_function_code_of(model: Any) -> Any:
        def update_function_code(self: Any, updated_spec: dict[str, Any]) -> dict[str, Any]:
            if not updated_spec.get("DryRun"):
                self.last_modified = iso_8601_datetime_with_nanoseconds()
            return model(self, updated_spec)

        return update_function_code

    replace(LambdaFunction, "update_configuration", update_configuration_of)
    replace(LambdaFunction, "update_function_code", update_function_code_of)


@dataclass(frozen=True)
class FunctionLifecycleHooks:
    """What the Lambda API tells `localcloud.lifecycle`, by function ARN."""

    created: Callable[[str], None]
    check_update: Callable[[str], None]  # raises to refuse an update or PublishVersion
    updated: Callable[[str], None]
    deleted: Callable[[str], None]
    # (ARN, moto's FunctionConfiguration) -> the one to answer: State, LastUpdateStatus...
    configuration: Callable[[str, dict[str, Any]], dict[str, Any]]


def install_function_lifecycle(hooks: FunctionLifecycleHooks) -> None:
    """Route CreateFunction, the two updates, PublishVersion, DeleteFunction and every
    FunctionConfiguration moto answers (GetFunction, ListFunctions, ...) through `hooks`.

    moto 5.2.5 makes a function Active at once and never shows an update in progress.
    """

    def create_function_of(model: Any) -> Any:
        def create_function(self: Any, spec: dict[str, Any]) -> Any:
            function = model(self, spec)
            hooks.created(function.function_arn)
            return function

        return create_function

    def update_of(model: Any) -> Any:
        def update(
            self: Any, function_name: str, qualifier: str, body: dict[str, Any]
        ) -> dict[str, Any] | None:
            arn = self.get_function(function_name, qualifier).function_arn
            hooks.check_update(arn)
            answer = model(self, function_name, qualifier, body)
            if body.get("DryRun"):
                return answer
            hooks.updated(arn)
            return hooks.configuration(arn, answer) if answer is not None else None

        return update

    def publish_version_of(model: Any) -> Any:
        def publish_version(self: Any, function_name: str, description: str = "") -> Any:
            hooks.check_update(self.get_function(function_name).function_arn)
            return model(self, function_name, description)

        return publish_version

    def delete_function_of(model: Any) -> Any:
        def delete_function(self: Any, function_name: str, qualifier: str | None = None) -> None:
            arn = self.get_function(function_name).function_arn
            model(self, function_name, qualifier)
            if qualifier is None:
                hooks.deleted(arn)

        return delete_function

    def get_configuration_of(model: Any) -> Any:
        def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
            return hooks.configuration(self.function_arn, model(self, on_create))

        return get_configuration

    replace(LambdaBackend, "create_function", create_function_of)
    replace(LambdaBackend, "update_function_code", update_of)
    replace(LambdaBackend, "update_function_configuration", update_of)
    replace(LambdaBackend, "publish_version", publish_version_of)
    replace(LambdaBackend, "delete_function", delete_function_of)
    replace(LambdaFunction, "get_configuration", get_configuration_of)


def install_runtime_check(refusal: Callable[[str | None, bool], str | None]) -> None:
    """Refuse CreateFunction, and UpdateFunctionConfiguration setting a Runtime, when
    `refusal(runtime, creating)` gives a message (moto 5.2.5 accepts any runtime)."""
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.awslambda.responses import LambdaResponse

    def checked_of(model: Any, *, creating: bool) -> Any:
        def checked(self: Any) -> Any:
            body = self.json_body or {}
            if creating or "Runtime" in body:
                message = refusal(body.get("Runtime"), creating)
                if message is not None:
                    raise InvalidParameterValueException(message)
            return model(self)

        return checked

    replace(LambdaResponse, "create_function", lambda m: checked_of(m, creating=True))
    replace(
        LambdaResponse, "update_function_configuration", lambda m: checked_of(m, creating=False)
    )


def on_functions_deleted(deleted: Callable[[set[str]], None]) -> None:
    """Call `deleted(ARNs)` after DeleteFunction with the ARNs that no longer exist: the
    function's and every version's, or the one version deleted."""
    from moto.awslambda.exceptions import UnknownFunctionException
    from moto.awslambda.models import LambdaStorage

    def arns_of(storage: Any, name: str) -> set[str]:
        group = storage._functions.get(name) or {"latest": None, "versions": []}
        latest = [group["latest"]] if group["latest"] is not None else []
        return {function.function_arn for function in latest + group["versions"]}

    def del_function_of(model: Any) -> Any:
        def del_function(self: Any, name_or_arn: str, qualifier: str | None = None) -> None:
            try:
                name = self.get_function_by_name_or_arn_with_qualifier(
                    name_or_arn, qualifier
                ).function_name
            except UnknownFunctionException:
                name = None  # moto answers ResourceNotFoundException
            before = arns_of(self, name) if name else set()
            model(self, name_or_arn, qualifier)
            gone = before - arns_of(self, name) if name else set()
            if gone:
                deleted(gone)

        return del_function

    replace(LambdaStorage, "del_function", del_function_of)


def install_invoke_qualifier() -> None:
    """Invoke the version or alias the request's `Qualifier` names.

    moto 5.2.5 reads a query parameter `qualifier` (Lambda's is `Qualifier`), and failing that,
    a `qualifier` key of the event itself: it always ran $LATEST, or what the event named.
    """
    from moto.awslambda.responses import LambdaResponse

    def invoke_of(model: Any) -> Any:
        def invoke(self: Any) -> Any:
            self.querystring["qualifier"] = self.querystring.get("Qualifier", [None])
            return model(self)

        return invoke

    replace(LambdaResponse, "invoke", invoke_of)


class LambdaApiError(Exception):
    """An error the Lambda API answers an Invoke with, as its HTTP answer carries it."""

    def __init__(self, status: int, code: str, message: str, body: dict[str, Any]) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.body = body  # the JSON error document (`Type`, `message`, and e.g. `Reason`)


def invoke_function(
    account_id: str,
    region: str,
    function_name: str,
    qualifier: str | None,
    payload: bytes,
    headers: dict[str, str],
    response_headers: dict[str, str],
) -> bytes | None:
    """The Lambda backend's `invoke` (moto's `LambdaResponse.invoke` calls it with the same
    arguments): resolves the function and runs it; the answer's headers go in
    `response_headers`. moto's errors (an unknown function, and the local runtime's own:
    throttled, not Active, payload too large) are raised as `LambdaApiError`, with the status,
    code and body moto's server would have answered."""
    from moto.core.exceptions import JsonRESTError

    try:
        return lambda_backend(account_id, region).invoke(
            function_name, qualifier, payload, headers, response_headers
        )
    except JsonRESTError as error:
        body = json.loads(error.description)
        raise LambdaApiError(error.code, error.relative_error_type, error.message, body) from error


# GetAccountSettings' AccountLimit: Lambda's default quotas per account and Region
# (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): 1,000 concurrent
# executions, 75 GB of deployment packages and layers, a 50 MB zip, 250 MB unzipped.
ACCOUNT_CONCURRENT_EXECUTIONS = 1000
ACCOUNT_LIMIT = {
    "TotalCodeSize": 75 * 1024**3,
    "CodeSizeZipped": 50 * 1024**2,
    "CodeSizeUnzipped": 250 * 1024**2,
    "ConcurrentExecutions": ACCOUNT_CONCURRENT_EXECUTIONS,
}


def install_account_settings() -> None:
    """Implement GetAccountSettings (GET /2016-08-19/account-settings/), which moto 5.2.5
    lacks (no URL rule: the local cloud answered 501 NotImplemented).

    As on AWS: AccountLimit holds Lambda's default quotas, and UnreservedConcurrentExecutions
    is ConcurrentExecutions less every function's reserved concurrency; AccountUsage counts
    the functions and the bytes of every function version's package and layer version.
    Call it before the server's first Lambda request: moto reads its URL rules then.
    """
    from moto.awslambda import urls
    from moto.awslambda.responses import LambdaResponse

    def get_account_settings(self: Any) -> Any:
        backend = self.backend
        functions = list(backend.list_functions())
        reserved = sum(int(function.reserved_concurrency or 0) for function in functions)
        layer_versions = [
            version
            for layer in backend.list_layers()
            for version in backend.list_layer_versions(layer["LayerName"])
        ]
        code_size = sum(version.code_size for version in backend.list_functions("ALL"))
        code_size += sum(version.code_size for version in layer_versions)
        settings = {
            "AccountLimit": {
                **ACCOUNT_LIMIT,
                "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENT_EXECUTIONS - reserved,
            },
            "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": len(functions)},
        }
        return 200, {}, json.dumps(settings)

    add(LambdaResponse, "get_account_settings", get_account_settings)
    urls.url_paths[r"{0}/(?P<api_version>[^/]+)/account-settings/?$"] = LambdaResponse.dispatch
