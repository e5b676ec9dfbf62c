"""The workflow diagram: states and transitions read from the ASL, and their placement."""

from __future__ import annotations

import json

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text

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


def hold_large_orders(asl: dict) -> dict:
    """The workflow with notebook 04's exercise done: a Choice before the stock check."""
    rule = {"Variable": "$.order.quantity", "NumericGreaterThan": 10, "Next": "HoldForApproval"}
    states = {
        "IsLargeOrder": {"Type": "Choice", "Choices": [rule], "Default": asl["StartAt"]},
        "HoldForApproval": {"Type": "Fail", "Error": "NeedsApproval"},
    }
    return {**asl, "StartAt": "IsLargeOrder", "States": {**asl["States"], **states}}


def test_the_happy_path_takes_a_choices_branch_that_goes_on_rather_than_one_that_fails() -> None:
    asl = hold_large_orders(ASL)
    assert happy_path(asl)[:2] == ["IsLargeOrder", "CheckInventory"]
    assert place(asl)["HoldForApproval"][0] != 0
    _, edges = workflow_graph(asl)
    assert Edge("IsLargeOrder", "HoldForApproval", "choice", "$.order.quantity > 10") in edges


def labels(figure: Figure) -> list[Text]:
    return [t for t in figure.axes[0].texts if t.get_bbox_patch() is not None]


def test_text_is_readable_and_nothing_overlaps() -> None:
    for asl in (ASL, hold_large_orders(ASL)):
        figure = draw_workflow(asl, title="orders")
        renderer = FigureCanvasAgg(figure).get_renderer()
        texts = [t for t in figure.findobj(Text) if t.get_text()]
        assert min(t.get_fontsize() for t in texts) >= 9
        boxes = [p.get_window_extent(renderer) for p in figure.axes[0].patches]
        placed = [t.get_window_extent(renderer) for t in labels(figure)]
        for i, label in enumerate(placed):
            assert not any(label.overlaps(box) for box in boxes)
            assert not any(label.overlaps(other) for other in placed[i + 1 :])


def arrows(figure: Figure) -> list[Annotation]:
    return [t for t in figure.axes[0].texts if isinstance(t, Annotation)]


def test_arrows_into_one_box_have_their_own_heads_and_labels_keep_off_other_arrows() -> None:
    for asl in (ASL, hold_large_orders(ASL)):
        figure = draw_workflow(asl)
        heads = [tuple(arrow.xy) for arrow in arrows(figure)]
        assert len(set(heads)) == len(heads)  # OutOfStock and CompensateOrder get two each
        renderer = FigureCanvasAgg(figure).get_renderer()
        to_data = figure.axes[0].transData.inverted()
        for label in labels(figure):
            box = label.get_window_extent(renderer).transformed(to_data).padded(0.06)
            crossing = [
                arrow
                for arrow in arrows(figure)  # all straight here: sample each along its length
                if any(
                    box.contains(x0 + (x1 - x0) * k / 200, y0 + (y1 - y0) * k / 200)
                    for (x0, y0), (x1, y1) in [(arrow.xyann, arrow.xy)]
                    for k in range(201)
                )
            ]
            assert len(crossing) <= 1, label.get_text()  # its own arrow, at most


def test_a_label_beside_a_vertical_arrow_moves_off_an_arrow_that_would_cross_it() -> None:
    figure = draw_workflow(ASL)
    condition = next(t for t in labels(figure) if "Available" in t.get_text())
    assert condition.get_horizontalalignment() == "right"  # the Default arrow leaves rightwards


def test_the_legend_names_each_kind_of_arrow_below_the_drawing() -> None:
    figure = draw_workflow(ASL)
    legend = figure.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "Next",
        "Choice rule",
        "Choice Default",
        "Catch (errors caught)",
    ]
    renderer = FigureCanvasAgg(figure).get_renderer()
    assert legend.get_window_extent(renderer).y1 <= figure.axes[0].get_window_extent(renderer).y0
