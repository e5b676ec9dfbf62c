"""What a function's errors and REPORT lines look like in its log: as Lambda writes them."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.localcloud.functions import all_log_events, deploy, zip_of
from tests.localcloud.polling import until

NBSP = "\u00a0"  # the Python runtime indents a logged traceback's lines with these

# A layer whose code raises: in /opt/python on Lambda, as the layer zip's python/ folder.
LAYER_FILES = {
    "python/helpers.py": """
    def parse_quantity(text):
        return int(text)
    """,
}
CALLS_THE_LAYER = """
import helpers

def lambda_handler(event, context):
    return helpers.parse_quantity("plenty")
"""
LOGS_A_LAYER_ERROR = """
import logging
import helpers

def lambda_handler(event, context):
    try:
        helpers.parse_quantity("plenty")
    except ValueError:
        logging.exception("could not parse")
    return "logged"
"""


@pytest.fixture(scope="module")
def lam(cloud):  # noqa: ANN001, ANN201
    return cloud.client("lambda", retries={"max_attempts": 1})


@pytest.fixture(scope="module")
def layer(lam) -> str:  # noqa: ANN001
    content = {"ZipFile": zip_of(LAYER_FILES)}
    return lam.publish_layer_version(LayerName="helpers", Content=content)["LayerVersionArn"]


def invoke(lam, name: str) -> tuple[dict, object]:  # noqa: ANN001
    response = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    return response, json.loads(response["Payload"].read())


def log_events(cloud, name: str, request_id: str) -> list[str]:  # noqa: ANN001
    """The messages of one invocation's log events, START to REPORT, once they have arrived."""

    def arrived() -> list[str]:
        events = all_log_events(cloud.client("logs"), logGroupName=f"/aws/lambda/{name}")
        messages = [event["message"] for event in events]
        if not any(m.startswith(f"REPORT RequestId: {request_id}") for m in messages):
            return []
        start = messages.index(next(m for m in messages if request_id in m))
        return messages[start:]

    messages = until(arrived)
    assert messages, f"no REPORT for {request_id} in /aws/lambda/{name}"
    return messages


def test_a_trace_through_layer_code_names_opt_python(lam, cloud, layer) -> None:  # noqa: ANN001
    name = deploy(lam, CALLS_THE_LAYER, Layers=[layer])
    response, body = invoke(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["stackTrace"] == [
        '  File "/var/task/lambda_function.py", line 5, in lambda_handler\n'
        '    return helpers.parse_quantity("plenty")\n',
        '  File "/opt/python/helpers.py", line 3, in parse_quantity\n    return int(text)\n',
    ]
    [error] = [m for m in log_events(cloud, name, body["requestId"]) if m.startswith("[ERROR]")]
    assert f'{NBSP * 2}File "/opt/python/helpers.py", line 3, in parse_quantity' in error


def test_a_logged_exception_names_opt_python_too(lam, cloud, layer) -> None:  # noqa: ANN001
    name = deploy(lam, LOGS_A_LAYER_ERROR, Layers=[layer])
    response, body = invoke(lam, name)
    assert body == "logged"
    tail = base64.b64decode(response["LogResult"]).decode()
    assert 'File "/opt/python/helpers.py", line 3, in parse_quantity' in tail
    assert "/layers/" not in tail and "/unpacked/" not in tail


def test_an_uncaught_exception_is_one_error_event_with_its_traceback(lam, cloud) -> None:  # noqa: ANN001
    source = """
    def lambda_handler(event, context):
        print("checking stock")
        raise ValueError("invalid literal for int() with base 10: 'plenty'")
    """
    name = deploy(lam, source)
    _, body = invoke(lam, name)
    messages = log_events(cloud, name, body["requestId"])
    errors = [m for m in messages if m.startswith("[ERROR]")]
    assert errors == [
        "[ERROR] ValueError: invalid literal for int() with base 10: 'plenty'\n"
        "Traceback (most recent call last):\n"
        f'{NBSP * 2}File "/var/task/lambda_function.py", line 4, in lambda_handler\n'
        f"{NBSP * 4}raise ValueError(\"invalid literal for int() with base 10: 'plenty'\")"
    ]
    # No line of the trace is an event of its own; the handler's print still is.
    assert not any(m.startswith(("Traceback", f"{NBSP}", "  File")) for m in messages)
    assert "checking stock" in messages
    # A filter pattern for the error finds the one event, as on AWS.
    found = all_log_events(
        cloud.client("logs"), logGroupName=f"/aws/lambda/{name}", filterPattern='"[ERROR]"'
    )
    assert [event["message"] for event in found] == errors


def test_an_import_error_is_one_event_with_an_empty_traceback(lam, cloud) -> None:  # noqa: ANN001
    name = deploy(lam, "import requests\ndef lambda_handler(e, c):\n    return 1\n")
    response, _ = invoke(lam, name)
    tail = base64.b64decode(response["LogResult"]).decode()
    # As Lambda logs it: the runtime's header line follows even though there are no frames.
    assert (
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'lambda_function': "
        "No module named 'requests'\nTraceback (most recent call last):\n"
    ) in tail


def report_fields(report: str) -> dict[str, float]:
    return {
        field: float(value)
        for field, value in re.findall(r"([A-Za-z ]+): ([\d.]+) (?:ms|MB)", report)
    }


def test_a_cold_start_bills_its_init_duration(lam) -> None:  # noqa: ANN001
    # Module-level work makes the INIT phase long enough to show in the bill.
    name = deploy(lam, "import time\ntime.sleep(0.05)\ndef lambda_handler(e, c):\n    return 1\n")
    reports = []
    for _ in range(2):  # a cold start, then a warm one
        tail = base64.b64decode(invoke(lam, name)[0]["LogResult"]).decode()
        reports.append(next(line for line in tail.splitlines() if line.startswith("REPORT")))
    cold, warm = (report_fields(report) for report in reports)
    assert cold["Init Duration"] >= 50
    # Billed: the sum rounded up to the millisecond. The line shows each duration rounded to
    # 0.01 ms, so the bill is within a millisecond (and that rounding) above their sum.
    billed_above = cold["Billed Duration"] - (cold["Duration"] + cold["Init Duration"])
    assert cold["Billed Duration"] >= cold["Duration"] + cold["Init Duration"]
    assert billed_above < 1.01
    assert "Init Duration" not in warm
    assert 0 <= warm["Billed Duration"] - warm["Duration"] < 1.01
