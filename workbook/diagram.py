"""Draw a state machine from its ASL definition: states top-down, arrows for every transition.

Arrows: Next (solid), Choice rules (solid, labelled with the condition), Default (dotted),
Catch (dashed red, labelled with the errors caught). A state sits one row below the lowest
state that leads to it, so arrows point downwards except loops. The happy path (Next and the
first Choice rule from StartAt) runs down the middle; every other state sits to its right.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

COLOURS = {"Task": "#dbe9f6", "Choice": "#fde9c8", "Succeed": "#d5efd5", "Fail": "#f8d4d4"}
STYLE = {"next": ("-", "#333333"), "choice": ("-", "#333333"), "default": (":", "#333333")}
STYLE["catch"] = ("--", "#c0392b")
BOX_W, BOX_H = 2.4, 0.62
COLUMN_W, ROW_H = 3.6, 1.3
COMPARISONS = ("StringEquals", "NumericEquals", "BooleanEquals", "IsPresent", "NumericLessThan")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # next | choice | default | catch
    label: str = ""


def workflow_graph(definition: Mapping[str, Any]) -> tuple[list[str], list[Edge]]:
    """The states (in the order a walk from StartAt meets them) and the transitions."""
    states = definition["States"]
    order: list[str] = []
    edges: list[Edge] = []
    pending = [definition["StartAt"]]
    while pending:
        name = pending.pop(0)
        if name in order:
            continue
        order.append(name)
        found = _edges(name, states[name])
        edges += found
        pending += [e.target for e in found]
    # States nothing leads to are still part of the definition: show them too.
    order += [name for name in states if name not in order]
    return order, edges


def _edges(name: str, state: Mapping[str, Any]) -> list[Edge]:
    edges = []
    for rule in state.get("Choices", []):
        edges.append(Edge(name, rule["Next"], "choice", _condition(rule)))
    if "Default" in state:
        edges.append(Edge(name, state["Default"], "default", "Default"))
    if "Next" in state:
        edges.append(Edge(name, state["Next"], "next"))
    for catcher in state.get("Catch", []):
        edges.append(Edge(name, catcher["Next"], "catch", ", ".join(catcher["ErrorEquals"])))
    return edges


def _condition(rule: Mapping[str, Any]) -> str:
    for operator in COMPARISONS:
        if operator in rule:
            return f"{rule.get('Variable', '')} {operator} {rule[operator]}"
    return "rule"


def layers(definition: Mapping[str, Any]) -> dict[str, int]:
    """Row of each state: the longest walk from StartAt that reaches it, ignoring loops."""
    order, edges = workflow_graph(definition)
    row = {name: 0 for name in order}
    forward = [e for e in edges if order.index(e.source) < order.index(e.target)]
    for _ in order:  # longest paths settle within len(states) rounds on an acyclic graph
        for edge in forward:
            row[edge.target] = max(row[edge.target], row[edge.source] + 1)
    return row


def happy_path(definition: Mapping[str, Any]) -> list[str]:
    """From StartAt, following Next or a Choice's first rule, until a state ends the walk."""
    path: list[str] = []
    name = definition["StartAt"]
    while name and name not in path:
        path.append(name)
        state = definition["States"][name]
        name = state.get("Next") or next((r["Next"] for r in state.get("Choices", [])), None)
    return path


def place(definition: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Centre of each state's box: the happy path down the middle, each other state in the
    nearest column (right first, then left) where its arrows cross no box and no arrow
    crosses it."""
    order, edges = workflow_graph(definition)
    row = layers(definition)
    main = happy_path(definition)
    position = {name: (0.0, -row[name] * ROW_H) for name in main}
    for name in order:
        if name in position:
            continue
        y = -row[name] * ROW_H
        columns = _columns(name, edges, position)
        # The farthest column is free but may still be crossed: then it is the fallback.
        fits = [c for c in columns if _clear({**position, name: (c * COLUMN_W, y)}, edges)]
        position[name] = ((fits or columns)[0] * COLUMN_W, y)
    return position


def _columns(name: str, edges: list[Edge], position: dict[str, tuple[float, float]]) -> list[int]:
    """Columns to try: a placed source's own side column first (chains stay straight), then
    1, -1, 2, -2, ..."""
    own = [
        round(position[e.source][0] / COLUMN_W)
        for e in edges
        if e.target == name and e.source in position and position[e.source][0] != 0
    ]
    return own + [c for k in range(1, len(position) + 2) for c in (k, -k)]


def _clear(position: dict[str, tuple[float, float]], edges: list[Edge]) -> bool:
    """No two boxes share a place, and no placed arrow runs through a box it does not join."""
    if len(set(position.values())) < len(position):
        return False
    for edge in edges:
        if edge.source not in position or edge.target not in position:
            continue
        start, end = _ends(position[edge.source], position[edge.target])
        for name, (x, y) in position.items():
            if name in (edge.source, edge.target):
                continue
            for step in range(1, 40):
                px = start[0] + (end[0] - start[0]) * step / 40
                py = start[1] + (end[1] - start[1]) * step / 40
                if abs(px - x) < BOX_W / 2 + 0.1 and abs(py - y) < BOX_H / 2 + 0.1:
                    return False
    return True


def _ends(
    start: tuple[float, float], end: tuple[float, float]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where an arrow leaves and enters boxes: downwards it leaves by the bottom (same column)
    or by the side facing the target, and enters at the top; otherwise centre to centre."""
    if end[1] >= start[1]:
        return start, end
    if end[0] == start[0]:
        source = (start[0], start[1] - BOX_H / 2 - 0.05)
    else:
        source = (start[0] + (1 if end[0] > start[0] else -1) * BOX_W / 2, start[1])
    return source, (end[0], end[1] + BOX_H / 2 + 0.05)


def draw_workflow(definition: Mapping[str, Any], title: str = "") -> Figure:
    """A matplotlib figure of the workflow (display it by leaving it last in a cell)."""
    order, edges = workflow_graph(definition)
    row = layers(definition)
    position = place(definition)
    xs = [x for x, _ in position.values()]
    width = max(xs) - min(xs) + COLUMN_W
    figure, axes = plt.subplots(figsize=(width * 0.95, 0.95 * ROW_H * (max(row.values()) + 1)))
    for edge in edges:
        _arrow(axes, position[edge.source], position[edge.target], edge)
    for name in order:
        _box(axes, position[name], name, definition["States"][name]["Type"])
    axes.set_xlim(min(xs) - COLUMN_W / 2, max(xs) + COLUMN_W / 2)
    axes.set_ylim(-ROW_H * max(row.values()) - 0.6, 0.6)
    axes.axis("off")
    if title:
        axes.set_title(title)
    plt.close(figure)  # shown once, by the notebook's display of the returned figure
    return figure


def _box(axes: Any, centre: tuple[float, float], name: str, kind: str) -> None:
    x, y = centre
    axes.add_patch(
        FancyBboxPatch(
            (x - BOX_W / 2, y - BOX_H / 2),
            BOX_W,
            BOX_H,
            boxstyle="round,pad=0.05",
            facecolor=COLOURS.get(kind, "#eeeeee"),
            edgecolor="#555555",
            zorder=2,
        )
    )
    axes.text(x, y + 0.08, name, ha="center", va="center", fontsize=10, weight="bold", zorder=3)
    axes.text(x, y - 0.17, kind, ha="center", va="center", fontsize=8, color="#555555", zorder=3)


def _arrow(axes: Any, start: tuple[float, float], end: tuple[float, float], edge: Edge) -> None:
    style, colour = STYLE[edge.kind]
    source, target = _ends(start, end)
    # Loops and sideways moves curve, so they do not run through the boxes between.
    bend = 0.0 if end[1] < start[1] else 0.4
    axes.annotate(
        "",
        xy=target,
        xytext=source,
        arrowprops={
            "arrowstyle": "-|>",
            "linestyle": style,
            "color": colour,
            "connectionstyle": f"arc3,rad={bend}",
        },
        zorder=1,
    )
    if edge.label:
        vertical = source[0] == target[0]
        x = source[0] + (0.1 if vertical else (target[0] - source[0]) * 0.45)
        y = (source[1] + target[1]) / 2 if vertical else source[1] + (target[1] - source[1]) * 0.45
        axes.text(
            x,
            y,
            edge.label,
            fontsize=7,
            color=colour,
            ha="left" if vertical else "center",
            va="center",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            zorder=3,
        )
