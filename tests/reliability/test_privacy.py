"""Privacy and access: mail reaches only its customer, status changes need the operator's key,
and no handler writes an email address into its logs."""

from __future__ import annotations

from tests.reliability.client import DeployedStack, OrdersApi, scan, wait_for
from workbook import polling


def test_each_customer_is_mailed_only_about_their_own_orders(
    stack: DeployedStack, api: OrdersApi, tag: str
) -> None:
    item = f"priv-{tag}"
    stack.restock(item, 10)
    emails = {"alice": f"alice-{tag}@example.com", "bob": f"bob-{tag}@example.com"}
    users = {who: api.create_user(who.title(), email) for who, email in emails.items()}
    for email in emails.values():
        stack.confirm_subscription(email)

    orders: dict[str, list[str]] = {}
    for who, user in users.items():
        placed = [api.place_order(user, item) for _ in range(2)]
        assert [p.status_code for p in placed] == [201, 201], [p.text for p in placed]
        orders[who] = [p.json()["order"]["orderId"] for p in placed]
        for order_id, status in zip(orders[who], ("SHIPPED", "CANCELLED"), strict=True):
            updated = api.set_status(order_id, user, status, stack.admin_key)
            assert updated.status_code == 200, updated.text
    # Another customer's id does not reach someone else's order, nor reveal that it exists.
    foreign = api.set_status(orders["alice"][0], users["bob"], "DELIVERED", stack.admin_key)
    assert foreign.status_code == 404, foreign.text

    for who, other in (("alice", "bob"), ("bob", "alice")):

        def order_mail(address: str = emails[who]) -> list[dict[str, str]]:
            mail = stack.mail(address)
            return [m for m in mail if "Subscription Confirmation" not in m["subject"]]

        # Two "placed" emails and two status emails each, and nothing more.
        wait_for(lambda: len(order_mail()) >= 4, f"{who}'s four order emails")
        text = "\n".join(m["subject"] + "\n" + m["body"] for m in order_mail())
        assert len(order_mail()) == 4, text
        assert all(order_id in text for order_id in orders[who])
        assert not any(order_id in text for order_id in orders[other])
        assert users[other] not in text and emails[other] not in text


def test_status_updates_need_the_admin_api_key(
    stack: DeployedStack, api: OrdersApi, tag: str
) -> None:
    item = f"key-{tag}"
    stack.restock(item, 1)
    user = api.create_user("Keyless", f"keyless-{tag}@example.com")
    order_id = api.place_order(user, item).json()["order"]["orderId"]

    for key in (None, "", "not-the-admin-key", stack.admin_key.upper()):
        refused = api.set_status(order_id, user, "CANCELLED", key)
        assert (refused.status_code, refused.json()) == (403, {"message": "Forbidden"})
        body_form = api.request(
            "PUT",
            "/orders",
            json={"orderId": order_id, "userId": user, "status": "CANCELLED"},
            headers={"x-api-key": key} if key is not None else {},
        )
        assert body_form.status_code == 403, body_form.text
    assert stack.stored_order(order_id)["status"] == "PLACED"
    assert stack.stock(item) == 0

    allowed = api.set_status(order_id, user, "CANCELLED", stack.admin_key)
    assert allowed.status_code == 200, allowed.text
    assert stack.stock(item) == 1


def test_no_function_logs_an_email_address_in_full(
    stack: DeployedStack, api: OrdersApi, tag: str
) -> None:
    # This test's own traffic through every function that handles an address...
    user = api.create_user("Logged", f"logged-{tag}@example.com")
    changed = api.request(
        "PUT", "/users", json={"userId": user, "email": f"relogged-{tag}@example.com"}
    )
    assert changed.status_code == 200, changed.text
    stack.restock(f"log-{tag}", 1)
    assert api.place_order(user, f"log-{tag}").status_code == 201
    # ... and every address any test of the session registered.
    addresses = {item["email"] for item in scan(stack.table(stack.names.user_emails_table))}
    addresses |= {f"logged-{tag}@example.com"}
    assert len(addresses) > 2

    logs = stack.client("logs")
    groups = [
        group["logGroupName"]
        for page in logs.get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix=f"/aws/lambda/{stack.names.prefix}-"
        )
        for group in page["logGroups"]
    ]
    assert len(groups) == 4
    leaks = []
    for group in groups:  # every page, riding out FilterLogEvents' 5 a second, as on AWS
        for page in polling.every_page(logs.filter_log_events, logGroupName=group):
            for event in page["events"]:
                message = event["message"].lower()
                leaks += [(group, a) for a in addresses if a in message]
    assert leaks == []
