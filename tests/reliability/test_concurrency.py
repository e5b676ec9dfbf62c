"""Many clients at once: the stock is never oversold, and an order moves only along legal steps."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.reliability.client import DeployedStack, OrdersApi, wait_for

STOCK = 10
BUYERS = 50


def test_fifty_parallel_orders_for_ten_in_stock_make_exactly_ten(
    stack: DeployedStack, api: OrdersApi, tag: str
) -> None:
    item = f"conc-{tag}"
    stack.restock(item, STOCK)
    users = [api.create_user(f"Buyer {n}", f"buyer{n}-{tag}@example.com") for n in range(5)]

    with ThreadPoolExecutor(BUYERS) as pool:
        answers = list(pool.map(lambda n: api.place_order(users[n % len(users)], item), range(50)))

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: STOCK, 409: BUYERS - STOCK}, [a.text for a in answers]
    assert all("out of stock" in a.json()["message"] for a in answers if a.status_code == 409)
    assert stack.stock(item) == 0
    placed = {a.json()["order"]["orderId"] for a in answers if a.status_code == 201}
    stored = stack.orders_of_item(item)
    # The refused ones left no order behind: not even a FAILED one.
    assert {o["orderId"] for o in stored} == placed
    assert {o["status"] for o in stored} == {"PLACED"}


# The moves an operator may make; any other is refused (409) and must change nothing.
LEGAL = {"PLACED": {"SHIPPED", "CANCELLED"}, "SHIPPED": {"DELIVERED"}}
ATTEMPTS = ["SHIPPED", "CANCELLED", "DELIVERED"] * 3 + ["CANCELLED"]


def test_parallel_status_updates_apply_one_legal_path(
    stack: DeployedStack, api: OrdersApi, tag: str
) -> None:
    item = f"race-{tag}"
    email = f"race-{tag}@example.com"
    stack.restock(item, 5)
    user = api.create_user("Racer", email)
    stack.confirm_subscription(email)
    placed = api.place_order(user, item, quantity=2)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order"]["orderId"]
    assert stack.stock(item) == 3

    with ThreadPoolExecutor(len(ATTEMPTS)) as pool:
        answers = list(
            pool.map(
                lambda status: api.set_status(order_id, user, status, stack.admin_key), ATTEMPTS
            )
        )

    assert {a.status_code for a in answers} <= {200, 409}, [a.text for a in answers]
    applied = [s for s, a in zip(ATTEMPTS, answers, strict=True) if a.status_code == 200]
    # Each applied move starts where the previous one ended: PLACED -> ... -> final.
    path = legal_order(applied)
    final = stack.stored_order(order_id)["status"]
    assert final == path[-1]
    # Stock comes back only when the cancel won, and then exactly once.
    assert stack.stock(item) == (5 if final == "CANCELLED" else 3)

    # The customer was told of every applied move, in order, and of nothing else.
    def status_mail() -> list[str]:
        subjects = [m["subject"] for m in stack.mail(email)]
        return [s for s in subjects if s.startswith("Your order is now")]

    wait_for(lambda: len(status_mail()) >= len(applied), "one email per applied update")
    assert status_mail() == [f"Your order is now {status.lower()}" for status in path[1:]]


def legal_order(applied: list[str]) -> list[str]:
    """The path from PLACED through every applied status, asserting each step is legal."""
    path, remaining = ["PLACED"], list(applied)
    while remaining:
        step = next((s for s in remaining if s in LEGAL.get(path[-1], set())), None)
        assert step is not None, f"{remaining} cannot follow {path}"
        path.append(step)
        remaining.remove(step)
    assert len(path) >= 2, "no update was applied at all"
    return path
