"""A client that retries: the same Idempotency-Key, sent many times at once, places one order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.reliability.client import DeployedStack, OrdersApi

RETRIES = 20


def test_one_key_sent_twenty_times_at_once_places_one_order(
    stack: DeployedStack, api: OrdersApi, tag: str
) -> None:
    item = f"retry-{tag}"
    stack.restock(item, 5)
    user = api.create_user("Retrier", f"retry-{tag}@example.com")
    key = f"checkout-{tag}"

    with ThreadPoolExecutor(RETRIES) as pool:
        answers = list(pool.map(lambda _: api.place_order(user, item, 2, key), range(RETRIES)))

    assert [a.status_code for a in answers] == [201] * RETRIES, [a.text for a in answers]
    assert all(a.json() == answers[0].json() for a in answers), {a.text for a in answers}
    order = answers[0].json()["order"]
    assert [o["orderId"] for o in stack.orders_of_item(item)] == [order["orderId"]]
    assert stack.stock(item) == 3  # reserved once

    # A retry after the fact gets the same answer; the key cannot buy something else.
    late = api.place_order(user, item, 2, key)
    assert (late.status_code, late.json()) == (201, answers[0].json())
    other = api.place_order(user, item, 1, key)
    assert other.status_code == 422, other.text
    assert stack.stock(item) == 3
