"""Draw a state machine from its ASL definition: states top-down, arrows for every transition.

Arrows: Next (solid), Choice rules (solid, labelled with the condition), Default (dotted),
Catch (dashed red, labelled with the errors caught); a legend below the drawing says which is
which. A state sits one row below the lowest state that leads to it, so arrows point downwards
except loops; arrows that come down into one box enter it side by side. The happy path (Next,
and at a Choice the first branch that does not fail) runs down the middle; every other state
sits beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text

COLOURS = {"Task": "#dbe9f6", "Choice": "#fde9c8", "Succeed": "#d5efd5", "Fail": "#f8d4d4"}
STYLE = {"next": ("-", "#333333"), "choice": ("-", "#1f5f99"), "default": (":", "#333333")}
STYLE["catch"] = ("--", "#c0392b")
LEGEND = {"next": "Next", "choice": "Choice rule", "default": "Choice Default"}
LEGEND["catch"] = "Catch (errors caught)"
BOX_W, BOX_H = 2.4, 0.62
COLUMN_W, ROW_H = 3.6, 1.3
TEXT_PT = 9  # the smallest text: labels, state types, the legend
SPREAD = 0.5  # between the heads of arrows entering one box, so that none hides another
LABEL_MARGIN = 0.08  # clear space around a label, so no arrow grazes its corner
# A Choice rule's comparison, written as the condition it tests.
COMPARISONS = {
    "StringEquals": "==",
    "NumericEquals": "==",
    "BooleanEquals": "==",
    "NumericGreaterThan": ">",
    "NumericGreaterThanEquals": ">=",
    "NumericLessThan": "<",
    "NumericLessThanEquals": "<=",
    "StringMatches": "matches",
    "IsPresent": "is present:",
}

Point = tuple[float, float]
Rectangle = tuple[float, float, float, float]  # x0, y0, x1, y1


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
    if "Condition" in rule:  # JSONata
        return str(rule["Condition"])
    for operator, symbol in COMPARISONS.items():
        for suffix in ("", "Path"):  # "NumericGreaterThanPath" compares with another field
            if operator + suffix in rule:
                return f"{rule.get('Variable', '')} {symbol} {rule[operator + suffix]}"
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
    """From StartAt, following Next, or at a Choice its first branch (rules, then Default)
    that does not lead straight to a Fail state, until a state ends the walk."""
    states = definition["States"]
    path: list[str] = []
    name = definition["StartAt"]
    while name and name not in path:
        path.append(name)
        state = states[name]
        branches = [rule["Next"] for rule in state.get("Choices", [])]
        branches += [state["Default"]] if "Default" in state else []
        going_on = [b for b in branches if states[b]["Type"] != "Fail"]
        name = state.get("Next") or next(iter(going_on or branches), None)
    return path


def place(definition: Mapping[str, Any]) -> dict[str, Point]:
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


def _columns(name: str, edges: list[Edge], position: dict[str, Point]) -> list[int]:
    """Columns to try: a placed source's own side column first (chains stay straight), then
    1, -1, 2, -2, ..."""
    own = [
        round(position[e.source][0] / COLUMN_W)
        for e in edges
        if e.target == name and e.source in position and position[e.source][0] != 0
    ]
    return own + [c for k in range(1, len(position) + 2) for c in (k, -k)]


def _box_rectangle(centre: Point, margin: float = 0.1) -> Rectangle:
    x, y = centre
    return (
        x - BOX_W / 2 - margin,
        y - BOX_H / 2 - margin,
        x + BOX_W / 2 + margin,
        y + BOX_H / 2 + margin,
    )


def _crosses(start: Point, end: Point, rectangle: Rectangle) -> bool:
    """Whether the segment from `start` to `end` runs through the rectangle (in 40 steps)."""
    x0, y0, x1, y1 = rectangle
    for step in range(1, 40):
        px = start[0] + (end[0] - start[0]) * step / 40
        py = start[1] + (end[1] - start[1]) * step / 40
        if x0 < px < x1 and y0 < py < y1:
            return True
    return False


def _clear(position: dict[str, Point], edges: list[Edge]) -> bool:
    """No two boxes share a place, and no placed arrow runs through a box it does not join."""
    if len(set(position.values())) < len(position):
        return False
    for edge in edges:
        if edge.source not in position or edge.target not in position:
            continue
        start, end = _ends(position[edge.source], position[edge.target])
        for name, centre in position.items():
            if name not in (edge.source, edge.target) and _crosses(
                start, end, _box_rectangle(centre)
            ):
                return False
    return True


def _ends(start: Point, end: Point) -> tuple[Point, Point]:
    """Where an arrow leaves and enters boxes: downwards it leaves by the bottom (same column)
    or by the side facing the target, and enters at the top; otherwise centre to centre."""
    if end[1] >= start[1]:
        return start, end
    if end[0] == start[0]:
        source = (start[0], start[1] - BOX_H / 2 - 0.05)
    else:
        source = (start[0] + (1 if end[0] > start[0] else -1) * BOX_W / 2, start[1])
    return source, (end[0], end[1] + BOX_H / 2 + 0.05)


def _segments(edges: list[Edge], position: dict[str, Point]) -> dict[Edge, tuple[Point, Point]]:
    """Where each arrow starts and ends (`_ends`), except that arrows coming down into the same
    box enter its top side by side, ordered by the side they come from (so they do not cross
    on the way). One that comes straight down moves sideways whole, and stays straight."""
    segments = {edge: _ends(position[edge.source], position[edge.target]) for edge in edges}
    entering: dict[str, list[Edge]] = {}
    for edge, (source, target) in segments.items():
        if target[1] < source[1]:  # downwards: it enters at the top
            entering.setdefault(edge.target, []).append(edge)
    for group in entering.values():
        step = min(SPREAD, 0.7 * BOX_W / max(len(group) - 1, 1))
        # Seen from the head, the arrow that comes from furthest left enters furthest left.
        group.sort(key=lambda edge: -_bearing(*segments[edge]))
        for i, edge in enumerate(group):
            (sx, sy), (tx, ty) = segments[edge]
            dx = (i - (len(group) - 1) / 2) * step  # 0 for an arrow alone
            segments[edge] = ((sx + dx if sx == tx else sx, sy), (tx + dx, ty))
    return segments


def _bearing(source: Point, target: Point) -> float:
    """The direction an arrow comes from, seen from its head: 0 from the right, pi from the
    left (radians)."""
    return math.atan2(source[1] - target[1], source[0] - target[0])


def draw_workflow(definition: Mapping[str, Any], title: str = "") -> Figure:
    """A matplotlib figure of the workflow (display it by leaving it last in a cell)."""
    order, edges = workflow_graph(definition)
    row = layers(definition)
    position = place(definition)
    xs = [x for x, _ in position.values()]
    width = max(xs) - min(xs) + COLUMN_W
    figure, axes = plt.subplots(figsize=(width * 0.95, 0.95 * ROW_H * (max(row.values()) + 1)))
    FigureCanvasAgg(figure)  # measures text as the PNG will draw it, whatever the backend
    axes.set_xlim(min(xs) - COLUMN_W / 2, max(xs) + COLUMN_W / 2)
    axes.set_ylim(-ROW_H * max(row.values()) - 0.6, 0.6)
    axes.axis("off")
    for name in order:
        _box(axes, position[name], name, definition["States"][name]["Type"])
    segments = _segments(edges, position)
    for edge, (source, target) in segments.items():
        _arrow(axes, source, target, edge)
    # Labels last: each is put where it covers no box and no other arrow, if it can be.
    obstacles = [_box_rectangle(centre, margin=0) for centre in position.values()]
    for edge, (source, target) in segments.items():
        if edge.label:
            others = [segment for other, segment in segments.items() if other != edge]
            _label(axes, source, target, edge, obstacles, others)
    kinds = [kind for kind in LEGEND if any(edge.kind == kind for edge in edges)]
    handles = [Line2D([], [], linestyle=STYLE[k][0], color=STYLE[k][1]) for k in kinds]
    axes.legend(
        handles,
        [LEGEND[k] for k in kinds],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),  # below the drawing, never on it
        ncols=len(kinds),
        frameon=False,
        fontsize=TEXT_PT,
    )
    if title:
        axes.set_title(title, fontsize=12)
    plt.close(figure)  # shown once, by the notebook's display of the returned figure
    return figure


def _box(axes: Any, centre: Point, name: str, kind: str) -> None:
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
    axes.text(x, y + 0.09, name, ha="center", va="center", fontsize=11, weight="bold", zorder=3)
    axes.text(x, y - 0.17, kind, ha="center", va="center", fontsize=TEXT_PT, color="#444444")


def _arrow(axes: Any, source: Point, target: Point, edge: Edge) -> None:
    style, colour = STYLE[edge.kind]
    # Loops and sideways moves curve, so they do not run through the boxes between.
    bend = 0.0 if target[1] < source[1] else 0.4
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


def _label(
    axes: Any,
    source: Point,
    target: Point,
    edge: Edge,
    boxes: list[Rectangle],
    arrows: list[tuple[Point, Point]],
) -> None:
    """The edge's label, on a white ground: beside a vertical arrow (right, else left), on a
    slanted one near its middle; at the first of those places that covers no box and no other
    arrow (else the first place)."""
    colour = STYLE[edge.kind][1]
    text = axes.text(
        0,
        0,
        edge.label,
        fontsize=TEXT_PT,
        color=colour,
        va="center",
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        zorder=3,
    )
    if source[0] == target[0]:
        y = (source[1] + target[1]) / 2
        places = [((source[0] + 0.1, y), "left"), ((source[0] - 0.1, y), "right")]
    else:
        places = [
            (
                (source[0] + (target[0] - source[0]) * f, source[1] + (target[1] - source[1]) * f),
                "center",
            )
            for f in (0.45, 0.35, 0.55, 0.25)
        ]
    for position, align in places:
        text.set_position(position)
        text.set_horizontalalignment(align)
        x0, y0, x1, y1 = _extent(axes, text)
        clearance = (x0 - LABEL_MARGIN, y0 - LABEL_MARGIN, x1 + LABEL_MARGIN, y1 + LABEL_MARGIN)
        if not _covers(clearance, boxes, arrows):
            return
    text.set_position(places[0][0])
    text.set_horizontalalignment(places[0][1])


def _extent(axes: Any, text: Text) -> Rectangle:
    """The text's rectangle in data coordinates, as it will be drawn."""
    box = text.get_window_extent(axes.figure.canvas.get_renderer())
    box = box.transformed(axes.transData.inverted())
    return (box.x0, box.y0, box.x1, box.y1)


def _covers(extent: Rectangle, boxes: list[Rectangle], arrows: list[tuple[Point, Point]]) -> bool:
    x0, y0, x1, y1 = extent
    if any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in boxes):
        return True
    return any(_crosses(start, end, extent) for start, end in arrows)
