"""Lambda: functions' code, layers and revisions, and what the two update calls do.

(`lambda` is a keyword, hence the module's name.)
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import LambdaFunction

from localcloud.seams.core import lambda_backend
from localcloud.seams.patching import replace


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
