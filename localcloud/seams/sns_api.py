"""SNS: Publish called in this process as moto's `SNSResponse.publish` calls it.

Separate from `seams/sns.py` (email subscriptions and deliveries): this is the API call a
workflow's SNS task makes (`localcloud/sns_tasks.py`), and the subscription hooks installed
there see it as they see a Publish request.
"""

from __future__ import annotations

import functools
from typing import Any


class SnsApiError(Exception):
    """An error the SNS API answers a Publish with: its code (the HTTP status is the error
    shape's in the service model, as moto's server answers it) and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def publish_as_api(account_id: str, region: str, parameters: dict[str, Any]) -> str:
    """Publish's message id, for the parameters as moto's query parser reads a Publish request
    (strings as sent, each MessageAttributes BinaryValue as bytes; no member is None, as
    botocore's validation lets none through).

    As `SNSResponse.publish`: the message attributes validated and converted by moto's own
    `_transform_message_attributes`, a PhoneNumber checked for E.164 and taking the place of
    TargetArn, which takes that of TopicArn, and the backend's ValueError answered as
    InvalidParameter. moto's SNS errors are raised as `SnsApiError`.
    """
    from moto.core.exceptions import ServiceException
    from moto.sns.exceptions import SNSInvalidParameter
    from moto.sns.models import sns_backends
    from moto.sns.utils import is_e164

    phone_number = parameters.get("PhoneNumber")
    try:
        attributes = _responses()._transform_message_attributes(
            parameters.get("MessageAttributes", {})
        )
        arn = None
        if phone_number is None:
            arn = parameters.get("TargetArn", parameters.get("TopicArn"))
        elif not is_e164(phone_number):
            raise SNSInvalidParameter("Phone number does not meet the E164 format")
        try:
            return sns_backends[account_id][region].publish(
                parameters.get("Message"),
                arn=arn,
                phone_number=phone_number,
                subject=parameters.get("Subject"),
                message_attributes=attributes,
                group_id=parameters.get("MessageGroupId"),
                deduplication_id=parameters.get("MessageDeduplicationId"),
                message_structure=parameters.get("MessageStructure"),
            )
        except ValueError as error:
            raise SNSInvalidParameter(str(error)) from error
    except ServiceException as error:
        raise SnsApiError(error.code, error.message) from error


@functools.cache
def _responses() -> Any:
    """A moto SNS response object, for its request-independent attribute conversion."""
    from moto.sns.responses import SNSResponse

    return SNSResponse()
