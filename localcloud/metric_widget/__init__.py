"""CloudWatch GetMetricWidgetImage: one dashboard widget drawn as a PNG from its JSON.

moto 5.2.5 lacks the action. The widget is read (`spec`, `timerange`), its lines are queried
through the cloud's own GetMetricData (`data`, with metric math in `expression`) and drawn
(`render`, matplotlib, imported at the first image so the cloud starts as fast as before).
What is drawn and what is refused: docs/aws-fidelity.md, "CloudWatch metric widget images".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from localcloud.metric_widget.data import MetricData, series
from localcloud.metric_widget.errors import WidgetError
from localcloud.metric_widget.spec import parse

# AWS: "Only PNG images are supported"; `image/png` answers the bare PNG instead of the field.
OUTPUT_FORMATS = ("png", "image/png")


def install() -> None:
    """Answer GetMetricWidgetImage (before the server's first request)."""
    from localcloud.seams.cloudwatch import install_metric_widget_image

    install_metric_widget_image(image, WidgetError)


def image(widget: Any, output_format: str, metric_data: MetricData) -> bytes:
    """The PNG of `widget` (the MetricWidget parameter) with the datapoints `metric_data`
    gives now. Raises WidgetError for a widget AWS refuses, NotImplementedError for one the
    local cloud does not draw."""
    if output_format not in OUTPUT_FORMATS:
        raise WidgetError(
            f"The OutputFormat must be png (or image/png for a bare image), not {output_format!r}."
        )
    parsed = parse(widget, dt.datetime.now(dt.UTC))
    drawn = series(parsed, metric_data)
    from localcloud.metric_widget import render  # matplotlib: about a second to import

    return render.png(parsed, drawn)
