"""moto patches that cut the server's CPU per request (issue 14: the CPU an order costs).

Each is shown beside moto's own implementation (kept by `seams.patching.replace` as
`localcloud_original`): moto's work is repeated, ours done once, and the answers are the same.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from moto.core import serialize
from moto.core.utils import get_service_model
from moto.stepfunctions.exceptions import ExecutionAlreadyExists, ExecutionDoesNotExist
from moto.stepfunctions.models import StateMachine, StepFunctionBackend

from localcloud import seams, unimplemented
from localcloud.seams.patching import original
from localcloud.seams.stepfunctions import IndexedExecutions

ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture(scope="module", autouse=True)
def patched() -> None:
    """Our patches in this test process too (installing again wraps moto's own code)."""
    seams.install_dispatch_caches()
    seams.install_execution_index()
    seams.install_unimplemented_answer(unimplemented.answer)


# ---------------------------------------------------------------- response serialization


class Counting(serialize.AttributeAliasProvider):
    """An alias provider that counts how often it is asked (moto asks for every member)."""

    asked = 0

    def has_alias(self, key: str) -> bool:
        Counting.asked += 1
        return False

    def get_alias(self, key: str) -> str:
        raise AssertionError("has_alias said no")


def get_item_result() -> dict[str, Any]:
    return {
        "Item": {
            "itemId": {"S": "headlight"},
            "quantity": {"N": "5"},
            "tags": {"SS": ["a", "b"]},
            "dims": {"M": {"w": {"N": "1"}, "parts": {"L": [{"S": "x"}, {"NULL": True}]}}},
            "flag": {"BOOL": False},
        },
        "ConsumedCapacity": {"TableName": "inventory", "CapacityUnits": 0.5},
    }


def serialized(operation: str, result: object, service: str = "dynamodb") -> dict:
    model = get_service_model(service).operation_model(operation)
    serializer = serialize.get_serializer_class(service, model.service_model.protocol)(
        operation_model=model, value_picker=serialize.XFormedAttributePicker()
    )
    return serializer.serialize(result)


def test_moto_finds_a_members_aliases_at_every_use_and_we_once() -> None:
    picker = serialize.XFormedAttributePicker(alias_providers=[Counting, serialize.NoAlias])
    model = get_service_model("dynamodb").operation_model("GetItem")
    context = serialize.AttributePickerContext(
        obj={"Item": {}}, key="Item", shape=model.output_shape.members["Item"]
    )
    moto_keys = original(serialize.XFormedAttributePicker, "get_possible_keys")
    Counting.asked = 0
    assert list(moto_keys(picker, context)) == list(moto_keys(picker, context))
    assert Counting.asked == 2
    expected = list(moto_keys(picker, context))
    Counting.asked = 0
    assert [list(picker.get_possible_keys(context)) for _ in range(3)] == [expected] * 3
    assert Counting.asked == 1


class DBInstance:
    """A model object as moto's RDS keeps them: snake_case, class-prefixed, with aliases."""

    class Meta:
        serialization_aliases = {"DBInstanceStatus": "state"}

    def __init__(self) -> None:
        self.identifier = "db-1"  # DBInstanceIdentifier, by the class prefix
        self.state = "available"


def moto_serialized(operation: str, result: object, service: str) -> dict:
    """The answer with moto's own picker and serializer lookups (ours put aside)."""
    ours = [
        (owner, name, getattr(owner, name))
        for owner, name in (
            (serialize.XFormedAttributePicker, "get_possible_keys"),
            (serialize.ResponseSerializer, "get_value"),
        )
    ]
    for owner, name, _ in ours:
        setattr(owner, name, original(owner, name))
    try:
        return serialized(operation, result, service)
    finally:
        for owner, name, replacement in ours:
            setattr(owner, name, replacement)


def test_responses_are_serialized_as_moto_does() -> None:
    cases = [
        ("GetItem", get_item_result(), "dynamodb"),
        ("GetItem", {}, "dynamodb"),
        ("TransactWriteItems", {"ConsumedCapacity": []}, "dynamodb"),
        ("DescribeDBInstances", {"DBInstances": [DBInstance()]}, "rds"),
    ]
    for operation, result, service in cases:
        twice = [serialized(operation, result, service) for _ in range(2)]  # cached the 2nd
        assert twice == [moto_serialized(operation, result, service)] * 2, operation
    rds = json.dumps(serialized("DescribeDBInstances", {"DBInstances": [DBInstance()]}, "rds"))
    assert "<DBInstanceIdentifier>db-1<" in rds and "<DBInstanceStatus>available<" in rds


def test_moto_builds_a_picker_context_per_member_and_we_not_for_a_dict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    contexts: list[str] = []
    context = serialize.AttributePickerContext

    def counted(*args: Any, **kwargs: Any) -> Any:
        contexts.append(kwargs.get("key", ""))
        return context(*args, **kwargs)

    monkeypatch.setattr(serialize, "AttributePickerContext", counted)
    serialized("GetItem", get_item_result())  # the keys of each member, found once
    contexts.clear()
    moto_serialized("GetItem", get_item_result(), "dynamodb")
    assert len(contexts) > 50  # ten members of each AttributeValue, and more
    contexts.clear()
    serialized("GetItem", get_item_result())
    assert contexts == []


# ---------------------------------------------------------------- request handling


def test_moto_draws_a_request_id_a_character_at_a_time_and_we_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.core import responses
    from moto.moto_api._internal import mock_random

    draws: list[int] = []
    choice = mock_random.choice
    monkeypatch.setattr(mock_random, "choice", lambda seq: draws.append(1) or choice(seq))
    moto_id = original(responses, "gen_amzn_requestid_long")()
    assert len(draws) == 52
    draws.clear()
    headers: dict[str, str] = {}
    ours = responses.gen_amzn_requestid_long(headers)
    assert draws == [] and headers == {"x-amzn-requestid": ours}
    assert re.fullmatch("[A-Za-z0-9]{52}", ours) and re.fullmatch("[A-Za-z0-9]{52}", moto_id)
    mock_random.seed(7)  # moto's API can seed its random: ids then repeat, as moto's do
    first = responses.gen_amzn_requestid_long()
    mock_random.seed(7)
    assert responses.gen_amzn_requestid_long() == first


def test_moto_s_debug_mode_makes_a_files_class_per_request_and_ours_does_not() -> None:
    from flask import request
    from moto.moto_server import werkzeug_app
    from werkzeug.datastructures import ImmutableMultiDict

    app = werkzeug_app.create_backend_app("dynamodb")
    assert app.debug  # as moto makes every service's app
    body = {"data": "{}", "content_type": "application/x-amz-json-1.0", "method": "POST"}
    files_classes = []
    for request_class in (werkzeug_app.BackendRequest, app.request_class):
        with app.test_request_context("/", **body):
            loaded = request_class(request.environ)
            assert loaded.get_data() == b"{}" and not loaded.form
            files_classes.append(type(loaded.files))
    assert files_classes[0] is not ImmutableMultiDict  # a class made for that request
    assert files_classes[1] is ImmutableMultiDict


# ---------------------------------------------------------------- executions by ARN and name


def backend_with_machine() -> tuple[StepFunctionBackend, StateMachine]:
    backend = StepFunctionBackend(REGION, ACCOUNT)
    definition = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    machine = backend.create_state_machine("orders", definition, f"arn:aws:iam::{ACCOUNT}:role/r")
    return backend, machine


def test_moto_walks_every_execution_to_find_one_and_we_look_it_up() -> None:
    backend, machine = backend_with_machine()
    started = [
        machine.start_execution(REGION, ACCOUNT, f"run-{n}", json.dumps({"n": n}))
        for n in range(50)
    ]
    assert isinstance(machine.executions, IndexedExecutions)
    walked: list[str] = []

    class Watched:
        """An execution that notes when moto's walk compares it."""

        def __init__(self, execution: Any) -> None:
            self.__dict__["_execution"] = execution

        def __getattr__(self, name: str) -> Any:
            walked.append(name)
            return getattr(self._execution, name)

    watched = machine.executions
    machine.executions = [Watched(e) for e in started]  # moto's plain list, watched
    describe = original(StepFunctionBackend, "describe_execution")
    assert describe(backend, started[-1].execution_arn)._execution is started[-1]
    assert len(walked) == 50  # moto compared every execution to find the last
    walked.clear()
    machine.executions = watched
    assert backend.describe_execution(started[-1].execution_arn) is started[-1]
    assert walked == []


def test_executions_are_found_refused_and_reused_as_moto_does() -> None:
    backend, machine = backend_with_machine()
    first = machine.start_execution(REGION, ACCOUNT, "order-1", '{"a": 1}')
    assert backend.describe_execution(first.execution_arn) is first
    # The same name and input while it runs: moto answers the running execution.
    assert machine.start_execution(REGION, ACCOUNT, "order-1", '{"a": 1}') is first
    with pytest.raises(ExecutionAlreadyExists):  # the same name, other input
        machine.start_execution(REGION, ACCOUNT, "order-1", '{"a": 2}')
    first.stop(stop_date=first.start_date, error="", cause="")
    with pytest.raises(ExecutionAlreadyExists):  # the same name once it has ended
        machine.start_execution(REGION, ACCOUNT, "order-1", '{"a": 1}')
    missing = first.execution_arn.replace("order-1", "order-2")
    with pytest.raises(ExecutionDoesNotExist):
        backend.describe_execution(missing)
    assert [e.name for e in machine.executions] == ["order-1"]
    assert machine.start_execution(REGION, ACCOUNT, "order-2", "{}").name == "order-2"
    assert [e.name for e in backend.list_executions(machine.arn)[0]] == ["order-2", "order-1"]


# ---------------------------------------------------------------- IAM decisions


def test_a_decision_is_kept_per_policy_text_and_a_changed_policy_decides_again() -> None:
    from localcloud.iam import policy

    def document(effect: str) -> str:
        statement = {"Effect": effect, "Action": "dynamodb:GetItem", "Resource": "*"}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/cached-decisions"
    allow, deny = (document("Allow"),), (document("Allow"), document("Deny"))
    before = policy._decision.cache_info()
    assert policy.evaluate(allow, "dynamodb:GetItem", table) is policy.Decision.ALLOWED
    assert policy.evaluate(iter(allow), "dynamodb:GetItem", table) is policy.Decision.ALLOWED
    assert policy._decision.cache_info().hits == before.hits + 1
    assert policy.evaluate(deny, "dynamodb:GetItem", table) is policy.Decision.EXPLICIT_DENY
    assert policy.evaluate(allow, "dynamodb:PutItem", table) is policy.Decision.IMPLICIT_DENY
    assert policy.evaluate((), "dynamodb:GetItem", table) is policy.Decision.IMPLICIT_DENY


# ---------------------------------------------------------------- request log lines


class LineBuilt(Exception):
    """Raised where werkzeug formats a request's log line."""


@pytest.mark.parametrize("level", [logging.WARNING, logging.INFO])
def test_a_request_line_is_built_only_when_it_is_logged(
    monkeypatch: pytest.MonkeyPatch, level: int
) -> None:
    from werkzeug.serving import WSGIRequestHandler

    from localcloud.request_handler import RawHeadersRequestHandler

    def date_of_line(self: Any) -> str:
        raise LineBuilt

    monkeypatch.setattr(WSGIRequestHandler, "log_date_time_string", date_of_line)
    handler = object.__new__(RawHeadersRequestHandler)
    handler.command, handler.path, handler.request_version = "GET", "/", "HTTP/1.1"
    handler.client_address = ("127.0.0.1", 1)
    logger = logging.getLogger("werkzeug")
    before = logger.level
    logger.setLevel(level)  # (setLevel, not the attribute: the logger caches its decisions)
    try:
        with pytest.raises(LineBuilt):  # werkzeug's own: at any level
            WSGIRequestHandler.log_request(handler, 200, 2)
        if level == logging.INFO:
            with pytest.raises(LineBuilt):
                handler.log_request(200, 2)
        else:
            handler.log_request(200, 2)  # nothing built: the logger would drop it
    finally:
        logger.setLevel(before)
