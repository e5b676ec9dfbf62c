"""Subscribe on an endpoint that already has a subscription to the topic.

AWS returns the existing subscription when the call names the same attributes, and refuses
it with InvalidParameter when an attribute it names differs; attributes the call does not name
are not compared (moto would silently overwrite the subscription's attributes instead).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from localcloud import seams

ATTRIBUTES_DIFFER = (
    "Invalid parameter: Attributes Reason: Subscription already exists with different attributes"
)
# What a subscription has for an attribute nobody set.
_DEFAULTS = {"RawMessageDelivery": "false", "FilterPolicyScope": "MessageAttributes"}
_JSON_ATTRIBUTES = frozenset({"FilterPolicy", "DeliveryPolicy", "RedrivePolicy"})


def check_resubscribe(requested: Mapping[str, Any], current: Mapping[str, Any]) -> None:
    """Refuse (SnsError) a Subscribe whose attributes differ from the existing subscription's."""
    for name, value in requested.items():
        if _comparable(name, value) != _comparable(name, current.get(name, _DEFAULTS.get(name))):
            raise seams.SnsError(ATTRIBUTES_DIFFER)


def _comparable(name: str, value: Any) -> Any:
    """The value as SNS compares it: booleans by meaning, policies as JSON, not as text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or name == "RawMessageDelivery":
        return str(value).lower()
    if name in _JSON_ATTRIBUTES and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
