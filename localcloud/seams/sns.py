"""SNS: email subscriptions, their confirmation, and deliveries moto does not make.

moto delivers to SQS, HTTP and Lambda but only records email/email-json, drops SMS and
application deliveries, and confirms every subscription at once. `localcloud.mail` gives
email a mailbox and AWS's confirmation flow through the hooks installed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from localcloud.seams.patching import original, replace

# Protocols moto does not deliver anywhere; their deliveries go to the `deliver` hook.
SNS_LOCAL_PROTOCOLS = frozenset({"email", "email-json", "sms", "application", "firehose"})
SNS_CONFIRMATION_PROTOCOLS = frozenset({"email", "email-json"})  # confirmed by the address
# AWS's answer to Unsubscribe of a pending subscription (as Terraform's AWS provider matches it).
PENDING_UNSUBSCRIBE = (
    "Invalid parameter: SubscriptionArn Reason: Cannot unsubscribe a subscription that is "
    "pending confirmation"
)


@dataclass(frozen=True)
class SubscriptionView:
    account_id: str
    region: str
    arn: str
    topic_arn: str
    topic_display_name: str
    protocol: str
    endpoint: str
    pending: bool


class SnsError(Exception):
    """Raised by a hook to answer the API call with SNS's InvalidParameter error."""


@dataclass(frozen=True)
class SnsHooks:
    # A new email/email-json subscription (or a repeated Subscribe of a pending one).
    subscribed: Callable[[SubscriptionView], None]
    # A message that passed the subscription's filter policy (message already chosen by
    # MessageStructure for the protocol): (subscription, message, message_id, subject, attrs).
    deliver: Callable[[SubscriptionView, str, str, str | None, dict[str, Any] | None], None]
    # ConfirmSubscription(TopicArn, Token) -> the subscription's ARN; raises SnsError.
    confirm: Callable[[str, str, str, str], str]
    # Subscribe on an endpoint the topic already has: (the call's Attributes, the existing
    # subscription's attributes); raises SnsError to refuse it, else the existing ARN answers.
    resubscribe: Callable[[Mapping[str, Any], Mapping[str, Any]], None]


def _subscription_view(subscription: Any) -> SubscriptionView:
    topic = subscription.topic
    return SubscriptionView(
        account_id=subscription.account_id,
        region=topic.sns_backend.region_name,
        arn=subscription.arn,
        topic_arn=topic.arn,
        topic_display_name=topic.display_name or "",
        protocol=subscription.protocol,
        endpoint=subscription.endpoint,
        pending=bool(subscription.attributes.get("PendingConfirmation")),
    )


def install_sns_hooks(hooks: SnsHooks) -> None:
    """Route SNS's undelivered protocols, subscription and confirmation through `hooks`."""
    from moto.core.responses import ActionResult
    from moto.sns.exceptions import SNSInvalidParameter, TopicNotFound
    from moto.sns.models import SNSBackend, Subscription
    from moto.sns.responses import SNSResponse

    subscribe_model = original(SNSBackend, "subscribe")
    publish_model = original(Subscription, "publish")
    subscribe_api = original(SNSResponse, "subscribe")
    unsubscribe_api = original(SNSResponse, "unsubscribe")

    def subscribe(self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
        existing = self._find_subscription(topic_arn, endpoint, protocol)
        subscription = subscribe_model(self, topic_arn, endpoint, protocol)
        if protocol in SNS_CONFIRMATION_PROTOCOLS:
            if existing is None:
                subscription.attributes["PendingConfirmation"] = True
                subscription.attributes["ConfirmationWasAuthenticated"] = False
            if subscription.attributes.get("PendingConfirmation"):
                # AWS sends the confirmation again when a pending address is subscribed again.
                hooks.subscribed(_subscription_view(subscription))
        return subscription

    def publish(
        self: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        if self.attributes.get("PendingConfirmation"):
            return  # nothing reaches an unconfirmed subscription
        if self.protocol not in SNS_LOCAL_PROTOCOLS:
            publish_model(
                self,
                message,
                message_id,
                subject=subject,
                message_attributes=message_attributes,
                group_id=group_id,
                deduplication_id=deduplication_id,
                message_structure=message_structure,
            )
            return
        matcher = self._filter_policy_matcher
        if matcher is not None and not matcher.matches(message_attributes, message):
            return
        if message_structure == "json":
            message = self._parse_message_structure(message, self.protocol)
        hooks.deliver(_subscription_view(self), message, message_id, subject, message_attributes)

    def subscribe_response(self: Any) -> Any:
        existing = self.backend._find_subscription(
            self._get_param("TopicArn"), self._get_param("Endpoint"), self._get_param("Protocol")
        )
        if existing is not None:
            try:
                hooks.resubscribe(self._get_param("Attributes") or {}, existing.attributes)
            except SnsError as error:
                raise SNSInvalidParameter(str(error)) from None
        result = subscribe_api(self)
        arn = result.result["SubscriptionArn"]
        subscription = self.backend.subscriptions.get(arn)
        wants_arn = str(self._get_param("ReturnSubscriptionArn", False)).lower() == "true"
        pending = subscription is not None and subscription.attributes.get("PendingConfirmation")
        if pending and not wants_arn:
            # AWS's literal answer for a subscription that awaits confirmation.
            return ActionResult({"SubscriptionArn": "pending confirmation"})
        return result

    def confirm_subscription(self: Any) -> Any:
        topic_arn = self._get_param("TopicArn")
        if topic_arn not in self.backend.topics:
            raise TopicNotFound
        try:
            arn = hooks.confirm(
                self.current_account, self.region, topic_arn, self._get_param("Token") or ""
            )
        except SnsError as error:
            raise SNSInvalidParameter(str(error)) from None
        return ActionResult({"SubscriptionArn": arn})

    def unsubscribe_response(self: Any) -> Any:
        subscription = self.backend.subscriptions.get(self._get_param("SubscriptionArn"))
        if subscription is not None and subscription.attributes.get("PendingConfirmation"):
            # AWS refuses it; SNS deletes an unconfirmed subscription itself after 48 hours.
            raise SNSInvalidParameter(PENDING_UNSUBSCRIBE)
        return unsubscribe_api(self)

    def listed_arn(self: Any) -> str:
        # ListSubscriptions(ByTopic) show this instead of the ARN while confirmation is pending.
        return "PendingConfirmation" if self.attributes.get("PendingConfirmation") else self.arn

    # Installing again replaces the hooks: `original` is always moto's own method.
    replace(SNSBackend, "subscribe", lambda _model: subscribe)
    replace(Subscription, "publish", lambda _model: publish)
    replace(SNSResponse, "subscribe", lambda _model: subscribe_response)
    replace(SNSResponse, "confirm_subscription", lambda _model: confirm_subscription)
    replace(SNSResponse, "unsubscribe", lambda _model: unsubscribe_response)
    Subscription.subscription_arn = property(listed_arn)  # type: ignore[attr-defined]


def sns_subscriptions() -> Iterator[SubscriptionView]:
    """Every subscription in every account and region."""
    from moto.sns.models import sns_backends

    for _account_id, regions in list(sns_backends.items()):
        for _region, backend in list(regions.items()):
            for subscription in list(backend.subscriptions.values()):
                yield _subscription_view(subscription)


def sns_confirm(account_id: str, region: str, arn: str) -> SubscriptionView | None:
    """Mark a subscription confirmed; None if it no longer exists."""
    from moto.sns.models import sns_backends

    subscription = sns_backends[account_id][region].subscriptions.get(arn)
    if subscription is None:
        return None
    subscription.attributes["PendingConfirmation"] = False
    return _subscription_view(subscription)


def sns_unsubscribe(account_id: str, region: str, arn: str) -> SubscriptionView | None:
    """Delete a subscription, as Unsubscribe does; returns what was deleted, if anything."""
    from moto.sns.models import sns_backends

    backend = sns_backends[account_id][region]
    subscription = backend.subscriptions.get(arn)
    if subscription is None:
        return None
    backend.unsubscribe(arn)
    return _subscription_view(subscription)


def sns_notification_document(
    view: SubscriptionView,
    message: str,
    message_id: str,
    subject: str | None,
    message_attributes: dict[str, Any] | None,
) -> dict[str, Any]:
    """The signed JSON notification SNS posts to HTTP endpoints (and mails to email-json)."""
    from moto.sns.models import sns_backends

    subscription = sns_backends[view.account_id][view.region].subscriptions[view.arn]
    return subscription.get_post_data(
        message, message_id, subject, message_attributes=message_attributes
    )


def sns_publish(
    account_id: str,
    region: str,
    topic_arn: str,
    message: str,
    subject: str | None = None,
    message_structure: str | None = None,
) -> str:
    """Publish to a topic as the Publish API would (filter policies and all); the message id."""
    from moto.sns.models import sns_backends

    return sns_backends[account_id][region].publish(
        message, arn=topic_arn, subject=subject, message_structure=message_structure
    )


def sns_direct_sms() -> Iterator[dict[str, str]]:
    """SMS sent with Publish(PhoneNumber=...), which moto keeps per account and region."""
    from moto.sns.models import sns_backends

    for account_id, regions in list(sns_backends.items()):
        for region, backend in list(regions.items()):
            for message_id, (phone, message) in list(backend.sms_messages.items()):
                yield {
                    "accountId": account_id,
                    "region": region,
                    "messageId": message_id,
                    "phoneNumber": phone,
                    "message": message,
                }
