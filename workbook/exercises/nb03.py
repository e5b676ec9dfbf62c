"""Notebook 03's exercises: a third customer's subscription, and a filter policy changed."""

from __future__ import annotations

import json
from typing import Any

import boto3

from workbook.exercises.registry import exercise
from workbook.session import Session

LINUS, GRACE, ADA = "demo-linus", "demo-grace", "demo-ada"


@exercise("03-1", passed="demo-linus is subscribed, confirmed, and gets only his own messages")
def a_third_customer(s: Session) -> str | None:
    address = s.email(LINUS)
    subscription = _subscription(s, address)
    if subscription is None:
        return f"{address} has no subscription to the topic {s.names.topic} yet."
    if subscription["Protocol"] != "email":
        return f"{address} is subscribed with the protocol {subscription['Protocol']!r}, not email."
    if not subscription["SubscriptionArn"].startswith("arn:"):
        return (
            f"{address}'s subscription is pending: nothing reaches it until the link in its "
            "confirmation email is followed (show_confirmation_email shows it on the local "
            "cloud)."
        )
    return _filters_to(subscription, [LINUS], who=address)


@exercise("03-2", passed="demo-grace also gets demo-ada's messages, and Ada's filter is unchanged")
def grace_covers_for_ada(s: Session) -> str | None:
    grace = _subscription(s, s.email(GRACE))
    if grace is None or not grace["SubscriptionArn"].startswith("arn:"):
        return f"{s.email(GRACE)} has no confirmed subscription: run this notebook from the top."
    attributes = _attributes(grace)
    user_ids = _policy(attributes).get("userId")
    if isinstance(user_ids, list) and ADA not in user_ids:
        return (
            f"Grace's filter policy is {attributes.get('FilterPolicy')}: a message for {ADA} "
            "does not match it yet. Which call changes an attribute of an existing subscription?"
        )
    hint = _filters_to(grace, [GRACE, ADA], who="Grace")
    if hint:
        return hint
    ada = _subscription(s, s.email(ADA))
    if ada is not None and ada["SubscriptionArn"].startswith("arn:"):
        return _filters_to(ada, [ADA], who="Ada (only Grace's subscription should change)")
    return None


def _subscription(s: Session, address: str) -> dict[str, Any] | None:
    """The topic's subscription for `address` (a pending one has no ARN in the listing)."""
    pages = boto3.client("sns").get_paginator("list_subscriptions_by_topic")
    for page in pages.paginate(TopicArn=s.arns["TopicArn"]):
        for subscription in page["Subscriptions"]:
            if subscription["Endpoint"] == address:
                return subscription
    return None


def _attributes(subscription: dict[str, Any]) -> dict[str, str]:
    sns = boto3.client("sns")
    return sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])[
        "Attributes"
    ]


def _policy(attributes: dict[str, str]) -> dict[str, Any]:
    return json.loads(attributes.get("FilterPolicy") or "{}")


def _filters_to(subscription: dict[str, Any], user_ids: list[str], *, who: str) -> str | None:
    """None if the subscription lets through exactly the messages for `user_ids`, by their
    userId message attribute; else what is wrong."""
    attributes = _attributes(subscription)
    if not attributes.get("FilterPolicy"):
        return f"{who} has no filter policy, so every message of the topic reaches them."
    if attributes.get("FilterPolicyScope", "MessageAttributes") != "MessageAttributes":
        return (
            f"{who}'s filter policy applies to the message body, but the workflow and the "
            "functions put userId in the message attributes."
        )
    policy = _policy(attributes)
    values = policy.get("userId")
    exact = isinstance(values, list) and sorted(map(str, values)) == sorted(user_ids)
    if policy.keys() != {"userId"} or not exact:
        return (
            f"{who}'s filter policy is {attributes['FilterPolicy']}: it should let through the "
            f"messages whose userId is {' or '.join(user_ids)}, and no others."
        )
    return None
