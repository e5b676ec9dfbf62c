"""Catch-up on the test session's local cloud: missing steps are found and run headless."""

from __future__ import annotations

import boto3
import pytest

from workbook import catchup, packaging
from workbook.session import WorkbookSetupError, open_session


def test_a_fresh_prefix_misses_every_step(on_cloud: str) -> None:
    session = open_session(echo=False)
    assert session.prefix == on_cloud
    missing = catchup.missing_steps(session, before="06")
    assert [step.number for step in missing] == ["01", "02", "03", "04", "05"]
    assert [step.number for step in catchup.missing_steps(session, before="03")] == ["01", "02"]


def test_catch_up_runs_the_missing_notebook_and_says_so(
    on_cloud: str, capsys: pytest.CaptureFixture[str]
) -> None:
    session = open_session(echo=False)
    catchup.catch_up(session, before="02")
    assert capsys.readouterr().out == (
        "Missing the tables: running 01-create-the-tables.ipynb ...\n"
    )
    assert catchup.missing_steps(session, before="02") == []
    assert [step.number for step in catchup.missing_steps(session, before="03")] == ["02"]
    catchup.catch_up(session, before="02")
    assert capsys.readouterr().out == "Earlier steps: all done.\n"


def test_a_stopped_cloud_is_reported_with_the_command_that_starts_it(
    on_cloud: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(WorkbookSetupError, match="make cloud"):
        open_session(echo=False)


def test_a_bad_prefix_is_reported(on_cloud: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBOOK_PREFIX", "9-starts-with-a-digit")
    with pytest.raises(WorkbookSetupError, match="WORKBOOK_PREFIX"):
        open_session(echo=False)


def test_catch_up_stops_before_a_notebook_that_needs_the_learner_to_confirm_email(
    on_cloud: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = open_session(echo=False)
    monkeypatch.setattr(catchup, "cloud_confirms_email", lambda _session: False)
    monkeypatch.setattr(catchup, "STEPS", [s for s in catchup.STEPS if s.number == "03"])
    with pytest.raises(WorkbookSetupError, match="03-create-the-topic.ipynb builds it"):
        catchup.catch_up(session, before="04")
    assert [step.number for step in catchup.missing_steps(session, before="04")] == ["03"]


def test_code_that_differs_from_lambdas_is_redeployed(
    on_cloud: str, capsys: pytest.CaptureFixture[str]
) -> None:
    session = open_session(echo=False)
    catchup.catch_up(session, before="03")  # the tables and functions, as 01 and 02 build them
    assert catchup.drifted_functions(session) == []
    status = session.names.order_status_function
    broken = packaging.function_zip("inventory_check")  # another function's code
    boto3.client("lambda").update_function_code(FunctionName=status, ZipFile=broken)
    boto3.client("lambda").get_waiter("function_updated_v2").wait(FunctionName=status)
    assert [spec.folder for spec in catchup.drifted_functions(session)] == ["order_status"]
    capsys.readouterr()

    catchup.catch_up(session, before="03")
    assert "OrderStatusFunction runs code that differs from lambdas/order_status/" in (
        capsys.readouterr().out
    )
    assert catchup.drifted_functions(session) == []
