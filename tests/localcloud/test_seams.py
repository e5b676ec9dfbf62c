"""Fail loudly if a moto upgrade moves what localcloud/seams/ relies on."""

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


def test_lambda_updates_and_tracing_fields_exist() -> None:
    for method, parameters in (
        (LambdaFunction.update_configuration, ["self", "config_updates"]),
        (LambdaFunction.update_function_code, ["self", "updated_spec"]),
    ):
        original = getattr(method, "localcloud_original", method)
        assert list(inspect.signature(original).parameters) == parameters
    source = inspect.getsource(LambdaFunction)
    assert "self.tracing_config" in source and "self.last_modified" in source


def test_step_functions_task_invocation_seam_exists() -> None:
    from moto.stepfunctions.models import StateMachineInstance
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        lambda_eval_utils as tasks,
    )

    execute = tasks.execute_lambda_function_integration
    execute = getattr(execute, "localcloud_original", execute)
    assert list(inspect.signature(execute).parameters) == [
        "env",
        "parameters",
        "region",
        "state_credentials",
    ]
    client = getattr(tasks.boto_client_for, "localcloud_original", tasks.boto_client_for)
    assert list(inspect.signature(client).parameters) == ["region", "service", "state_credentials"]
    assert "self.trace_header" in inspect.getsource(Execution)
    assert "self.tracingConfiguration" in inspect.getsource(StateMachineInstance)


def test_get_metric_data_seam_exists() -> None:
    from moto.cloudwatch.models import CloudWatchBackend

    method = CloudWatchBackend.get_metric_data
    method = getattr(method, "localcloud_original", method)
    assert list(inspect.signature(method).parameters) == [
        "self",
        "queries",
        "start_time",
        "end_time",
        "scan_by",
    ]
