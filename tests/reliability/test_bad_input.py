"""Bad input never breaks the service: every answer is a 4xx with a JSON message, or a success,
and refused requests write nothing.

Generated: schemathesis, from the OpenAPI 3 document the deployed stage EXPORTS (GetExport
oas30), sends valid and invalid requests for every operation. By hand: the classics.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.reliability.client import DeployedStack, OrdersApi
from workbook import names

EXAMPLES_PER_MODE = 25  # valid and invalid: 50 cases per operation


def exported_openapi(stack: DeployedStack) -> dict[str, Any]:
    answer = stack.client("apigateway").get_export(
        restApiId=stack.api_id,
        stageName=names.STAGE,
        exportType="oas30",
        accepts="application/json",
    )
    return json.loads(answer["body"].read())


def problem(response: requests.Response) -> str | None:
    """What is wrong with an answer to bad input, if anything."""
    if response.status_code >= 500:
        return f"{response.status_code} {response.text[:200]}"
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            return f"{response.status_code} without a JSON body: {response.text[:200]}"
        if not isinstance(body, dict) or not isinstance(body.get("message"), str):
            return f"{response.status_code} without a message: {response.text[:200]}"
    return None


def test_generated_requests_get_no_5xx_and_json_4xx(stack: DeployedStack) -> None:
    document = exported_openapi(stack)
    server = document["servers"][0]
    base_url = server["url"].replace("{basePath}", server["variables"]["basePath"]["default"])
    assert base_url == stack.url
    schema = schemathesis.openapi.from_dict(document)
    session = requests.Session()
    found: list[str] = []
    calls = 0

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES_PER_MODE,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def send(case: schemathesis.Case) -> None:
                nonlocal calls
                calls += 1
                # The admin key lets status updates reach their function, not only the gate.
                response = case.call(
                    base_url=base_url, session=session, headers={"x-api-key": stack.admin_key}
                )
                wrong = problem(response)
                if wrong:
                    found.append(f"{case.method} {case.formatted_path}: {wrong}")

            try:
                send()
            except Unsatisfiable:
                # Nothing to make invalid (no parameters, no body): the valid cases ran.
                assert mode == GenerationMode.NEGATIVE

    assert calls >= 300
    assert found == []


MALFORMED = b'{"userId": "u", "itemId": '
ONE_MB_NAME = "x" * 1_000_000
INJECTION = "' OR 1=1 --"
OPERATOR = {"$gt": ""}
# (method, path, body: JSON-able, bytes or None, send the admin key)
HAND_CASES: list[tuple[str, str, Any, bool]] = [
    ("POST", "/orders", MALFORMED, False),
    ("POST", "/orders", {"userId": 1, "itemId": ["Headlight"], "quantity": "2"}, False),
    ("POST", "/orders", {"userId": "u", "itemId": "Headlight", "quantity": 1.5}, False),
    ("POST", "/orders", {"userId": "u", "itemId": "Headlight", "quantity": 10**9}, False),
    ("POST", "/orders", {"userId": OPERATOR, "itemId": "Headlight", "quantity": 1}, False),
    ("POST", "/orders", {"userId": INJECTION, "itemId": INJECTION, "quantity": 1}, False),
    ("POST", "/orders", [], False),
    ("POST", "/users", {"name": ONE_MB_NAME, "email": "big@example.com"}, False),
    ("POST", "/users", {"name": "Zoë 🚀", "email": "zoë@exämple.com"}, False),
    ("POST", "/users", {"name": INJECTION, "email": INJECTION}, False),
    ("POST", "/users", {"name": "\u0000\u202e", "email": OPERATOR}, False),
    ("PUT", "/users", {"userId": OPERATOR, "name": "x"}, False),
    ("GET", f"/orders/{INJECTION}", None, False),
    ("GET", "/users/%7B%22%24gt%22%3A%20%22%22%7D/orders", None, False),
    ("GET", "/inventory?limit=-1", None, False),
    ("GET", f"/inventory?nextToken={INJECTION}", None, False),
    ("PUT", "/orders", {"orderId": OPERATOR, "userId": "u", "status": "SHIPPED"}, True),
    ("PUT", "/orders/o-1", {"userId": "u", "status": "LOST"}, True),
    ("PUT", "/orders/o-1", b"not json", True),
    ("DELETE", "/orders", None, False),
    ("PATCH", "/inventory", None, False),
    ("POST", "/inventory", {}, False),
    ("GET", "/admin", None, False),
    ("GET", "/orders/a/b", None, False),
]


@pytest.mark.parametrize(("method", "path", "body", "keyed"), HAND_CASES)
def test_hand_written_bad_input_is_refused_and_writes_nothing(
    stack: DeployedStack, api: OrdersApi, method: str, path: str, body: Any, keyed: bool
) -> None:
    before = stack.snapshot()
    headers = {"Content-Type": "application/json"}
    if keyed:
        headers["x-api-key"] = stack.admin_key
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    answer = api.request(method, path, data=data, headers=headers)
    assert 400 <= answer.status_code < 500, answer.text[:300]
    assert problem(answer) is None, problem(answer)
    assert stack.snapshot() == before
