"""The workflow diagram: states and transitions read from the ASL, and their placement."""

from __future__ import annotations

import json

from workbook import stack
from workbook.diagram import Edge, draw_workflow, happy_path, layers, place, workflow_graph

ASL = json.loads(stack.STATE_MACHINE_FILE.read_text())


def test_every_state_and_transition_is_read_from_the_asl() -> None:
    states, edges = workflow_graph(ASL)
    assert sorted(states) == sorted(ASL["States"])
    assert states[0] == ASL["StartAt"]
    assert Edge("CheckInventory", "IsAvailable", "next") in edges
    assert Edge("IsAvailable", "OutOfStock", "default", "Default") in edges
    assert Edge("CreateOrder", "OutOfStock", "catch", "ItemUnavailable") in edges
    assert Edge("NotifyCustomer", "CompensateOrder", "catch", "States.ALL") in edges
    choice = next(e for e in edges if e.kind == "choice")
    assert (choice.source, choice.target) == ("IsAvailable", "CreateOrder")
    assert "Available" in choice.label


def test_arrows_point_down_and_the_happy_path_runs_down_the_middle() -> None:
    states, edges = workflow_graph(ASL)
    row = layers(ASL)
    assert all(row[e.target] > row[e.source] for e in edges)  # this workflow has no loop
    main = happy_path(ASL)
    assert main == ["CheckInventory", "IsAvailable", "CreateOrder", "NotifyCustomer", "OrderPlaced"]
    position = place(ASL)
    assert all(position[name][0] == 0 for name in main)
    assert len(set(position.values())) == len(states)  # no two boxes on one spot


def test_a_loop_and_an_unreachable_state_are_drawn_too() -> None:
    asl = {
        "StartAt": "Poll",
        "States": {
            "Poll": {"Type": "Task", "Resource": "arn", "Next": "Done?"},
            "Done?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.done", "BooleanEquals": True, "Next": "End"}],
                "Default": "Poll",
            },
            "End": {"Type": "Succeed"},
            "Orphan": {"Type": "Pass", "End": True},
        },
    }
    states, edges = workflow_graph(asl)
    assert states[-1] == "Orphan"
    assert Edge("Done?", "Poll", "default", "Default") in edges
    figure = draw_workflow(asl)
    assert len(figure.axes[0].patches) == 4  # one box per state


def test_draws_one_box_per_state() -> None:
    figure = draw_workflow(ASL, title="orders")
    assert len(figure.axes[0].patches) == len(ASL["States"])
    assert figure.axes[0].get_title() == "orders"
