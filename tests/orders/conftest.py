"""Fixtures for the order service's unit tests: an in-process moto cloud built from
workbook.stack, each handler loaded fresh inside it, and API Gateway events from events/.

The fixture is `mock_cloud`, not `cloud`: tests/conftest.py's `cloud` is the real local cloud."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.responses import DynamoHandler

from workbook import stack

REPO = Path(__file__).resolve().parents[2]
EVENTS = Path(__file__).resolve().parent / "events"
REGION = "eu-west-1"
NAMES = stack.StackNames.for_prefix("test")


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, and no endpoint: mock_aws must intercept every call in-process."""
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "test-function")


@dataclass
class Cloud:
    """Handles on the mocked stack the tests read back from."""

    names: stack.StackNames
    dynamodb: Any
    sns: Any
    topic_arn: str
    state_machine_arn: str

    def table(self, name: str) -> Any:
        return self.dynamodb.Table(name)

    def items(self, name: str) -> list[dict[str, Any]]:
        return self.dynamodb.Table(name).scan(ConsistentRead=True)["Items"]

    def stock(self, item_id: str) -> int:
        return int(
            self.table(self.names.inventory_table).get_item(Key={"itemId": item_id})["Item"][
                "quantity"
            ]
        )


@pytest.fixture
def mock_cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    """The stack's tables (from table_definitions), topic and seed data."""
    # DynamoDB applies each request (a transaction included) atomically; moto's in-process
    # backend checks a condition and writes without a lock, so threads could interleave there.
    # Serialising its requests keeps the concurrency tests about our conditions, not moto.
    serial = threading.Lock()
    call_action = DynamoHandler.call_action

    def one_at_a_time(handler: DynamoHandler) -> Any:
        with serial:
            return call_action(handler)

    monkeypatch.setattr(DynamoHandler, "call_action", one_at_a_time)
    with mock_aws():
        client = boto3.client("dynamodb")
        for definition in stack.table_definitions(NAMES):
            client.create_table(**definition)
        for ttl in stack.time_to_live_settings(NAMES):
            client.update_time_to_live(**ttl)
        dynamodb = boto3.resource("dynamodb")
        with dynamodb.Table(NAMES.inventory_table).batch_writer() as batch:
            for row in stack.INVENTORY_SEED:
                batch.put_item(Item=row)
        sns = boto3.client("sns")
        topic_arn = sns.create_topic(Name=NAMES.topic)["TopicArn"]
        state_machine_arn = stack.stack_arns(NAMES, REGION, "123456789012")["StateMachineArn"]
        yield Cloud(NAMES, dynamodb, sns, topic_arn, state_machine_arn)


@pytest.fixture
def load_app(mock_cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], ModuleType]:
    """Import lambdas/<folder>/app.py as a fresh module, as a cold start would, so its
    module-level clients bind to this test's mock. The environment holds exactly what
    function_environment() gives that function, so a handler reading more fails here."""
    specs = {spec.folder: spec for spec in stack.FUNCTIONS}

    def load(folder: str) -> ModuleType:
        for spec in stack.FUNCTIONS:
            for key in spec.environment:
                monkeypatch.delenv(key, raising=False)
        variables = stack.function_environment(
            NAMES, specs[folder], mock_cloud.topic_arn, mock_cloud.state_machine_arn
        )
        for key, value in variables.items():
            monkeypatch.setenv(key, value)
        name = f"{folder}_app_{uuid.uuid4().hex}"
        spec = importlib.util.spec_from_file_location(name, REPO / "lambdas" / folder / "app.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    return load


@dataclass
class FakeContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:test-function"
    aws_request_id: str = "5a1f9c7e-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


def _event(name: str, body: Any = ..., **replacements: str) -> dict[str, Any]:
    """Load events/<name>.json, replacing placeholders such as USER_ID=... in its text,
    and optionally replacing the body (a str is sent verbatim, anything else as JSON)."""
    text = (EVENTS / f"{name}.json").read_text()
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    loaded = json.loads(text)
    if body is not ...:
        loaded["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    return loaded


def _answer(response: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Status and parsed body of a proxy response; every API answer must allow CORS."""
    assert response["multiValueHeaders"]["Access-Control-Allow-Origin"] == ["*"]
    return response["statusCode"], json.loads(response["body"])


# Helpers as fixtures: a plain `import conftest` would clash with other test folders' conftests.
@pytest.fixture
def event() -> Callable[..., dict[str, Any]]:
    return _event


@pytest.fixture
def answer() -> Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]:
    return _answer
