"""Fail loudly if a moto upgrade moves what localcloud/seams.py relies on."""

from __future__ import annotations

import inspect

import moto
import moto.awslambda_simple.models as simple
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.core.config import default_user_config
from moto.stepfunctions.parser.backend.execution import Execution

from localcloud import seams


def test_moto_is_the_pinned_version() -> None:
    assert moto.__version__ == seams.MOTO_VERSION
    seams.check_moto_version()


def test_lambda_backend_seam_is_where_we_expect() -> None:
    assert list(inspect.signature(LambdaBackend.invoke).parameters) == [
        "self",
        "function_name",
        "qualifier",
        "body",
        "headers",
        "response_headers",
    ]
    assert hasattr(simple, "lambda_simple_backends")
    assert {"lambda", "stepfunctions"} <= set(default_user_config)
    source = inspect.getsource(LambdaFunction.__init__) + inspect.getsource(LambdaFunction)
    for attribute in (
        "code_bytes",
        "code_sha_256",
        "environment_vars",
        "reserved_concurrency",
        "logs_group_name",
        "layers",
        "memory_size",
        "timeout",
    ):
        assert f"self.{attribute}" in source, attribute


def test_step_functions_execution_fields_exist() -> None:
    source = inspect.getsource(Execution)
    for attribute in ("exec_arn", "exec_status", "start_date", "stop_date", "state_machine_arn"):
        assert f"self.{attribute}" in source, attribute
    assert hasattr(Execution, "to_describe_output")
