"""The PNG of a widget, drawn as CloudWatch draws its graphs, with matplotlib's Agg backend.

What a reader needs, as in CloudWatch's own images: the title at the top left, the time on the
x axis (HH:MM, in the widget's timezone), the value axis from 0 unless a minimum is set, the
legend outside the data with each line's colour and label, CloudWatch's palette (the first
line blue #1f77b4, then orange, green, red, purple: matplotlib's tab10, the same colours) and
text of 9 pt or more at the default 600x400. Lines with equal values must not hide each
other: every datapoint has a marker, and each later line is thinner with smaller markers (and
from the fourth on dashed), so an earlier line shows around one drawn over it.

This module imports matplotlib, which takes most of a second: the package imports it at the
first GetMetricWidgetImage, not when the cloud starts.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import threading
from collections.abc import Sequence

from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from localcloud.metric_widget.data import Series
from localcloud.metric_widget.spec import Axis, Horizontal, Vertical, Widget

DPI = 100  # so a widget's width and height in pixels are its figure size in inches x 100
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
ANNOTATION_COLOR = "#5f6b7a"  # a slate grey no line of the palette uses
TEXT_PT = 9
TITLE_PT = 11
TEXT = "#16191f"
MUTED = "#545b64"
GRID = "#e9ebed"
NO_DATA = "No data available."
# matplotlib's font and text caches are shared by every figure of the process; the server
# answers requests on several threads, so images are drawn one at a time.
_drawing = threading.Lock()


def png(widget: Widget, series: Sequence[Series]) -> bytes:
    """The widget drawn with these series, `widget.width` x `widget.height` pixels."""
    with _drawing:
        single = widget.view == "singleValue"
        figure = Figure(
            figsize=(widget.width / DPI, widget.height / DPI),
            dpi=DPI,
            facecolor="white",
            layout=None if single else "constrained",
        )
        FigureCanvasAgg(figure)
        colors = [s.line.color or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
        if single:
            _single_values(figure, widget, series)
        elif widget.view == "bar":
            _bars(figure, widget, series, colors)
        else:
            _time_series(figure, widget, series, colors)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _time_series(
    figure: Figure, widget: Widget, series: Sequence[Series], colors: Sequence[str]
) -> None:
    left = figure.add_subplot()
    sides = {s.line.y_axis for s in series} | {h.y_axis for h in widget.horizontal}
    axes = {"left": left}
    if "right" in sides:
        axes["right"] = left.twinx()
    handles: list[Line2D] = []
    tops: dict[str, list[float]] = {"left": [], "right": []}
    for side, ax in axes.items():
        drawn = [(i, s) for i, s in enumerate(series) if s.line.y_axis == side]
        if widget.stacked:
            tops[side] = _stacked(ax, drawn, colors, handles)
        else:
            for index, line in drawn:
                handles.append(_line(ax, line, colors[index], index, _spacing(widget, line)))
                tops[side].extend(line.values)
    for side, ax in axes.items():
        spec = widget.left if side == "left" else widget.right
        marks = [v for h in widget.horizontal if h.y_axis == side for v in (h.value, h.to)]
        low, high = _limits(tops[side] + [v for v in marks if v is not None], spec)
        ax.set_ylim(low, high)
        _value_axis(ax, spec, widget.height, side)
        for annotation in widget.horizontal:
            if annotation.y_axis == side:
                _horizontal(ax, annotation, low, high)
    for annotation in widget.vertical:
        _vertical(left, annotation, widget)
    _time_axis(left, widget)
    if not any(s.values for s in series):
        _no_data(left)
    _title(left, widget)
    _legend(figure, widget, handles)


def _line(ax: Axes, series: Series, color: str, index: int, spacing: float) -> Line2D:
    """One line, with a marker at each datapoint. Each later line is thinner, with smaller
    markers, and drawn above the earlier ones: where two are equal, the earlier one's colour
    still shows around the later one. From the fourth on, sizes stop shrinking and lines are
    dashed, each starting its dashes at another place, so equal ones alternate. All markers
    shrink alike when datapoints are only `spacing` pixels apart, so they do not merge."""
    crowding = min(1.0, max(0.45, spacing / 12))
    style: dict[str, object] = {
        "linewidth": max(1.0, 3.2 - 1.0 * index),
        "markersize": max(3.0, 8.0 - 2.0 * index) * crowding,
    }
    if index >= 3:
        style["linestyle"] = (3 * (index % 2), (3, 3))
    (drawn,) = ax.plot(
        list(series.times),
        list(series.values),
        color=color,
        marker="o",
        label=series.label,
        zorder=3 + index,
        **style,
    )
    return drawn


def _spacing(widget: Widget, series: Series) -> float:
    """About how many pixels apart the line's datapoints are (the plot is most of the width)."""
    seconds = (widget.end - widget.start).total_seconds()
    return widget.width * 0.85 * series.line.period / seconds


def _stacked(
    ax: Axes, drawn: list[tuple[int, Series]], colors: Sequence[str], handles: list[Line2D]
) -> list[float]:
    """Lines stacked on each other, each filled down to the one below; returns the tops."""
    times = sorted({t for _, s in drawn for t in s.times})
    below = [0.0] * len(times)
    for index, line in drawn:
        by_time = dict(zip(line.times, line.values, strict=True))
        top = [b + by_time.get(t, 0.0) for b, t in zip(below, times, strict=True)]
        ax.fill_between(times, below, top, color=colors[index], alpha=0.35, linewidth=0)
        (edge,) = ax.plot(
            times,
            top,
            color=colors[index],
            marker="o",
            markersize=4,
            linewidth=1.5,
            label=line.label,
            zorder=3 + index,
        )
        handles.append(edge)
        below = top
    return below


def _limits(values: list[float], spec: Axis) -> tuple[float, float]:
    """The value axis: from 0 (or below, for negative values) unless `spec.min`; up to a
    tenth above the highest value or annotation unless `spec.max`."""
    low = min([0.0, *values]) if spec.min is None else spec.min
    if spec.max is not None:
        return low, spec.max
    top = max([low, *values])
    return low, (top + (top - low) * 0.1) if top > low else low + 1


def _value_axis(ax: Axes, spec: Axis, height: int, side: str) -> None:
    ax.yaxis.set_major_locator(
        ticker.MaxNLocator(nbins=max(2, height // 70), steps=[1, 2, 2.5, 5, 10])
    )
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: compact(value)))
    ax.tick_params(axis="y", labelsize=TEXT_PT, colors=MUTED, length=0)
    if spec.label:
        ax.set_ylabel(spec.label, fontsize=TEXT_PT, color=MUTED)
    for name, spine in ax.spines.items():
        spine.set_visible(name == "bottom" or name == side)
        spine.set_color(GRID)
    if side == "left":
        ax.grid(axis="y", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)


# (longest range, tick label, pixels a label needs with room between): seconds on a range of
# a few minutes (1 s periods), else every tick of a short graph would read alike.
TIME_LABELS = [
    (dt.timedelta(minutes=5), "%H:%M:%S", 65),
    (dt.timedelta(days=1), "%H:%M", 50),
    (dt.timedelta.max, "%m/%d %H:%M", 90),
]


def _time_axis(ax: Axes, widget: Widget) -> None:
    ax.set_xlim(widget.start, widget.end)
    label, width = next((f, w) for span, f, w in TIME_LABELS if widget.end - widget.start <= span)
    locator = mdates.AutoDateLocator(
        tz=widget.timezone, minticks=2, maxticks=max(2, widget.width // width)
    )
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter(label, tz=widget.timezone))
    ax.tick_params(axis="x", labelsize=TEXT_PT, colors=MUTED)


def _horizontal(ax: Axes, annotation: Horizontal, low: float, high: float) -> None:
    """A dashed line (an annotation, not data) with its label above it at the right."""
    color = annotation.color or ANNOTATION_COLOR
    if annotation.to is not None:
        ax.axhspan(annotation.value, annotation.to, color=color, alpha=0.15, linewidth=0)
    elif annotation.fill == "above":
        ax.axhspan(annotation.value, high, color=color, alpha=0.15, linewidth=0)
    elif annotation.fill == "below":
        ax.axhspan(low, annotation.value, color=color, alpha=0.15, linewidth=0)
    for value in (annotation.value, annotation.to):
        if value is not None:
            ax.axhline(value, color=color, linewidth=1.5, linestyle=(0, (6, 3)), zorder=2)
    if annotation.label:
        ax.text(
            0.995,
            annotation.value,
            annotation.label,
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            color=color,
            fontsize=TEXT_PT,
            zorder=2,
        )


def _vertical(ax: Axes, annotation: Vertical, widget: Widget) -> None:
    color = annotation.color or ANNOTATION_COLOR
    if annotation.to is not None:
        ax.axvspan(annotation.value, annotation.to, color=color, alpha=0.15, linewidth=0)
    elif annotation.fill == "before":
        ax.axvspan(widget.start, annotation.value, color=color, alpha=0.15, linewidth=0)
    elif annotation.fill == "after":
        ax.axvspan(annotation.value, widget.end, color=color, alpha=0.15, linewidth=0)
    for value in (annotation.value, annotation.to):
        if value is not None:
            ax.axvline(value, color=color, linewidth=1.5, linestyle=(0, (6, 3)), zorder=2)
    if annotation.label:
        ax.text(
            annotation.value,
            0.98,
            annotation.label,
            transform=ax.get_xaxis_transform(),
            rotation=90,
            ha="right",
            va="top",
            color=color,
            fontsize=TEXT_PT,
        )


def _title(ax: Axes, widget: Widget) -> None:
    if widget.title:
        ax.set_title(widget.title, loc="left", fontsize=TITLE_PT, color=TEXT)


def _legend(figure: Figure, widget: Widget, handles: list[Line2D]) -> None:
    """Below the plot (or at its right), outside the data, in as many columns as fit."""
    if widget.legend == "hidden" or not handles:
        return
    if widget.legend == "right":
        where, columns = "outside right upper", 1
    else:
        widest = max(len(h.get_label()) for h in handles) * 6 + 40  # pixels, at 9 pt
        where, columns = "outside lower left", max(1, min(len(handles), widget.width // widest))
    figure.legend(
        handles=handles,
        loc=where,
        ncols=columns,
        fontsize=TEXT_PT,
        frameon=False,
        handlelength=2.0,
        labelcolor=TEXT,
    )


def _no_data(ax: Axes) -> None:
    ax.text(
        0.5,
        0.5,
        NO_DATA,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=TEXT_PT + 1,
        color=MUTED,
    )


def _bars(figure: Figure, widget: Widget, series: Sequence[Series], colors: Sequence[str]) -> None:
    """One horizontal bar per line: its latest value (or the whole range's, with
    setPeriodToTimeRange), labelled with the line's label and the value."""
    ax = figure.add_subplot()
    values = [s.values[-1] if s.values else 0.0 for s in series]
    places = range(len(series))
    ax.barh(places, values, color=colors, height=0.6)
    ax.set_yticks(places, [s.label for s in series], fontsize=TEXT_PT, color=TEXT)
    ax.invert_yaxis()  # the first line at the top, as listed
    low, high = _limits(values, widget.left)
    ax.set_xlim(low, high)
    for place, (line, value) in enumerate(zip(series, values, strict=True)):
        text = compact(value) if line.values else "--"
        ax.text(value, place, f" {text}", va="center", fontsize=TEXT_PT, color=TEXT)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: compact(value)))
    ax.tick_params(labelsize=TEXT_PT, colors=MUTED, length=0)
    for name, spine in ax.spines.items():
        spine.set_visible(name == "left")
        spine.set_color(GRID)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    if not any(s.values for s in series):
        _no_data(ax)
    _title(ax, widget)


def _single_values(figure: Figure, widget: Widget, series: Sequence[Series]) -> None:
    """Each line's latest value in large type under its label, in a grid of cells."""
    top = 1.0
    if widget.title:
        title_height = (TITLE_PT * 2.2) / 72 * DPI / widget.height
        figure.text(
            0.02, 1 - title_height / 2, widget.title, va="center", fontsize=TITLE_PT, color=TEXT
        )
        top -= title_height
    if not series or not any(s.values for s in series):
        figure.text(
            0.5, top / 2, NO_DATA, ha="center", va="center", fontsize=TEXT_PT + 1, color=MUTED
        )
        return
    columns = max(1, min(len(series), widget.width // 150))
    rows = math.ceil(len(series) / columns)
    cell = top / rows
    value_pt = max(TEXT_PT, min(36.0, cell * widget.height * 0.45 / DPI * 72))
    for number, line in enumerate(series):
        row, column = divmod(number, columns)
        x = (column + 0.5) / columns
        y = top - row * cell
        figure.text(
            x,
            y - cell * 0.2,
            line.label,
            ha="center",
            va="center",
            fontsize=TEXT_PT,
            color=line.line.color or PALETTE[number % len(PALETTE)],
        )
        value = compact(line.values[-1]) if line.values else "--"
        figure.text(
            x, y - cell * 0.6, value, ha="center", va="center", fontsize=value_pt, color=TEXT
        )


def compact(value: float) -> str:
    """A number as CloudWatch writes it on an axis: three significant digits, k/M/G/T."""
    for size, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"
