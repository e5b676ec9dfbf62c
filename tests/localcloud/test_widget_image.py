"""GetMetricWidgetImage: a PNG of the widget, drawn from the datapoints GetMetricData returns.

The images are decoded and read by colour: where each line's pixels are tells what was drawn.
Widgets here hide their legend and have no title, so every pixel of a line's colour is in the
plot area (a legend repeats the colours).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import struct
import uuid
from typing import Any

import numpy as np
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from matplotlib import image as mpimg

from localcloud.metric_widget.spec import HEIGHT, WIDTH, parse
from tests.localcloud.polling import until

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BLUE, ORANGE, GREEN, RED = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"
MINUTE = dt.timedelta(minutes=1)
RANGE = 30 * MINUTE
FIRST, LAST = 5, 15  # the datapoints' minutes, counted from the widget's start


@pytest.fixture
def cloudwatch(cloud):  # noqa: ANN001, ANN201 - a boto3 client
    return cloud.client("cloudwatch")


@pytest.fixture
def start() -> dt.datetime:
    """The widgets' start: a whole minute, 20 minutes ago; they end 30 minutes later."""
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - 20 * MINUTE


def put_lines(cloudwatch, start: dt.datetime, values: dict[str, float]) -> str:  # noqa: ANN001
    """A new namespace whose metrics (name -> value) have one datapoint in each minute from
    FIRST to LAST after `start`; returns the namespace once GetMetricData sees them all."""
    namespace = f"Test/Widget/{uuid.uuid4().hex[:8]}"
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": name,
                "Timestamp": start + minute * MINUTE + dt.timedelta(seconds=30),
                "Value": value,
            }
            for name, value in values.items()
            for minute in range(FIRST, LAST + 1)
        ],
    )
    expected = (LAST - FIRST + 1) * len(values)
    assert until(lambda: datapoints(cloudwatch, namespace, list(values), start) == expected)
    return namespace


def datapoints(cloudwatch, namespace: str, names: list[str], start: dt.datetime) -> int:  # noqa: ANN001
    """How many one-minute datapoints GetMetricData returns for these metrics now."""
    queries = [
        {
            "Id": f"q{number}",
            "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": name},
                "Period": 60,
                "Stat": "Average",
            },
        }
        for number, name in enumerate(names)
    ]
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=queries, StartTime=start, EndTime=start + RANGE
    )
    return sum(len(result["Values"]) for result in answer["MetricDataResults"])


def widget(start: dt.datetime, metrics: list[list[Any]], **properties: Any) -> dict[str, Any]:
    return {
        "metrics": metrics,
        "start": start.isoformat(),
        "end": (start + RANGE).isoformat(),
        "period": 60,
        "legend": {"position": "hidden"},
        **properties,
    }


def png(cloudwatch, definition: dict[str, Any]) -> bytes:  # noqa: ANN001
    return cloudwatch.get_metric_widget_image(MetricWidget=json.dumps(definition))[
        "MetricWidgetImage"
    ]


def pixels(image: bytes) -> np.ndarray:
    """The image as rows x columns x RGB(A) floats from 0 to 1."""
    return mpimg.imread(io.BytesIO(image), format="png")


def where(image: np.ndarray, color: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of the pixels of exactly this colour (anti-aliased edges excluded)."""
    rgb = np.array([int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    rows, columns = np.nonzero(np.all(np.abs(image[:, :, :3] - rgb) < 0.02, axis=2))
    return rows, columns


def line_row(image: np.ndarray, color: str) -> int:
    """The row holding most pixels of this colour: where its horizontal line is."""
    rows, _ = where(image, color)
    assert rows.size, f"no {color} pixels"
    return int(np.bincount(rows).argmax())


# -- The answer ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(None, None), (437, 251)])
def test_the_answer_is_a_png_of_the_widgets_size(
    cloudwatch,  # noqa: ANN001
    start: dt.datetime,
    width: int | None,
    height: int | None,
) -> None:
    size = {"width": width, "height": height} if width else {}
    definition = {"metrics": [["Test/Widget", "Nothing"]], "title": "Empty", **size}
    image = png(cloudwatch, definition)
    assert isinstance(image, bytes) and image.startswith(PNG_SIGNATURE)
    # A PNG's first chunk, IHDR, holds its width and height.
    assert struct.unpack(">II", image[16:24]) == (width or WIDTH, height or HEIGHT)
    assert pixels(image).shape[:2] == (height or HEIGHT, width or WIDTH)


def test_image_png_answers_the_bare_image(cloud, cloudwatch, start: dt.datetime) -> None:  # noqa: ANN001
    """OutputFormat image/png (for custom HTTP requests, not SDKs): the body is the PNG."""
    body = {
        "MetricWidget": json.dumps({"metrics": [["Test/Widget", "Nothing"]]}),
        "OutputFormat": "image/png",
    }
    request = AWSRequest(
        method="POST",
        url=f"{cloud.endpoint_url}/",
        data=json.dumps(body),
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "GraniteServiceVersion20100801.GetMetricWidgetImage",
        },
    )
    SigV4Auth(Credentials("testing", "testing"), "monitoring", cloud.region).add_auth(request)
    answer = requests.post(
        request.url, data=request.body, headers=dict(request.headers), timeout=30
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.content.startswith(PNG_SIGNATURE)


# -- The image against the data ------------------------------------------------------------------


def test_each_line_is_drawn_at_its_values_over_its_datapoints_times(
    cloudwatch,  # noqa: ANN001
    start: dt.datetime,
) -> None:
    namespace = put_lines(cloudwatch, start, {"Ten": 10.0, "Twenty": 20.0})
    definition = widget(
        start,
        [[namespace, "Ten", {"color": BLUE}], [namespace, "Twenty", {"color": RED}]],
        annotations={"horizontal": [{"value": 15, "label": "fifteen", "color": GREEN}]},
    )
    image = pixels(png(cloudwatch, definition))
    ten, fifteen, twenty = line_row(image, BLUE), line_row(image, GREEN), line_row(image, RED)
    assert twenty < fifteen < ten  # rows count down from the top: 20 is drawn highest
    assert abs(fifteen - (ten + twenty) / 2) <= 3  # and the value axis is linear
    # The annotation spans the plot from side to side: it gives the time axis in pixels.
    _, across = where(image, GREEN)
    left, right = across.min(), across.max()

    def x(minute: int) -> float:
        return left + (right - left) * (minute * MINUTE) / RANGE

    for color in (BLUE, RED):
        _, columns = where(image, color)
        radius = 7  # half a marker, and a pixel of anti-aliasing
        assert abs(columns.min() - x(FIRST)) <= radius, color
        assert abs(columns.max() - x(LAST)) <= radius, color


def test_axis_limits_move_the_lines(cloudwatch, start: dt.datetime) -> None:  # noqa: ANN001
    namespace = put_lines(cloudwatch, start, {"Ten": 10.0, "Twenty": 20.0})
    lines = [[namespace, "Ten", {"color": BLUE}], [namespace, "Twenty", {"color": RED}]]
    automatic = pixels(png(cloudwatch, widget(start, lines)))
    to_100 = pixels(png(cloudwatch, widget(start, lines, yAxis={"left": {"min": 0, "max": 100}})))
    # From 0 to a little over 20, 10 apart is nearly half the plot; from 0 to 100, a tenth.
    apart = line_row(automatic, BLUE) - line_row(automatic, RED)
    apart_to_100 = line_row(to_100, BLUE) - line_row(to_100, RED)
    assert 0 < 3 * apart_to_100 < apart
    # From 15 to 25 the line at 10 is below the plot: not drawn.
    from_15 = pixels(png(cloudwatch, widget(start, lines, yAxis={"left": {"min": 15, "max": 25}})))
    assert where(from_15, BLUE)[0].size == 0
    assert where(from_15, RED)[0].size > 0


def test_two_equal_lines_are_both_visible_in_cloudwatchs_palette(
    cloudwatch,  # noqa: ANN001
    start: dt.datetime,
) -> None:
    namespace = put_lines(cloudwatch, start, {"Rejected": 3.0, "OutOfStock": 3.0})
    definition = widget(start, [[namespace, "Rejected"], [namespace, "OutOfStock"]])
    image = pixels(png(cloudwatch, definition))
    # CloudWatch's first two colours; the second line, drawn over the first, leaves it visible.
    assert where(image, BLUE)[0].size >= 50
    assert where(image, ORANGE)[0].size >= 50
    # Both at the same height: the first shows as a rim on either side of the second.
    assert np.median(where(image, BLUE)[0]) == pytest.approx(
        np.median(where(image, ORANGE)[0]), abs=2
    )


def test_metric_math_draws_the_expression(cloudwatch, start: dt.datetime) -> None:  # noqa: ANN001
    namespace = put_lines(cloudwatch, start, {"Ten": 10.0, "Twenty": 20.0})
    definition = widget(
        start,
        [
            [namespace, "Ten", {"id": "ten", "visible": False}],
            [namespace, "Twenty", {"id": "twenty", "color": RED}],
            [{"expression": "(twenty - ten) / 2", "label": "half the gap", "color": BLUE}],
        ],
        annotations={"horizontal": [{"value": 5, "color": GREEN}]},
    )
    image = pixels(png(cloudwatch, definition))
    assert line_row(image, BLUE) == pytest.approx(line_row(image, GREEN), abs=2)  # at 5
    assert line_row(image, RED) < line_row(image, GREEN)


def test_the_image_shows_only_datapoints_that_have_arrived(
    cloudwatch,  # noqa: ANN001
    start: dt.datetime,
) -> None:
    """As GetMetricData: a datapoint is drawn once it has arrived (LOCALCLOUD_REALISM)."""
    namespace = f"Test/Widget/{uuid.uuid4().hex[:8]}"
    at = start + FIRST * MINUTE
    cloudwatch.put_metric_data(
        Namespace=namespace, MetricData=[{"MetricName": "Late", "Timestamp": at, "Value": 1.0}]
    )
    definition = widget(start, [[namespace, "Late", {"color": RED}]])
    assert where(pixels(png(cloudwatch, definition)), RED)[0].size == 0
    assert until(lambda: datapoints(cloudwatch, namespace, ["Late"], start) == 1)
    assert where(pixels(png(cloudwatch, definition)), RED)[0].size > 0


# -- Refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "status", "code", "says"),
    [
        ("not json", 400, "InvalidParameterInput", "The MetricWidget is not valid JSON"),
        ('{"title": "no lines"}', 400, "InvalidParameterInput", "required property 'metrics'"),
        ('{"metrics": [["Only/ANamespace"]]}', 400, "InvalidParameterInput", "at /metrics/0:"),
        ('{"metrics": [["N", "M"]], "period": 7}', 400, "InvalidParameterInput", "at /period:"),
        # Valid on AWS, not drawn locally: said so, as for any part of an unimplemented action.
        ('{"metrics": [["N", "M"]], "view": "pie"}', 501, "NotImplemented", "view 'pie'"),
        ('{"metrics": [[{"expression": "RATE(m1)"}]]}', 501, "NotImplemented", "RATE"),
    ],
)
def test_a_widget_that_cannot_be_drawn_is_refused_with_the_reason(
    cloudwatch,  # noqa: ANN001
    definition: str,
    status: int,
    code: str,
    says: str,
) -> None:
    with pytest.raises(ClientError) as refused:
        cloudwatch.get_metric_widget_image(MetricWidget=definition)
    error = refused.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error["Error"]["Code"] == code
    assert says in error["Error"]["Message"]


# -- Reading the widget (no cloud) ---------------------------------------------------------------


def test_a_widget_without_options_has_awss_defaults() -> None:
    now = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    lines = [["NS", "Calls", "Fn", "a"], [".", ".", ".", "b", {"label": "b calls"}]]
    parsed = parse(json.dumps({"metrics": lines}), now)
    assert (parsed.width, parsed.height, parsed.view, parsed.legend) == (
        600,
        400,
        "timeSeries",
        "bottom",
    )
    assert (parsed.start, parsed.end) == (now - dt.timedelta(hours=3), now)
    first, second = parsed.lines
    assert (first.stat, first.period, first.label) == ("Average", 300, None)
    assert second.metric is not None and second.metric.dimensions == (("Fn", "b"),)
    assert (second.metric.namespace, second.metric.name, second.label) == ("NS", "Calls", "b calls")


def test_the_widget_image_seam_exists() -> None:
    """moto still lacks GetMetricWidgetImage (patching.add refuses to hide one it gains), and
    what the seam calls is where it was."""
    import inspect

    from moto.cloudwatch.exceptions import DashboardInvalidInputError
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse

    added = getattr(CloudWatchResponse, "get_metric_widget_image", None)
    assert getattr(added, "localcloud_added", added is None)
    get_metric_data = CloudWatchBackend.get_metric_data
    get_metric_data = getattr(get_metric_data, "localcloud_original", get_metric_data)
    assert list(inspect.signature(get_metric_data).parameters) == [
        "self",
        "queries",
        "start_time",
        "end_time",
        "scan_by",
    ]
    assert DashboardInvalidInputError("m").code == "InvalidParameterInput"
