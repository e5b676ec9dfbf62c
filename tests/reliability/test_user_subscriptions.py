"""UserService on the deployed stack when SNS refuses a customer's subscription.

SNS keeps one subscription per topic and address, and refuses to subscribe the address again
with another filter ("Subscription already exists with different attributes"). A customer
removed without their subscription leaves one behind; AWS does not even let a pending one be
unsubscribed. Registering the address again, or moving another customer to it, must then be
a clear 409 that writes nothing: no user row, no email claim, no half-changed user.
"""

from __future__ import annotations

from tests.reliability.client import DeployedStack, OrdersApi


def leave_a_subscription_behind(stack: DeployedStack, api: OrdersApi, email: str) -> None:
    """Register `email`, then delete the customer's rows but not their (pending) subscription."""
    user_id = api.create_user("Earlier", email)
    stack.table(stack.names.users_table).delete_item(Key={"userId": user_id})
    stack.table(stack.names.user_emails_table).delete_item(Key={"email": email})


def test_registering_an_address_sns_refuses_is_a_409_that_writes_nothing(
    stack: DeployedStack, api: OrdersApi, tag: str
) -> None:
    email = f"left-{tag}@example.com"
    leave_a_subscription_behind(stack, api, email)
    before = stack.snapshot()

    answer = api.request("POST", "/users", json={"name": "Again", "email": email})

    assert answer.status_code == 409, answer.text
    assert answer.json()["message"].startswith(f"{email} is still subscribed to order emails")
    assert stack.snapshot() == before


def test_moving_a_customer_to_an_address_sns_refuses_leaves_them_as_they_were(
    stack: DeployedStack, api: OrdersApi, tag: str
) -> None:
    taken = f"taken-{tag}@example.com"
    leave_a_subscription_behind(stack, api, taken)
    user_id = api.create_user("Mover", f"mover-{tag}@example.com")
    before = stack.snapshot()

    answer = api.request("PUT", "/users", json={"userId": user_id, "email": taken, "name": "X"})

    assert answer.status_code == 409, answer.text
    assert stack.snapshot() == before  # the old address, name and claim; no claim of `taken`
