"""A state's data copied as JSON (`seams.install_json_copies`), beside moto's `copy.deepcopy`.

moto's interpreter deep-copies a state's data at every read; the data is JSON, so a copy made
for JSON gives the same values, four times faster. Shown in process, then through a cloud.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from localcloud import seams
from localcloud.seams.patching import original
from localcloud.seams.stepfunctions import json_deepcopy
from tests.localcloud.workflows import run_express

ORDER = {
    "order": {"orderId": "o-1", "quantity": 2, "price": 9.5, "gift": False, "note": None},
    "items": [{"itemId": "a", "tags": ["x", "y"]}, [1, [2, [3]]]],
}


@pytest.fixture(scope="module")
def states():  # noqa: ANN201 (moto's module)
    """moto's module of a state's data (`States`), with our patch installed in this process."""
    from moto.stepfunctions.parser.asl.eval import states

    seams.install_json_copies()
    return states


@pytest.fixture
def deep_copies(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every call of Python's `copy.deepcopy`, nested ones included."""
    calls: list[Any] = []
    deepcopy = copy.deepcopy

    def counted(value: Any, memo: dict | None = None) -> Any:
        calls.append(value)
        return deepcopy(value, memo)

    monkeypatch.setattr(copy, "deepcopy", counted)
    yield calls


def containers(value: Any) -> Iterator[int]:
    """The ids of every dict and list in a value."""
    if isinstance(value, dict | list):
        yield id(value)
        for part in value.values() if isinstance(value, dict) else value:
            yield from containers(part)


def reads(states: Any) -> list[Any]:  # noqa: ANN401
    """What a state reads of its input: the whole input, a path, the context object."""
    data = states.States({"Execution": {"Input": ORDER, "Name": "o-1"}})
    return [data.get_input(), data.get_input("$.items"), data.get_context("$.Execution")]


def test_moto_copies_with_deepcopy_at_every_read_and_we_as_json(states, deep_copies) -> None:  # noqa: ANN001
    ours = reads(states)
    assert deep_copies == []
    ours_module = states.copy
    states.copy = original(states, "copy")  # moto's own binding: Python's copy module
    try:
        moto_answers = reads(states)
    finally:
        states.copy = ours_module
    assert len(deep_copies) == 3  # one per read (copy.deepcopy then recurses by itself)
    assert ours == moto_answers
    assert states.copy.deepcopy is json_deepcopy


def test_a_json_copy_is_equal_and_shares_no_container_with_its_original() -> None:
    shared = {"id": "a"}
    value = {**ORDER, "twice": [shared, shared]}
    copied = json_deepcopy(value)
    assert copied == value
    assert not set(containers(copied)) & set(containers(value))
    assert copied["twice"][0] is not copied["twice"][1]  # copied twice: JSON has no sharing
    copied["items"][0]["tags"].append("z")
    assert value["items"][0]["tags"] == ["x", "y"]


def test_other_objects_are_copied_by_deepcopy(deep_copies) -> None:  # noqa: ANN001
    when = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    ordered = OrderedDict(b=[1], a=[2])
    value = {"when": when, "pair": ([1], "x"), "ordered": ordered, "amount": Decimal("1.50")}
    copied = json_deepcopy(value)
    assert copied == value
    assert type(copied["ordered"]) is OrderedDict and list(copied["ordered"]) == ["b", "a"]
    assert copied["pair"][0] is not value["pair"][0]
    assert copied["ordered"]["b"] is not ordered["b"]
    assert {id(v) for v in deep_copies} >= {id(when), id(value["pair"]), id(ordered)}


def test_a_memo_keeps_what_its_caller_shares_as_python_s_copy_does() -> None:
    """moto's one call with a memo (a state machine copied without its executions)."""
    kept = {"backend": "the same"}
    value = {"kept": kept, "copied": [1]}
    copied = json_deepcopy(value, {id(kept): kept})
    assert copied["kept"] is kept and copied["copied"] is not value["copied"]


def test_the_copy_module_moto_s_interpreter_gets_answers_every_name_of_python_s(states) -> None:  # noqa: ANN001
    assert states.copy.copy is copy.copy and states.copy.Error is copy.Error


def test_a_workflow_s_copies_of_one_value_stay_apart(cloud) -> None:  # noqa: ANN001
    """One value read twice into a state's output, then one of the two changed: the other
    is not (each read is its own copy, as on AWS, where every state's data is a document)."""
    sfn = cloud.client("stepfunctions")
    definition = {
        "StartAt": "Twice",
        "States": {
            "Twice": {
                "Type": "Pass",
                "Parameters": {"first.$": "$.order", "second.$": "$.order"},
                "Next": "Mark",
            },
            "Mark": {
                "Type": "Pass",
                "Result": "marked",
                "ResultPath": "$.first.note",
                "End": True,
            },
        },
    }
    done = run_express(sfn, "json-copies", definition, ORDER)
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {
        "first": {**ORDER["order"], "note": "marked"},
        "second": ORDER["order"],
    }
