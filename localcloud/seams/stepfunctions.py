"""Step Functions: moto's ASL interpreter's executions, and its Lambda task seam."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localcloud.completions import Completions
from localcloud.seams.patching import original, replace, replace_bindings


@dataclass(frozen=True)
class ExecutionView:
    account_id: str
    region: str
    arn: str
    state_machine_arn: str
    status: str
    start_date: dt.datetime
    stop_date: dt.datetime | None


def _view(execution: Any) -> ExecutionView:
    status = execution.exec_status.value if execution.exec_status else "RUNNING"
    return ExecutionView(
        execution.account_id,
        execution.region_name,
        execution.exec_arn,
        execution.state_machine_arn,
        status,
        execution.start_date,
        execution.stop_date,
    )


# Executions someone waits for (StartSyncExecution), by ARN: set when the execution ends.
_COMPLETIONS = Completions()


def install_execution_events(
    on_start: Callable[[ExecutionView], None], on_end: Callable[[ExecutionView], None]
) -> None:
    """Tell `on_start` and `on_end` (in the execution's own thread: keep them short) of every
    execution moto's ASL interpreter runs, and wake whoever waits for one that ends.

    moto marks an execution's end in `BaseExecutionWorkerCommunication.terminated` (status,
    stop date and output set from the program's final state), which every execution calls
    once from its worker thread; `Execution.start` begins each one.
    """
    from moto.stepfunctions.parser.backend import execution as executions

    def start_of(model: Any) -> Any:
        def start(self: Any) -> None:
            model(self)
            on_start(_view(self))

        return start

    def terminated_of(model: Any) -> Any:
        def terminated(self: Any) -> None:
            try:
                model(self)
            finally:
                view = _view(self.execution)
                _COMPLETIONS.done(view.arn)
                on_end(view)

        return terminated

    replace(executions.Execution, "start", start_of)
    replace(executions.BaseExecutionWorkerCommunication, "terminated", terminated_of)


def forget_finished_threads() -> None:
    """Drop ended threads from moto's `TMP_THREADS`, a list every execution appends its
    threads to and nothing reads or prunes (each keeps its execution's whole state alive)."""
    from moto.stepfunctions.parser.utils import TMP_THREADS

    for thread in [t for t in TMP_THREADS if not t.is_alive()]:
        TMP_THREADS.remove(thread)


def start_execution_and_wait(
    account_id: str,
    region: str,
    state_machine_arn: str,
    name: str,
    execution_input: str,
    trace_header: str | None = None,
) -> dict[str, Any]:
    """Run an execution to its end in moto's ASL interpreter; its DescribeExecution fields.

    moto 5.2.5 has no StartSyncExecution; an Express execution is started as any other and
    waited for. Raises `SfnClientError` for a missing machine or a Standard one.
    `trace_header` is the caller's X-Amzn-Trace-Id (DescribeExecution's traceHeader).
    """
    from moto.stepfunctions.responses import get_backend

    backend = get_backend(account_id, region)
    try:
        machine = backend.describe_state_machine(state_machine_arn)
    except Exception as exc:  # moto's own "does not exist" / "invalid ARN" errors
        raise SfnClientError(getattr(exc, "code", "StateMachineDoesNotExist"), str(exc)) from exc
    if machine.type != "EXPRESS":
        raise SfnClientError(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        )
    execution = backend.start_execution(
        state_machine_arn, name, execution_input, trace_header=trace_header
    )
    ended = _COMPLETIONS.expect(execution.exec_arn)
    # Registered after the start: an execution that ended before it already has its status.
    if execution.exec_status is None or execution.exec_status.value == "RUNNING":
        ended.wait()
    _COMPLETIONS.forget(execution.exec_arn)
    described = dict(execution.to_describe_output())
    described["status"] = execution.exec_status.value
    return described


def execution_history(account_id: str, region: str, execution_arn: str) -> list[dict[str, Any]]:
    """GetExecutionHistory's events (Express executions too, which the API refuses on AWS),
    as plain data: `type` a str, `timestamp` an aware datetime."""
    from moto.stepfunctions.responses import get_backend

    events = get_backend(account_id, region).get_execution_history(execution_arn)["events"]
    plain = []
    for event in events:
        stamp = event["timestamp"]
        if isinstance(stamp, str):  # moto's interpreter keeps ISO-8601 text
            stamp = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        plain.append(
            {**event, "type": getattr(event["type"], "value", event["type"]), "timestamp": stamp}
        )
    return plain


def state_machine_logging(account_id: str, region: str, state_machine_arn: str) -> dict[str, Any]:
    """A state machine's loggingConfiguration ({"level": "OFF"} when none was given)."""
    from moto.stepfunctions.responses import get_backend

    machine = get_backend(account_id, region).describe_state_machine(state_machine_arn)
    return machine.loggingConfiguration


def state_machine_role(account_id: str, region: str, state_machine_arn: str) -> str | None:
    """A state machine's roleArn, or None if there is no such machine."""
    from moto.stepfunctions.exceptions import InvalidArn, StateMachineDoesNotExist
    from moto.stepfunctions.responses import get_backend

    try:
        return get_backend(account_id, region).describe_state_machine(state_machine_arn).roleArn
    except (InvalidArn, StateMachineDoesNotExist):
        return None


def execution_tracing(account_id: str, region: str, execution_arn: str) -> tuple[bool, str | None]:
    """Whether the execution's state machine had X-Ray tracing on when it started, and the
    execution's trace header (None if it was started without one)."""
    from moto.stepfunctions.responses import get_backend

    execution = get_backend(account_id, region).describe_execution(execution_arn)
    tracing = getattr(execution.state_machine, "tracingConfiguration", None) or {}
    return bool(tracing.get("enabled")), execution.trace_header


def set_execution_trace_header(
    account_id: str, region: str, execution_arn: str, trace_header: str
) -> None:
    """Give an execution the trace it runs in (DescribeExecution's traceHeader)."""
    from moto.stepfunctions.responses import get_backend

    get_backend(account_id, region).describe_execution(execution_arn).trace_header = trace_header


def install_state_task_trace(trace_for: Callable[[str, str, str], str | None]) -> None:
    """Let a Lambda task of an execution carry a trace header to the function it invokes.

    moto's interpreter invokes each Lambda task (`arn:aws:states:::lambda:invoke` or a bare
    function ARN) through `lambda_eval_utils.execute_lambda_function_integration`, in the
    thread that runs the task, with a client from `boto_client_for`. The first is wrapped to
    ask `trace_for(account, region, execution_arn)` for the header, which the task's Lambda
    client (see `install_task_client_cache`) reads with `task_trace_header()` and sends as
    the X-Amzn-Trace-Id of its Invoke, as from any caller.
    """
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        lambda_eval_utils as tasks,
    )

    def execute_of(model: Any) -> Any:
        def execute_lambda_function_integration(
            env: Any, parameters: dict, region: str, state_credentials: Any
        ) -> None:
            execution_arn = env.states.context_object.context_object_data["Execution"]["Id"]
            _task.trace_header = trace_for(execution_arn.split(":")[4], region, execution_arn)
            try:
                model(env, parameters, region, state_credentials)
            finally:
                _task.trace_header = None

        return execute_lambda_function_integration

    replace(tasks, "execute_lambda_function_integration", execute_of)


# What the task running in this thread sends with its calls (see install_state_task_trace).
_task = threading.local()


def task_trace_header() -> str | None:
    """The trace header of the Lambda task running in this thread, if it has one."""
    return getattr(_task, "trace_header", None)


# The module whose `boto_client_for` gives the interpreter's Lambda tasks their client: it
# calls nothing but `invoke(**parameters)` on it, and reads the answer's `Payload` (a stream)
# and `FunctionError`; a failed call raises botocore's ClientError.
_LAMBDA_TASKS_MODULE = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils"
)


# The module whose `boto_client_for` gives the interpreter's SNS tasks their client: it
# calls nothing but `publish(**parameters)` on it and keeps the answer without its
# ResponseMetadata; a failed call raises botocore's ClientError (read by `_from_error`).
_SNS_TASKS_MODULE = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns"
)

# The modules of moto's interpreter that call services (each imported `boto_client_for`).
_TASK_CLIENT_MODULES = (
    _LAMBDA_TASKS_MODULE,
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service."
    "state_task_service_aws_sdk",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service."
    "state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service."
    "state_task_service_events",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn",
    _SNS_TASKS_MODULE,
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs",
)


def install_task_client_cache(
    lambda_task_client: Callable[[str, str | None], Any],
    http_session: Any = None,
    sns_task_client: Callable[[str, str | None], Any] | None = None,
) -> None:
    """One client per region, service and credentials for the interpreter's tasks.

    moto's `boto_client_for` builds a new boto3 client for every task it runs (loading the
    service model each time); botocore clients are thread-safe, so one is reused. A Lambda
    task's client is `lambda_task_client(region, role_arn)` instead (an object with botocore's
    `invoke(**parameters)`), and an SNS task's `sns_task_client(region, role_arn)` if given
    (with botocore's `publish(**parameters)`); the other services' are boto3 clients (an
    aws-sdk task may call any action), and `http_session`, if given, sends their requests
    instead of botocore's own (`send(request) -> AWSResponse`, as the endpoint's
    `http_session`).
    """
    import importlib

    # The client each service's own task module gets in place of a boto3 one.
    direct = {_LAMBDA_TASKS_MODULE: ("lambda", lambda_task_client)}
    if sns_task_client is not None:
        direct[_SNS_TASKS_MODULE] = ("sns", sns_task_client)

    def cached_of(model: Any, *, module: str) -> Any:
        direct_service, direct_client = direct.get(module, (None, None))

        @functools.lru_cache(maxsize=256)
        def client_for(region: str, service: str, role_arn: str | None) -> Any:
            if direct_client is not None and service == direct_service:
                return direct_client(region, role_arn)
            credentials = None if role_arn is None else _Credentials(role_arn)
            client = model(region=region, service=service, state_credentials=credentials)
            if role_arn is not None and _role_credentials is not None:
                client = _client_as_role(client, service, region, _role_credentials(role_arn))
            if http_session is not None:
                client._endpoint.http_session = http_session
            return client

        def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
            return client_for(region, service, getattr(state_credentials, "role_arn", None))

        return boto_client_for

    for name in _TASK_CLIENT_MODULES:
        replace(
            importlib.import_module(name),
            "boto_client_for",
            functools.partial(cached_of, module=name),
        )


# Keyword arguments of boto3.client for a session of a role (see install_task_credentials).
_role_credentials: Callable[[str], dict[str, str]] | None = None


def install_task_credentials(credentials_for: Callable[[str], dict[str, str]]) -> None:
    """Let tasks call services as the state machine's role, as on AWS.

    moto's `boto_client_for` signs every call with the key "ak" whatever role the task runs
    as. `credentials_for(role_arn)` gives the `aws_access_key_id`, `aws_secret_access_key` and
    `aws_session_token` of a session of that role; the task clients use them.
    """
    global _role_credentials
    _role_credentials = credentials_for


def _client_as_role(client: Any, service: str, region: str, credentials: dict[str, str]) -> Any:
    """The same client as moto built (endpoint, retries, timeouts), signing as the role."""
    import boto3

    return boto3.client(
        service,
        region_name=region,
        endpoint_url=client.meta.endpoint_url,
        config=client.meta.config,
        **credentials,
    )


@dataclass(frozen=True)
class _Credentials:
    """What the client cache keeps of moto's StateCredentials: the role a task runs as."""

    role_arn: str


def install_program_cache() -> None:
    """Parse each state machine definition once, not at every execution.

    moto's `ExecutionWorker._get_evaluation_entrypoint` runs the ANTLR parser over the
    definition for every execution (a quarter of the server's time under load). The parsed
    program holds no per-execution state (that lives in the execution's `Environment`), so
    executions of one definition share it.
    """
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    @functools.lru_cache(maxsize=256)
    def program_for(definition: str) -> Any:
        program = AmazonStateLanguageParser.parse(definition)[0]
        _assign_heap_keys(program)
        return program

    def entrypoint_of(model: Any) -> Any:
        def _get_evaluation_entrypoint(self: Any) -> Any:
            return program_for(self._evaluation_details.state_machine_details.definition)

        return _get_evaluation_entrypoint

    replace(ExecutionWorker, "_get_evaluation_entrypoint", entrypoint_of)


def _assign_heap_keys(program: Any) -> None:
    """Give every component of a shared program its `heap_key` now: moto assigns it lazily
    (a retrier's attempt counter), and two executions assigning it at once would race."""
    from moto.stepfunctions.parser.asl.component.component import Component
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent

    seen: set[int] = set()
    pending: list[Any] = [program]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, EvalComponent):
            node.heap_key  # noqa: B018 - read for its side effect: the key is assigned
        if isinstance(node, Component):
            pending.extend(vars(node).values())
        elif isinstance(node, list | tuple | set):
            pending.extend(node)
        elif isinstance(node, dict):
            pending.extend(node.values())


def install_untimed_waits_inline() -> None:
    """Evaluate a program or a task state that declares no timeout on the thread that would
    only have waited for it.

    moto runs an execution's program on a new thread and joins it for the machine's
    TimeoutSeconds, and every task state on another, waited for with the state's (99,999,999 s
    when the ASL has none). Without a declared timeout the wait cannot end early, so each
    thread only cost a start and two hand-overs: four per order. A declared TimeoutSeconds
    (or TimeoutSecondsPath) keeps moto's thread, and with it the timeout.
    """
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
    from moto.stepfunctions.parser.asl.component.program.program import Program
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state

    def program_eval_of(model: Any) -> Any:
        def eval(self: Any, env: Any) -> None:  # noqa: A001 - moto's name
            if self.timeout_seconds is not None:
                model(self, env)
                return
            env.next_state_name = self.start_at.start_at_name
            try:
                EvalComponent.eval(self, env)  # what moto's thread runs
            except Exception:  # the thread printed it and died; the execution still ends
                traceback.print_exc()

        return eval

    def evaluate_of(model: Any) -> Any:
        def _evaluate_with_timeout(self: Any, env: Any) -> None:
            _untimed.inline = self.timeout.is_default_value()
            try:
                model(self, env)
            finally:
                _untimed.inline = False

        return _evaluate_with_timeout

    replace(Program, "eval", program_eval_of)
    replace(execute_state.ExecutionState, "_evaluate_with_timeout", evaluate_of)
    # The only thread execute_state starts is the one _evaluate_with_timeout waits for.
    replace(execute_state, "Thread", _inline_when_untimed)


# Set on a thread while moto's `_evaluate_with_timeout` runs a state without a timeout.
_untimed = threading.local()


def _inline_when_untimed(model: type[threading.Thread]) -> type[threading.Thread]:
    class TaskThread(model):  # type: ignore[valid-type, misc]
        """A task state's thread, run where it is started when its state has no timeout."""

        def start(self) -> None:
            if getattr(_untimed, "inline", False):
                _untimed.inline = False  # a state nested in this one decides for itself
                self.run()
            else:
                super().start()

    return TaskThread


def install_json_path_cache() -> None:
    """Parse each JSONPath expression once: moto's interpreter calls jsonpath_ng's `parse`
    for every path at every evaluation. A parsed path is only read when it is applied."""
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    def cached_of(model: Any) -> Any:
        return functools.lru_cache(maxsize=4096)(model)

    replace(json_path, "parse", cached_of)
    replace(result_path, "parse", cached_of)


def install_definite_json_paths() -> None:
    """A definite JSONPath (single names and single indexes only, as `$.orders[0].items`)
    selects one node, and AWS answers that node: moto answers `[node]` whenever the node's
    parent is an array element (its fix for getmoto/moto#7825 wraps such matches, meant for
    `[*]`). Other paths (wildcards, slices, filters, deep scans, unions) are left to moto.

    moto's interpreter binds `extract_json` by name in several modules (payload templates,
    paths, intrinsic functions' arguments, Choice rules, the states' data), some through
    `import *`: every loaded one is patched, and one loaded later binds the patched function.
    """
    from moto.stepfunctions.parser.asl.utils import json_path

    @functools.lru_cache(maxsize=4096)
    def definite(path: str) -> bool:  # decided once per path: it is read at every state
        return _is_definite(json_path.parse(path))

    def definite_of(model: Any) -> Any:
        def extract_json(path: str, data: Any) -> Any:
            if not definite(path):
                return model(path, data)
            matches = json_path.parse(path).find(data)
            if not matches:
                raise json_path.NoSuchJsonPathError(json_path=path, data=data)
            return matches[0].value

        return extract_json

    moto_function = original(json_path, "extract_json")
    replace_bindings("moto", "extract_json", moto_function, definite_of)


def _is_definite(expression: Any) -> bool:
    """Whether a parsed JSONPath can select at most one node (Jayway's `isDefinite`)."""
    from jsonpath_ng.jsonpath import Child, Fields, Index, Root

    if isinstance(expression, Child):
        return _is_definite(expression.left) and _is_definite(expression.right)
    if isinstance(expression, Fields):
        return len(expression.fields) == 1
    if isinstance(expression, Index):
        return len(expression.indices) == 1
    return isinstance(expression, Root)


JSON_ATOMS = (str, int, float, bool, type(None))


def json_deepcopy(value: Any, memo: dict | None = None) -> Any:
    """A deep copy of a JSON value (dicts, lists, strings, numbers, booleans, None), as
    `copy.deepcopy` makes it but without its memo and per-object dispatch: about four times
    faster on a state's data. Any other object within (a dict subclass, a datetime in an SDK
    answer) is copied by `copy.deepcopy`, and so is anything a caller passes a memo with
    (parts it shares on purpose). Otherwise an object reached twice is copied twice: a JSON
    document has no shared parts, and the copies serialize alike."""
    if memo is not None:  # a caller that shares parts on purpose: Python's copy
        return copy.deepcopy(value, memo)
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in JSON_ATOMS else json_deepcopy(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in JSON_ATOMS else json_deepcopy(v) for v in value]
    if kind in JSON_ATOMS:
        return value
    return copy.deepcopy(value)


class JsonCopyModule:
    """Python's `copy` module, but for its `deepcopy`: `json_deepcopy`."""

    deepcopy = staticmethod(json_deepcopy)

    def __init__(self, module: Any) -> None:
        self.module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)


def install_json_copies() -> None:
    """moto's interpreter deep-copies a state's data at every read of it (each JSONPath of
    the state's input, the context object, a task's result, each state's input and output:
    about 75 copies an execution of the order workflow, a fifth of its thread's CPU), with
    `copy.deepcopy`. Its modules call `copy.deepcopy` through their `copy` binding: every
    loaded one gets a `copy` whose `deepcopy` is `json_deepcopy`; one loaded later keeps
    Python's, which answers alike."""
    replace_bindings("moto.stepfunctions", "copy", copy, JsonCopyModule)


class IndexedExecutions(list):
    """A state machine's executions, in start order as moto keeps them, also by ARN and name.

    moto finds an execution by walking this list (DescribeExecution, and every start, which
    checks that the name is unused): a cost that grows with every execution the machine has
    run. moto only ever appends to it.
    """

    def __init__(self, executions: Any = ()) -> None:
        super().__init__()
        self.by_arn: dict[str, Any] = {}
        self.by_name: dict[str, Any] = {}
        for execution in executions:
            self.append(execution)

    def append(self, execution: Any) -> None:
        super().append(execution)
        # The first one wins, as moto's walk finds the first.
        self.by_arn.setdefault(execution.execution_arn, execution)
        self.by_name.setdefault(execution.name, execution)

    def discard(self, execution_arn: str) -> None:
        """Forget the execution of that ARN, if it is here."""
        execution = self.by_arn.pop(execution_arn, None)
        if execution is None:
            return
        self.remove(execution)
        if self.by_name.get(execution.name) is execution:
            del self.by_name[execution.name]


_INDEXING = threading.Lock()


def _indexed(machine: Any) -> IndexedExecutions:
    """The machine's executions, indexed from its first start or lookup on: moto appends to
    whatever list `executions` holds, and every start looks up its name before it appends."""
    with _INDEXING:
        if not isinstance(machine.executions, IndexedExecutions):
            machine.executions = IndexedExecutions(machine.executions)
        return machine.executions


def forget_express_execution(execution: ExecutionView) -> None:
    """Drop a finished execution of an Express state machine from moto's backend.

    AWS keeps no Express execution to look up (DescribeExecution, GetExecutionHistory and
    ListExecutions refuse them; their record is the machine's CloudWatch Logs group), while
    moto keeps each one whole, with its interpreter's environment: memory, and garbage
    collection work, that grew with every order placed.
    """
    from moto.stepfunctions.responses import get_backend

    backend = get_backend(execution.account_id, execution.region)
    machine = backend.describe_state_machine(execution.state_machine_arn)
    if machine.type == "EXPRESS":
        _indexed(machine).discard(execution.arn)


def install_execution_index() -> None:
    """Find an execution by ARN or name in a dict, not by walking all of its machine's.

    A new execution's name check (`StateMachine._handle_name_input_idempotency`) and
    `describe_execution` (which every Lambda task asks for the execution's trace) look only
    where moto would find a match; when there is one, moto's own code decides, so its
    answers and errors are unchanged.
    """
    from moto.stepfunctions.models import StateMachine, StepFunctionBackend

    def idempotency_of(model: Any) -> Any:
        def _handle_name_input_idempotency(self: Any, name: str, execution_input: str) -> Any:
            if name not in _indexed(self).by_name:
                return None  # no execution of that name: moto's walk would find none
            return model(self, name, execution_input)

        return _handle_name_input_idempotency

    def describe_of(model: Any) -> Any:
        def describe_execution(self: Any, execution_arn: str) -> Any:
            self._validate_execution_arn(execution_arn)
            machine = self._get_state_machine_for_execution(execution_arn)
            found = _indexed(machine).by_arn.get(execution_arn)
            return found if found is not None else model(self, execution_arn)  # moto's error

        return describe_execution

    replace(StateMachine, "_handle_name_input_idempotency", idempotency_of)
    replace(StepFunctionBackend, "describe_execution", describe_of)


class SfnClientError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def install_create_state_machine_idempotency() -> None:
    """CreateStateMachine with a name in use: the same machine again, or StateMachineAlreadyExists.

    AWS: CreateStateMachine is idempotent only for the same definition, type,
    loggingConfiguration, tracingConfiguration, encryptionConfiguration, publish and
    versionDescription (a different roleArn or tags are ignored, and not applied); any other
    difference answers StateMachineAlreadyExists. moto answers the existing machine whatever
    the request, so a script that should update a machine passes locally and fails on AWS.
    moto's own code still answers every request it lets through (its validations, the
    existing machine, a new one).
    """
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.models import StepFunctionBackend

    class StateMachineAlreadyExists(AWSError):
        TYPE = "StateMachineAlreadyExists"
        STATUS = 400

    def create_of(model: Any) -> Any:
        # moto's parameter names: its interpreter's backend passes them by keyword.
        def create_state_machine(
            self: Any,
            name: str,
            definition: str,
            roleArn: str,
            tags: list[dict[str, str]] | None = None,
            publish: bool | None = None,
            loggingConfiguration: dict[str, Any] | None = None,
            tracingConfiguration: dict[str, Any] | None = None,
            encryptionConfiguration: dict[str, Any] | None = None,
            version_description: str | None = None,
            sm_type: str | None = None,
        ) -> Any:
            request = _machine_identity(
                definition,
                sm_type,
                loggingConfiguration,
                tracingConfiguration,
                encryptionConfiguration,
                (bool(publish), version_description or None),
            )
            existing = next((m for m in self.state_machines if m.name == name), None)
            if existing is not None and request != _identity_of(existing):
                raise StateMachineAlreadyExists(f"State Machine Already Exists: '{existing.arn}'")
            machine = model(
                self,
                name,
                definition,
                roleArn,
                tags=tags,
                publish=publish,
                loggingConfiguration=loggingConfiguration,
                tracingConfiguration=tracingConfiguration,
                encryptionConfiguration=encryptionConfiguration,
                version_description=version_description,
                sm_type=sm_type,
            )
            if existing is None:
                machine.localcloud_created_published = request[-1]
            return machine

        return create_state_machine

    replace(StepFunctionBackend, "create_state_machine", create_of)


def _identity_of(machine: Any) -> tuple[Any, ...]:
    """What CreateStateMachine's idempotency compares, as the machine is now."""
    return _machine_identity(
        machine.definition,
        machine.type,
        machine.loggingConfiguration,
        machine.tracingConfiguration,
        machine.encryptionConfiguration,
        getattr(machine, "localcloud_created_published", (False, None)),
    )


def _machine_identity(
    definition: str,
    machine_type: str | None,
    logging: dict[str, Any] | None,
    tracing: dict[str, Any] | None,
    encryption: dict[str, Any] | None,
    published: tuple[bool, str | None],
) -> tuple[Any, ...]:
    # Omitted settings compared as their defaults: moto stores a machine created without
    # them with {"level": "OFF"}, {"enabled": False} and {"type": "AWS_OWNED_KEY"}.
    logging, encryption = logging or {}, encryption or {}
    return (
        definition,
        machine_type or "STANDARD",
        logging.get("level", "OFF"),
        bool(logging.get("includeExecutionData", False)),
        logging.get("destinations") or [],
        bool((tracing or {}).get("enabled", False)),
        encryption.get("type", "AWS_OWNED_KEY"),
        encryption.get("kmsKeyId"),
        encryption.get("kmsDataKeyReusePeriodSeconds"),
        published,
    )
