"""Embedded Metric Format: lines a handler prints become CloudWatch metrics."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest

from localcloud import emf
from tests.localcloud.functions import deploy
from tests.localcloud.polling import until
from workbook.packaging import layer_zip

STAMP_MS = 1_795_000_000_000


def emf_line(**changes: Any) -> str:
    document = {
        "_aws": {
            "Timestamp": STAMP_MS,
            "CloudWatchMetrics": [
                {
                    "Namespace": "Shop",
                    "Dimensions": [["Service"], ["Service", "Stage"]],
                    "Metrics": [{"Name": "OrdersPlaced", "Unit": "Count"}],
                }
            ],
        },
        "Service": "orders",
        "Stage": "dev",
        "OrdersPlaced": 2,
    }
    document.update(changes)
    return json.dumps(document)


def test_each_dimension_set_makes_a_metric() -> None:
    ((namespace, items),) = emf.metric_data(emf_line())
    assert namespace == "Shop"
    assert [i["Dimensions"] for i in items] == [
        [{"Name": "Service", "Value": "orders"}],
        [{"Name": "Service", "Value": "orders"}, {"Name": "Stage", "Value": "dev"}],
    ]
    assert all(i["Values"] == [2.0] and i["Unit"] == "Count" for i in items)
    assert items[0]["Timestamp"] == dt.datetime.fromtimestamp(STAMP_MS / 1000, dt.UTC)


def test_a_list_of_values() -> None:
    ((_, items),) = emf.metric_data(emf_line(OrdersPlaced=[1, 2.5, 3]))
    assert items[0]["Values"] == [1.0, 2.5, 3.0]


@pytest.mark.parametrize(
    "line",
    [
        "START RequestId: 1 Version: $LATEST",
        '{"message": "plain JSON log, no _aws"}',
        emf_line(OrdersPlaced=True),  # a boolean is not a number
        emf_line(OrdersPlaced="2"),
        emf_line(OrdersPlaced=[]),
        '{"_aws": {"CloudWatchMetrics": []}}',  # no Timestamp
        '{"_aws": "not an object"}',
    ],
)
def test_not_metrics(line: str) -> None:
    assert emf.metric_data(line) == []


def test_invalid_dimension_sets_and_directives_are_skipped() -> None:
    # Stage missing: the [Service, Stage] set is invalid and skipped, [Service] still counts.
    document = json.loads(emf_line())
    del document["Stage"]
    ((_, items),) = emf.metric_data(json.dumps(document))
    assert [i["Dimensions"] for i in items] == [[{"Name": "Service", "Value": "orders"}]]
    # A non-string dimension value makes its set invalid too.
    assert len(emf.metric_data(emf_line(Stage=3))[0][1]) == 1
    # No namespace: the directive is invalid.
    document["_aws"]["CloudWatchMetrics"][0].pop("Namespace")
    assert emf.metric_data(json.dumps(document)) == []


def metric_sum(cloud, namespace: str, name: str, dimensions: dict[str, str]) -> float:  # noqa: ANN001
    now = dt.datetime.now(dt.UTC)
    answer = cloud.client("cloudwatch").get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {
                        "Namespace": namespace,
                        "MetricName": name,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=now - dt.timedelta(minutes=5),
        EndTime=now + dt.timedelta(minutes=1),
    )
    return sum(answer["MetricDataResults"][0]["Values"])


HANDLER = """
import json, time

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

metrics = Metrics(namespace="ShopPowertools", service="checkout")


def by_hand(event, context):
    print(json.dumps({
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": "ShopByHand",
                "Dimensions": [["Function"]],
                "Metrics": [{"Name": "CartValue", "Unit": "None"}],
            }],
        },
        "Function": context.function_name,
        "CartValue": [10, 32],
    }))


@metrics.log_metrics
def with_powertools(event, context):
    metrics.add_metric(name="OrdersPlaced", unit=MetricUnit.Count, value=3)
"""


def test_handler_emf_lines_become_metrics(cloud) -> None:  # noqa: ANN001
    lam = cloud.client("lambda")
    # Powertools comes in a layer, as on AWS: the runtime has only the handler's code and boto3.
    layer = lam.publish_layer_version(LayerName="emf-powertools", Content={"ZipFile": layer_zip()})[
        "LayerVersionArn"
    ]
    by_hand = deploy(lam, HANDLER, Handler="lambda_function.by_hand", Layers=[layer])
    powertools = deploy(
        lam, HANDLER, Handler="lambda_function.with_powertools", Timeout=30, Layers=[layer]
    )
    for function in (by_hand, powertools):
        answer = lam.invoke(FunctionName=function, Payload=b"{}")
        assert "FunctionError" not in answer, answer["Payload"].read()

    # Datapoints are readable a moment after they are put, as on AWS.
    assert until(
        lambda: metric_sum(cloud, "ShopByHand", "CartValue", {"Function": by_hand}) == 42.0
    )
    deadline = time.monotonic() + 5
    while metric_sum(cloud, "ShopPowertools", "OrdersPlaced", {"service": "checkout"}) != 3.0:
        assert time.monotonic() < deadline, "powertools' metric never arrived"
        time.sleep(0.1)
