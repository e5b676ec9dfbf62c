"""Identity-based policy evaluation: does a set of policies allow an action on a resource?

As AWS evaluates within one account (https://docs.aws.amazon.com/IAM/latest/UserGuide/
reference_policies_evaluation-logic.html): an explicit Deny in any statement wins; otherwise
an Allow is needed; otherwise the request is implicitly denied. Action and NotAction match
case-insensitively, Resource and NotResource case-sensitively, both with `*` and `?`.

Conditions are not evaluated: a statement applies as if its Condition held. That makes an
Allow with a Condition more permissive than on AWS and a Deny with one more restrictive; the
policies learners write and AWS's managed policies for this stack have none that matter.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any


class Decision(enum.Enum):
    ALLOWED = "allowed"
    IMPLICIT_DENY = "no identity-based policy allows it"
    EXPLICIT_DENY = "an explicit deny in an identity-based policy"


def evaluate(documents: Iterable[str], action: str, resource: str) -> Decision:
    """The decision for `action` (e.g. "dynamodb:PutItem") on `resource` (an ARN, or "*")."""
    return _decision(tuple(documents), action, resource)


@lru_cache(maxsize=16384)
def _decision(documents: tuple[str, ...], action: str, resource: str) -> Decision:
    """Cached per policy text, action and resource: every signed request and every invoke's
    log write is decided here, a few actions on a few resources over and over. A policy
    change gives the principal other documents, so a decision never outlives its policies."""
    allowed = False
    for document in documents:
        for statement in _statements(document):
            if not _applies(statement, action, resource):
                continue
            if statement["effect"] == "Deny":
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOWED if allowed else Decision.IMPLICIT_DENY


@lru_cache(maxsize=4096)
def _statements(document: str) -> tuple[dict[str, Any], ...]:
    """A policy document's statements, normalised (cached: documents are immutable text)."""
    parsed = json.loads(document)
    statements = parsed.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return tuple(
        {
            "effect": statement.get("Effect", "Deny"),
            "action": _patterns(statement.get("Action"), ignore_case=True),
            "not_action": _patterns(statement.get("NotAction"), ignore_case=True),
            "resource": _patterns(statement.get("Resource"), ignore_case=False),
            "not_resource": _patterns(statement.get("NotResource"), ignore_case=False),
        }
        for statement in statements
    )


def _applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    if statement["action"] is not None and not _any_match(statement["action"], action):
        return False
    if statement["not_action"] is not None and _any_match(statement["not_action"], action):
        return False
    if statement["resource"] is not None and not _any_match(statement["resource"], resource):
        return False
    return not (
        statement["not_resource"] is not None and _any_match(statement["not_resource"], resource)
    )


def _patterns(value: str | list[str] | None, ignore_case: bool) -> tuple[re.Pattern, ...] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else value
    return tuple(_wildcard(v, ignore_case) for v in values)


@lru_cache(maxsize=4096)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern:
    """`*` matches any run of characters (across `:` and `/` too), `?` any one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _any_match(patterns: tuple[re.Pattern, ...], value: str) -> bool:
    return any(p.fullmatch(value) for p in patterns)
