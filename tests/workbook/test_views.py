"""workbook.views: the tables notebooks show, made from answers the notebook's own calls got."""

from __future__ import annotations

from workbook.views import report_frame

COLD = (
    "REPORT RequestId: 70f46dcc-147c-4e9b-9273-20192b7d68a9\tDuration: 310.25 ms\t"
    "Billed Duration: 311 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tInit Duration: 2.00 ms\t"
)
WARM = (
    "REPORT RequestId: 0b1c2d3e-147c-4e9b-9273-20192b7d68a9\tDuration: 0.50 ms\t"
    "Billed Duration: 1 ms\tMemory Size: 256 MB\tMax Memory Used: 81 MB\t"
)


def test_one_row_per_function_in_the_order_given_without_init_duration() -> None:
    frame = report_frame({"shop-B": WARM, "shop-A": COLD})
    assert frame.to_dict("records") == [
        {
            "function": "shop-B",
            "memory (MB)": 256,
            "duration": "0.50 ms",
            "billed": "1 ms",
            "max used": "81 MB",
        },
        {
            "function": "shop-A",
            "memory (MB)": 512,
            "duration": "310.25 ms",
            "billed": "311 ms",
            "max used": "90 MB",
        },
    ]
