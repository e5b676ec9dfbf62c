"""Fail loudly if a moto upgrade moves what localcloud/seams/ relies on."""

from __future__ import annotations

import inspect
import json
import re
from types import SimpleNamespace
from typing import Any

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
    # A finished Express execution is forgotten: its machine's type, its list of executions.
    from moto.stepfunctions.models import StateMachineInstance

    machine = inspect.getsource(StateMachineInstance)
    assert "self.type = " in machine and "self.executions: list[Execution] = []" in machine


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


def test_lambda_task_invoke_seams_exist() -> None:
    """What a Lambda task's direct Invoke (localcloud/lambda_tasks.py) does in place of moto."""
    from moto.awslambda.responses import LambdaResponse
    from moto.core.exceptions import JsonRESTError
    from moto.core.responses import BaseResponse
    from moto.iam.models import mark_account_as_visited
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        lambda_eval_utils as tasks,
    )

    # The interpreter's one call on a Lambda task's client, and what it reads of the answer.
    assert "lambda_client.invoke(**parameters)" in inspect.getsource(tasks._invoke_lambda_function)
    assert 'invocation_response["Payload"]' in inspect.getsource(tasks._invoke_lambda_function)
    execute = inspect.getsource(_moto(tasks, "execute_lambda_function_integration"))
    assert 'invocation_response.get("FunctionError")' in execute
    # moto's response class calls the backend so, and shapes its answer so.
    respond = inspect.getsource(_moto(LambdaResponse, "invoke"))
    call = r"self\.backend\.invoke\(\s*function_name, qualifier, self\.body, self\.headers, "
    assert re.search(call + r"response_headers\s*\)", respond)
    for shaping in (
        "sys.getsizeof(payload) > 6000000",
        "status_code = 202",
        "status_code = 204",
        'self.headers.get("X-Amz-Log-Type") != "Tail"',
    ):
        assert shaping in respond, shaping
    assert _parameters(LambdaBackend, "invoke") == [
        "self",
        "function_name",
        "qualifier",
        "body",
        "headers",
        "response_headers",
    ]
    # Its errors, as its server answers them.
    error = JsonRESTError("ResourceNotFoundException", "Function not found: x")
    assert (error.code, error.relative_error_type, error.message) == (
        400,
        "ResourceNotFoundException",
        "Function not found: x",
    )
    assert json.loads(error.description)["message"] == "Function not found: x"
    # Every request moto serves notes its key's (and role's) last use.
    assert "mark_account_as_visited(" in inspect.getsource(BaseResponse.setup_class)
    assert list(inspect.signature(mark_account_as_visited).parameters) == [
        "account_id",
        "access_key",
        "service",
        "region",
    ]


def test_lambda_tasks_get_our_client_where_moto_builds_a_boto3_one() -> None:
    import functools

    from botocore.client import BaseClient
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        lambda_eval_utils as tasks,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk_tasks,
    )

    from localcloud import iam
    from localcloud.lambda_tasks import TaskLambdaClient

    seams.install_task_client_cache(
        functools.partial(TaskLambdaClient, guard=iam.Guard(), trace_header=lambda: None)
    )

    assert isinstance(_moto(tasks, "boto_client_for")("us-east-1", "lambda"), BaseClient)
    assert isinstance(tasks.boto_client_for("us-east-1", "lambda"), TaskLambdaClient)
    # An aws-sdk task may call any Lambda action: it keeps a boto3 client.
    assert isinstance(aws_sdk_tasks.boto_client_for("us-east-1", "lambda"), BaseClient)


def test_sns_task_publish_seams_exist() -> None:
    """What an SNS task's direct Publish (localcloud/sns_tasks.py, seams/sns_api.py) does
    in place of moto's response class."""
    from moto.core.exceptions import ServiceException
    from moto.sns.exceptions import SNSInvalidParameter, SNSNotFoundError
    from moto.sns.models import SNSBackend
    from moto.sns.responses import SNSResponse
    from moto.sns.utils import is_e164
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sns as sns_tasks,
    )

    # The interpreter's one call on an SNS task's client, and what it does with the answer.
    evaluate = inspect.getsource(sns_tasks.StateTaskServiceSns._eval_service_task)
    assert "getattr(sns_client, api_action)(**normalised_parameters)" in evaluate
    assert 'response.pop("ResponseMetadata", None)' in evaluate
    from_error = inspect.getsource(sns_tasks.StateTaskServiceSns._from_error)
    for read in ('["Error"]["Code"]', '["Error"]["Message"]', '["HTTPStatusCode"]'):
        assert read in from_error, read
    # moto's response class reads the request so and calls the backend so.
    respond = inspect.getsource(_moto(SNSResponse, "publish"))
    assert "message_attributes = self._parse_message_attributes()" in respond
    assert 'raise SNSInvalidParameter("Phone number does not meet the E164 format")' in respond
    assert re.search(
        r"elif target_arn is not None:\s+arn = target_arn\s+else:\s+arn = topic_arn", respond
    )
    call = (
        r"self\.backend\.publish\(\s*message,\s*arn=arn,\s*phone_number=phone_number,\s*"
        r"subject=subject,\s*message_attributes=message_attributes,\s*group_id=message_group_id,"
        r"\s*deduplication_id=message_deduplication_id,\s*message_structure=message_structure,"
    )
    assert re.search(call, respond)
    assert "except ValueError as err:\n            raise SNSInvalidParameter(str(err))" in respond
    assert 'result = {"MessageId": message_id}' in respond
    assert _parameters(SNSResponse, "_transform_message_attributes") == [
        "self",
        "message_attributes",
    ]
    # It converts attributes without reading the request (so one object serves every call).
    converted = SNSResponse()._transform_message_attributes(
        {"b": {"DataType": "Binary", "BinaryValue": b"hi"}}
    )
    assert converted == {"b": {"Type": "Binary", "Value": "aGk="}}
    assert is_e164("+15555550100") and not is_e164("call me")
    assert _parameters(SNSBackend, "publish") == [
        "self",
        "message",
        "arn",
        "phone_number",
        "subject",
        "message_attributes",
        "group_id",
        "deduplication_id",
        "message_structure",
    ]
    # Its errors carry SNS's code and message.
    assert issubclass(SNSNotFoundError, ServiceException)
    assert issubclass(SNSInvalidParameter, ServiceException)
    error = SNSInvalidParameter("bad")
    assert (error.code, error.message) == ("InvalidParameter", "bad")


def test_sns_tasks_get_our_client_where_moto_builds_a_boto3_one() -> None:
    import functools

    from botocore.client import BaseClient
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk_tasks,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sns as sns_tasks,
    )

    from localcloud import iam
    from localcloud.lambda_tasks import TaskLambdaClient
    from localcloud.sns_tasks import TaskSnsClient

    seams.install_task_client_cache(
        functools.partial(TaskLambdaClient, guard=iam.Guard(), trace_header=lambda: None),
        sns_task_client=functools.partial(TaskSnsClient, guard=iam.Guard()),
    )

    assert isinstance(_moto(sns_tasks, "boto_client_for")("us-east-1", "sns"), BaseClient)
    assert isinstance(sns_tasks.boto_client_for("us-east-1", "sns"), TaskSnsClient)
    # An aws-sdk task may call any SNS action: it keeps a boto3 client.
    assert isinstance(aws_sdk_tasks.boto_client_for("us-east-1", "sns"), BaseClient)


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


def _moto(owner: object, name: str) -> Any:
    """moto's own `owner.name`, even after a seam replaced it in this process."""
    method = getattr(owner, name)
    return getattr(method, "localcloud_original", method)


def _parameters(owner: object, name: str) -> list[str]:
    return list(inspect.signature(_moto(owner, name)).parameters)


def test_function_lifecycle_seams_exist() -> None:
    assert _parameters(LambdaBackend, "create_function") == ["self", "spec"]
    for name in ("update_function_code", "update_function_configuration"):
        assert _parameters(LambdaBackend, name) == ["self", "function_name", "qualifier", "body"]
    assert _parameters(LambdaBackend, "publish_version") == ["self", "function_name", "description"]
    assert _parameters(LambdaBackend, "delete_function") == ["self", "function_name", "qualifier"]
    assert _parameters(LambdaFunction, "get_configuration") == ["self", "on_create"]
    assert "self.function_arn" in inspect.getsource(LambdaFunction)


def test_table_lifecycle_seams_exist() -> None:
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    assert _parameters(DynamoDBBackend, "create_table")[:2] == ["self", "name"]
    assert _parameters(DynamoDBBackend, "delete_table") == ["self", "name"]
    assert _parameters(DynamoDBBackend, "update_table_global_indexes") == [
        "self",
        "table",
        "global_index_updates",
    ]
    assert _parameters(Table, "describe") == ["self", "base_key"]
    assert _parameters(DynamoHandler, "call_action") == ["self"]
    # Requests are parsed (`params`) before call_action runs, and call_action reads them.
    assert "self.parse_parameters(request)" in inspect.getsource(DynamoHandler.setup_class)
    assert "self.params = " in inspect.getsource(DynamoHandler.parse_parameters)
    assert '"params"' in inspect.getsource(_moto(DynamoHandler, "call_action"))
    assert isinstance(DynamoHandler.dynamodb_backend, property)
    assert "self.tables" in inspect.getsource(DynamoDBBackend.__init__)
    assert "self.table_arn" in inspect.getsource(Table.__init__)
    assert ERROR_TYPE_PREFIX == "com.amazonaws.dynamodb.v20120810#"
    # Every item read and write names its tables as `_tables_named` expects.
    assert {"put_item", "query", "batch_write_item", "transact_write_items"} <= set(
        dir(DynamoHandler)
    )


def test_late_arrival_seams_exist() -> None:
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.logs.models import LogEvent, LogStream

    assert "self.ingestion_time" in inspect.getsource(LogEvent.__init__)
    assert "self.events" in inspect.getsource(LogStream.__init__)
    for name in ("get_log_events", "filter_log_events"):
        assert "self.events" in inspect.getsource(_moto(LogStream, name))
    assert _parameters(CloudWatchBackend, "put_metric_data") == ["self", "namespace", "metric_data"]
    assert "self.metric_data.append" in inspect.getsource(
        _moto(CloudWatchBackend, "put_metric_data")
    )
    assert _parameters(CloudWatchBackend, "get_all_metrics") == ["self"]
    for reader in ("get_metric_data", "get_metric_statistics", "get_filtered_metrics"):
        source = inspect.getsource(_moto(CloudWatchBackend, reader))
        assert "self.get_all_metrics()" in source, reader


def test_unimplemented_action_seam_exists() -> None:
    from moto.core.exceptions import ServiceException
    from moto.core.responses import BaseResponse

    assert _parameters(BaseResponse, "_dispatch") == ["self", "request", "full_url", "headers"]
    assert "self.call_action()" in inspect.getsource(_moto(BaseResponse, "_dispatch"))
    # call_action signals an action it has no method for with NotImplementedError.
    assert "raise NotImplementedError" in inspect.getsource(_moto(BaseResponse, "call_action"))
    assert _parameters(BaseResponse, "serialized") == ["self", "action_result"]
    assert isinstance(BaseResponse.boto3_service_name, property)
    assert _parameters(BaseResponse, "_get_action") == ["self"]
    assert ServiceException("Code", "message").code == "Code"
    # rest-json requests moto has no URL rule for: its per-service Flask app answers 404.
    from moto.core.responses import boto3_service_name
    from moto.core.routing import get_service_router
    from moto.moto_server import werkzeug_app

    assert _parameters(werkzeug_app, "create_backend_app") == ["service"]
    assert "backend_app.service = service" in inspect.getsource(
        _moto(werkzeug_app, "create_backend_app")
    )
    assert boto3_service_name["awslambda"] == "lambda"
    assert callable(get_service_router("lambda").match)


def test_logs_read_quota_seam_exists() -> None:
    from moto.core.responses import BaseResponse
    from moto.logs.responses import LogsResponse

    # LogsResponse has no call_action of its own: the quota check wraps BaseResponse's.
    assert _moto(LogsResponse, "call_action") is _moto(BaseResponse, "call_action")
    for name in ("filter_log_events", "get_log_events", "describe_log_streams"):
        assert callable(getattr(LogsResponse, name)), name
    assert "self.current_account" in inspect.getsource(BaseResponse.setup_class)
    assert "self.region" in inspect.getsource(BaseResponse.setup_class)


def test_sns_resubscribe_seam_exists() -> None:
    from moto.sns.models import SNSBackend
    from moto.sns.responses import SNSResponse

    assert _parameters(SNSBackend, "_find_subscription") == [
        "self",
        "topic_arn",
        "endpoint",
        "protocol",
    ]
    source = inspect.getsource(_moto(SNSResponse, "subscribe"))
    assert 'self._get_param("Endpoint")' in source and 'self._get_param("Protocol")' in source
    assert "self.backend.set_subscription_attributes" in source  # moto overwrites attributes


def test_sns_unsubscribe_seam_exists() -> None:
    from moto.sns.models import SNSBackend
    from moto.sns.responses import SNSResponse

    # The refusal of a pending subscription reads the ARN as moto's own Unsubscribe does.
    source = inspect.getsource(_moto(SNSResponse, "unsubscribe"))
    assert 'self._get_param("SubscriptionArn")' in source
    assert isinstance(SNSBackend("us-east-1", "123456789012").subscriptions, dict)


def test_request_handler_seam_exists() -> None:
    from werkzeug.serving import WSGIRequestHandler

    assert issubclass(seams.MotoRequestHandler, WSGIRequestHandler)
    assert _parameters(seams.MotoRequestHandler, "make_environ") == ["self"]
    # werkzeug folds header names into the environ; the raw lines stay in self.headers.
    assert "self.headers.items()" in inspect.getsource(WSGIRequestHandler.make_environ)


def test_dynamodb_item_patch_seams_exist() -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import StreamShard, Table

    assert _parameters(DynamoDBBackend, "transact_write_items") == ["self", "transact_items"]
    for name in ("get_item", "put_item", "update_item", "delete_item", "query", "scan"):
        assert _parameters(DynamoDBBackend, name)[:2] == ["self", "table_name"], name
    assert _parameters(DynamoDBBackend, "get_keys_value") == ["self", "table", "keys"]
    # Our transaction re-states moto's: these are the checks and writes it makes.
    source = inspect.getsource(_moto(DynamoDBBackend, "transact_write_items"))
    for step in (
        "copy.deepcopy(",
        "TooManyTransactionsException()",
        "MultipleTransactionsException()",
        "TransactWriteSingleOpException",
        "self.get_item(table_name, key)",
        "get_filter_expression(",
        "ConditionalCheckFailed(item=original_item)",
        "TransactionCanceledException(errors)",
    ):
        assert step in source, step
    assert _parameters(Table, "scan") == [
        "self",
        "filters",
        "limit",
        "exclusive_start_key",
        "filter_expression",
        "index_name",
        "consistent_read",
        "projection_expression",
        "segments",
    ]
    scan = inspect.getsource(_moto(Table, "scan"))
    assert "items = self.all_items()" in scan and "processing_previous_page" in scan
    assert _parameters(Table, "all_items") == ["self"]
    assert _parameters(Table, "put_item")[:2] == ["self", "item_attrs"]
    assert _parameters(Table, "delete_item") == ["self", "hash_key", "range_key"]
    table_source = inspect.getsource(Table)
    for attribute in (
        "self.items",
        "self.stream_shard",
        "self.hash_key_attr",
        "self.range_key_attr",
    ):
        assert attribute in table_source, attribute
    assert "self.items.append(" in inspect.getsource(StreamShard.add)
    item_source = inspect.getsource(Item.__init__)
    assert "self.hash_key" in item_source and "self.range_key" in item_source


def test_dynamodb_expression_parse_seams_exist() -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    assert _parameters(ConditionExpressionParser, "__init__") == [
        "self",
        "condition_expression",
        "expression_attribute_names",
        "expression_attribute_values",
    ]
    assert _parameters(ConditionExpressionParser, "parse") == ["self"]
    # What a kept parse gives each parser: the names and values it found, read by the request.
    parser = ConditionExpressionParser("#a = :v", {"#a": "a"}, {":v": {"S": "x"}})
    _moto(ConditionExpressionParser, "parse")(parser)
    assert (parser.expr_attr_names_found, parser.expr_attr_values_found) == (["#a"], [":v"])
    # `make` is a classmethod of the class moto calls it on, taking the expression alone.
    moto_make = _moto(UpdateExpressionParser, "make")
    assert inspect.ismethod(moto_make) and moto_make.__self__ is UpdateExpressionParser
    assert _parameters(UpdateExpressionParser, "make") == ["expression_str"]
    # Why a kept tree is safe: moto's validators work on a copy of the tree they are given.
    from moto.dynamodb.parsing.validators import UpdateExpressionValidator

    tree = _moto(UpdateExpressionParser, "make")("SET a = :v")
    table = SimpleNamespace(table_key_attrs=["id"], attr=[], attribute_keys=["id"])
    validator = UpdateExpressionValidator(tree, None, {":v": {"S": "x"}}, None, table)
    assert validator.node_to_validate is not tree
    assert type(validator.node_to_validate) is type(tree)


def test_step_functions_scale_seams_exist() -> None:
    import importlib

    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.utils import json_path
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    from moto.stepfunctions.parser.utils import TMP_THREADS

    from localcloud.seams import stepfunctions

    assert _parameters(ExecutionWorker, "_get_evaluation_entrypoint") == ["self"]
    entrypoint = inspect.getsource(_moto(ExecutionWorker, "_get_evaluation_entrypoint"))
    assert "AmazonStateLanguageParser.parse(" in entrypoint
    assert "state_machine_details.definition" in entrypoint
    assert list(inspect.signature(AmazonStateLanguageParser.parse).parameters) == ["definition"]
    assert isinstance(EvalComponent.__dict__["heap_key"], property)
    for module in (json_path, result_path):
        assert "parse(" in inspect.getsource(module) and callable(_moto(module, "parse"))
    for name in stepfunctions._TASK_CLIENT_MODULES:
        module = importlib.import_module(name)
        assert _parameters(module, "boto_client_for") == ["region", "service", "state_credentials"]
    assert _parameters(Execution, "start") == ["self"]
    assert _parameters(BaseExecutionWorkerCommunication, "terminated") == ["self"]
    for attribute in ("self.account_id", "self.region_name", "self.exec_status", "self.stop_date"):
        assert attribute in inspect.getsource(Execution.__init__), attribute
    assert "self.execution" in inspect.getsource(BaseExecutionWorkerCommunication.__init__)
    assert isinstance(TMP_THREADS, list)


def test_definite_json_path_seams_exist() -> None:
    """What `install_definite_json_paths` relies on: moto's function, its error, and the
    shape of jsonpath_ng's parsed paths."""
    from jsonpath_ng.jsonpath import Child, Fields, Index, Root
    from moto.stepfunctions.parser.asl.utils import json_path

    assert _parameters(json_path, "extract_json") == ["path", "data"]
    assert list(inspect.signature(json_path.NoSuchJsonPathError).parameters) == [
        "json_path",
        "data",
    ]
    parsed = _moto(json_path, "parse")("$.a[0]")
    assert isinstance(parsed, Child) and isinstance(parsed.right, Index)
    assert isinstance(parsed.left, Child) and isinstance(parsed.left.left, Root)
    assert parsed.left.right.fields == ("a",) and isinstance(parsed.left.right, Fields)
    assert parsed.right.indices == (0,)


def test_json_copy_seams_exist() -> None:
    """What `install_json_copies` relies on: moto's interpreter copies a state's data with
    `copy.deepcopy`, looked up through its modules' `copy` binding at each call."""
    import copy

    from moto.stepfunctions.parser.asl.component.common.string import string_expression
    from moto.stepfunctions.parser.asl.eval import states

    for module in (states, string_expression):
        assert _moto(module, "copy") is copy, module.__name__
    for code in (states.States._extract, string_expression.StringJsonPath._eval_body):
        assert {"copy", "deepcopy"} <= set(code.__code__.co_names), code.__qualname__


def test_untimed_wait_seams_exist() -> None:
    """What `install_untimed_waits_inline` relies on: the two waits and the names they read."""
    import threading

    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.program.program import Program
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state

    assert _parameters(Program, "eval") == ["self", "env"]
    names = set(_moto(Program, "eval").__code__.co_names)
    assert {"timeout_seconds", "start_at", "start_at_name", "Thread", "join"} <= names
    state = execute_state.ExecutionState

    def names_read(name: str) -> set[str]:
        code = getattr(_moto(state, name), "__code__", None)
        return set(code.co_names) if code else set()

    assert _parameters(state, "_evaluate_with_timeout") == ["self", "env"]
    assert {"timeout", "Thread", "wait"} <= names_read("_evaluate_with_timeout")
    # The thread that wait starts is the only one the class starts (ours subclasses it).
    assert {name for name in vars(state) if "Thread" in names_read(name)} == {
        "_evaluate_with_timeout"
    }
    assert issubclass(execute_state.Thread, threading.Thread)
    assert TimeoutSeconds(TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS).is_default_value()
    assert not TimeoutSeconds(5).is_default_value()


def test_iam_seams_exist() -> None:
    """What localcloud/seams/iam.py reads of moto's IAM and STS, and the two role lookups."""
    from moto.awslambda.exceptions import UnknownFunctionException
    from moto.core.base_backend import BaseBackend
    from moto.iam.models import AccessKey, IAMBackend, ManagedPolicy, PolicyVersion, Role, User
    from moto.iam.models import Group as IamGroup
    from moto.settings import load_iam_aws_managed_policies
    from moto.stepfunctions.exceptions import InvalidArn, StateMachineDoesNotExist
    from moto.stepfunctions.models import StateMachineInstance
    from moto.sts.models import AssumedRole, STSBackend

    assert "load_aws_managed_policies" in default_user_config["iam"]
    init_policies = getattr(
        IAMBackend._init_aws_policies, "localcloud_original", IAMBackend._init_aws_policies
    )
    assert list(inspect.signature(init_policies).parameters) == ["self"]
    assert "load_iam_aws_managed_policies" in inspect.getsource(init_policies)
    assert "self.partition" in inspect.getsource(BaseBackend.__init__)
    assert callable(load_iam_aws_managed_policies)
    backend = inspect.getsource(IAMBackend.__init__)
    for attribute in ("access_keys", "roles", "users", "groups"):
        assert f"self.{attribute}" in backend, attribute
    key = inspect.getsource(AccessKey.__init__)
    for attribute in ("user_name", "access_key_id", "secret_access_key", "role_arn"):
        assert f"self.{attribute}" in key, attribute
    for entity in (Role, User, IamGroup):
        source = inspect.getsource(entity.__init__)
        assert "self.policies" in source and "self.managed_policies" in source, entity
    assert "self.users" in inspect.getsource(IamGroup.__init__)
    assert "self.create_date" in inspect.getsource(Role.__init__)
    assert "self.assume_role_policy_document" in inspect.getsource(Role.__init__)
    assert "self.versions" in inspect.getsource(ManagedPolicy.__mro__[1].__init__)
    version = inspect.getsource(PolicyVersion)
    assert "self.document" in version and "def is_default" in version
    assert list(inspect.signature(STSBackend.assume_role).parameters) == [
        "self",
        "region_name",
        "role_session_name",
        "role_arn",
        "policy",
        "duration",
        "external_id",
    ]
    assert "self.assumed_roles" in inspect.getsource(STSBackend.__init__)
    session = inspect.getsource(AssumedRole)
    for attribute in ("access_key_id", "secret_access_key", "session_token"):
        assert f"self.{attribute}" in session, attribute
    assert isinstance(AssumedRole.arn, property)
    assert list(inspect.signature(LambdaBackend.get_function).parameters)[:2] == [
        "self",
        "function_name_or_arn",
    ]
    assert "self.role" in inspect.getsource(LambdaFunction.__init__)
    assert "self.roleArn" in inspect.getsource(StateMachineInstance.__init__)
    assert issubclass(UnknownFunctionException, Exception)
    assert issubclass(InvalidArn, Exception) and issubclass(StateMachineDoesNotExist, Exception)


def test_task_credentials_seam_exists() -> None:
    """State machine tasks' clients: moto passes the role in StateCredentials.role_arn."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials import (
        StateCredentials,
    )

    assert "role_arn" in StateCredentials.__annotations__
    assert "aws_execution_details.role_arn" in inspect.getsource(state_task)


def test_apigateway_refusal_seams_exist() -> None:
    from moto.apigateway import exceptions
    from moto.apigateway.models import APIGatewayBackend, Resource, RestAPI

    assert _parameters(APIGatewayBackend, "create_resource") == [
        "self",
        "function_id",
        "parent_resource_id",
        "path_part",
    ]
    assert _parameters(APIGatewayBackend, "put_method")[:4] == [
        "self",
        "function_id",
        "resource_id",
        "method_type",
    ]
    assert _parameters(APIGatewayBackend, "create_model")[:3] == ["self", "rest_api_id", "name"]
    assert "self.models: dict[str, Model] = {}" in inspect.getsource(RestAPI.__init__)
    source = inspect.getsource(Resource.__init__)
    for attribute in ("path_part", "parent_id", "resource_methods"):
        assert f"self.{attribute}" in source, attribute
    assert exceptions.ConflictException("m").code == 409
    assert exceptions.BadRequestException("m").code == 400


def test_function_process_seams_exist() -> None:
    """What seams/awslambda.py reads for the runtime check, Invoke's Qualifier and the
    workers of deleted functions."""
    from moto.awslambda.exceptions import InvalidParameterValueException, UnknownFunctionException
    from moto.awslambda.models import LambdaStorage
    from moto.awslambda.responses import LambdaResponse
    from moto.core.responses import BaseResponse

    def parameters(method: Any) -> list[str]:
        return list(inspect.signature(getattr(method, "localcloud_original", method)).parameters)

    for action in ("create_function", "update_function_configuration", "invoke"):
        assert parameters(getattr(LambdaResponse, action)) == ["self"], action
    assert 'self._get_param("qualifier")' in inspect.getsource(
        getattr(LambdaResponse.invoke, "localcloud_original", LambdaResponse.invoke)
    )
    assert "self.querystring" in inspect.getsource(BaseResponse._get_param)
    assert isinstance(inspect.getattr_static(LambdaResponse, "json_body"), property)
    assert parameters(InvalidParameterValueException.__init__) == ["self", "message"]
    assert issubclass(UnknownFunctionException, Exception)
    assert parameters(LambdaStorage.del_function) == ["self", "name_or_arn", "qualifier"]
    assert parameters(LambdaStorage.get_function_by_name_or_arn_with_qualifier) == [
        "self",
        "name_or_arn",
        "qualifier",
    ]
    storage_source = inspect.getsource(LambdaStorage)
    assert 'self._functions[fn.function_name] = {"latest": fn, "versions": []}' in storage_source
    assert "self._lambdas.del_function(function_name, qualifier)" in inspect.getsource(
        getattr(LambdaBackend.delete_function, "localcloud_original", LambdaBackend.delete_function)
    )


def test_update_model_seam_exists() -> None:
    from moto.apigateway.models import APIGatewayBackend, Model
    from moto.apigateway.responses import APIGatewayResponse

    # moto has no UpdateModel: if an upgrade adds one, patching.add refuses to hide it.
    assert getattr(getattr(APIGatewayResponse, "update_model", None), "localcloud_added", True)
    assert _parameters(APIGatewayBackend, "get_model") == ["self", "rest_api_id", "model_name"]
    source = inspect.getsource(Model.__init__)
    assert "self.description" in source and "self.schema" in source
    assert "url_path_parts[4]" in inspect.getsource(APIGatewayResponse.get_model)


def test_action_lookup_seam_exists() -> None:
    from moto.core import responses

    assert _parameters(responses, "method_names_from_class") == ["clazz"]
    source = inspect.getsource(_moto(responses.BaseResponse, "call_action"))
    assert "method_names_from_class(self.__class__)" in source
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    assert _parameters(backends, "list_of_moto_modules") == []
    assert _parameters(DomainDispatcherApplication, "get_backend_for_host") == ["self", "host"]
    lookup = inspect.getsource(_moto(DomainDispatcherApplication, "get_backend_for_host"))
    assert "backends.list_of_moto_modules()" in lookup and "self.backend_url_patterns" in lookup
