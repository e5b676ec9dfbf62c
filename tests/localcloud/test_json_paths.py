"""JSONPaths in a workflow select what AWS selects: one node for a definite path.

AWS's Step Functions evaluates paths with Jayway JsonPath: a definite path (single names and
single indexes only) selects one node, which the state gets as it is; any other path yields
the array of its matches. moto 5.2.5 answers `[node]` for a definite path whenever the node's
parent is an array element (`$.orders[0].id`), a side effect of its fix for
getmoto/moto#7825. Shown in process (moto's function, kept by `seams.patching.replace`, and
ours), then through a real local cloud.
"""

from __future__ import annotations

import json

import pytest

from localcloud import seams
from localcloud.seams.patching import original
from tests.localcloud.workflows import run_express

ORDERS = {"orders": [{"id": "a", "items": [1, 2, 3]}]}


@pytest.fixture(scope="module")
def json_path():  # noqa: ANN201 (moto's module)
    """moto's JSONPath module with our patch installed in this test process too."""
    from moto.stepfunctions.parser.asl.utils import json_path

    seams.install_json_path_cache()
    seams.install_definite_json_paths()
    return json_path


@pytest.mark.parametrize(
    ("path", "node"),
    [("$.orders[0].id", "a"), ("$.orders[0].items", [1, 2, 3]), ("$.orders[0]['id']", "a")],
)
def test_moto_wraps_a_node_under_an_array_element_and_we_do_not(json_path, path, node) -> None:  # noqa: ANN001
    assert original(json_path, "extract_json")(path, ORDERS) == [node]
    assert json_path.extract_json(path, ORDERS) == node


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("$", ORDERS),
        ("$.orders", ORDERS["orders"]),
        ("$.orders[0]", ORDERS["orders"][0]),
        ("$.orders[-1].items[1]", 2),
        ("$.orders[*].id", ["a"]),
        ("$.orders[0].items[0:2]", [1, 2]),
        ("$.orders[0].items[*]", [1, 2, 3]),
    ],
)
def test_other_paths_answer_as_before(json_path, path, answer) -> None:  # noqa: ANN001
    """Definite paths moto already got right, and indefinite ones (always an array), alike."""
    assert json_path.extract_json(path, ORDERS) == answer
    assert original(json_path, "extract_json")(path, ORDERS) == answer


def test_a_definite_path_that_selects_nothing_is_an_error(json_path) -> None:  # noqa: ANN001
    with pytest.raises(json_path.NoSuchJsonPathError, match=r"\$\.orders\[1\]\.id"):
        json_path.extract_json("$.orders[1].id", ORDERS)


def test_every_moto_module_binding_extract_json_is_patched(json_path) -> None:  # noqa: ANN001
    """A moto upgrade that binds `extract_json` in one more module must be looked at."""
    import importlib
    import pkgutil

    import moto.stepfunctions.parser as parser

    moto_function = original(json_path, "extract_json")
    unpatched = []
    for found in pkgutil.walk_packages(parser.__path__, prefix=f"{parser.__name__}."):
        try:
            module = importlib.import_module(found.name)
        except ImportError:  # LocalStack code moto ships but cannot import: never runs
            continue
        if getattr(module, "extract_json", None) is moto_function:
            unpatched.append(found.name)
    assert unpatched == []


def test_a_workflow_gets_the_node_a_definite_path_selects(cloud) -> None:  # noqa: ANN001
    """In a payload template and a Choice rule (each a module of moto's binding the function),
    and as a Map's ItemsPath."""
    sfn = cloud.client("stepfunctions")
    same = {"StartAt": "Same", "States": {"Same": {"Type": "Pass", "End": True}}}
    definition = {
        "StartAt": "Pick",
        "States": {
            "Pick": {
                "Type": "Pass",
                "Parameters": {"first.$": "$.orders[0].id", "ids.$": "$.orders[*].id"},
                "ResultPath": "$.picked",
                "Next": "IsFirstA",
            },
            "IsFirstA": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.orders[0].id", "StringEquals": "a", "Next": "Each"}],
                "Default": "NotA",
            },
            "NotA": {"Type": "Fail", "Error": "NotA"},
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.orders[0].items",
                "Iterator": same,
                "ResultPath": "$.each",
                "End": True,
            },
        },
    }
    done = run_express(sfn, "json-paths", definition, ORDERS)
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {
        **ORDERS,
        "picked": {"first": "a", "ids": ["a"]},
        "each": [1, 2, 3],
    }
