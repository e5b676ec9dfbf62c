"""notebooks/sanitize.cfg: each rule masks what differs between runs, and nothing else."""

from __future__ import annotations

import re

import pytest
from nbval.plugin import get_sanitize_patterns

from workbook.headless import NOTEBOOKS_DIR

PATTERNS = get_sanitize_patterns((NOTEBOOKS_DIR / "sanitize.cfg").read_text())


def sanitize(text: str) -> str:
    """What nbval does to each output before comparing it."""
    for regex, replace in PATTERNS:
        text = re.sub(regex, replace, text)
    return text


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (
            "http://127.0.0.1:4610/restapis/j7gv4ouv7d/Dev/_user_request_",
            "http://127.0.0.1:<PORT>/restapis/<API_ID>/Dev/_user_request_",
        ),
        (
            "https://72zh1fa4gl.execute-api.ap-south-1.amazonaws.com/Dev",
            "https://<API_ID>.execute-api.ap-south-1.amazonaws.com/Dev",
        ),
        ("shop-OrdersApi: id 1fglp8lbds", "shop-OrdersApi: id <API_ID>"),
        ("'orderId': '0d39716a-1013-442f-9ae5-8a935207ff8c'", "'orderId': '<UUID>'"),
        ("'createdAt': '2026-11-27T09:16:09.982+00:00'", "'createdAt': '<TIME>'"),
        ("2026-11-27 09:16:09.982000+00:00", "<TIME>"),
        ("2026-11-27T09:16:09Z", "<TIME>"),
        ("<td>45.55 ms</td><td>46 ms</td>", "<td><N> ms</td><td><N> ms</td>"),
        ("<td>245 MB</td>", "<td><N> MB</td>"),
        (
            "arn:aws:lambda:us-east-1:123456789012:layer:shop-powertools:12",
            "arn:aws:lambda:us-east-1:123456789012:layer:shop-powertools:<VERSION>",
        ),
        ("&Token=fe08122f6c1e7884db73&Endpoint=a%40b.c", "&Token=<TOKEN>&Endpoint=a%40b.c"),
        ("0  shop-Inventory        itemId", "0 shop-Inventory itemId"),
        ("IAM role not usable yet; retrying in 2 s\nshop-Orders Active", "shop-Orders Active"),
    ],
)
def test_masks_what_varies(sample: str, expected: str) -> None:
    assert sanitize(sample) == expected


@pytest.mark.parametrize(
    "stable",
    [
        "account: 123456789012",
        "arn:aws:lambda:us-east-1:123456789012:function:shop-OrderService",
        "arn:aws:states:us-east-1:123456789012:stateMachine:shop-OrderProcessing",
        "Thank you! Your order for 2 x Headlight has been placed.",
        "memory (MB) 256",
        "shop-InventoryCheckFunction-role: 2 statements",
        "stage Dev serves the deployment just made: True",
        "item coolant is out of stock for quantity 5",
        "(403, {'message': 'Forbidden'})",
    ],
)
def test_leaves_what_must_not_vary(stable: str) -> None:
    assert sanitize(stable) == stable
