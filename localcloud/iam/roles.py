"""Roles that services assume: whether they can yet, and the credentials of a session."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass

from localcloud import realism, seams


def assumable_by(account_id: str, role_arn: str, service_principals: tuple[str, ...]) -> bool:
    """Whether a service can assume the role now: it exists, is older than
    `role_assumable_s` (a new role propagates first) and its trust policy allows one of the
    service's principals `sts:AssumeRole`."""
    role = seams.iam_role(account_id, role_arn)
    if role is None:
        return False
    age = dt.datetime.now(dt.UTC) - role.created
    if age.total_seconds() < realism.delays().role_assumable_s:
        return False
    return _trusts(role.trust_policy, service_principals)


def _trusts(trust_policy: str, service_principals: tuple[str, ...]) -> bool:
    statements = json.loads(trust_policy).get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a.lower() in ("sts:assumerole", "sts:*", "*") for a in actions):
            continue
        principal = statement.get("Principal", {})
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = [services] if isinstance(services, str) else services
        if principal == "*" or any(s in service_principals for s in services):
            if statement.get("Effect") == "Deny":
                return False
            allowed = True
    return allowed


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str

    def as_environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


_sessions: dict[tuple[str, str, str], Credentials] = {}
_sessions_lock = threading.Lock()


def role_credentials(
    account_id: str, role_arn: str, session_name: str = "localcloud", region: str = "us-east-1"
) -> Credentials:
    """Credentials of a session of the role, issued by the local cloud's STS (one session per
    role and session name, reused: a session lasts 12 hours, longer than a learner's run)."""
    key = (account_id, role_arn, session_name)
    with _sessions_lock:
        if key not in _sessions:
            issued = seams.iam_assume_role(account_id, region, role_arn, session_name)
            _sessions[key] = Credentials(
                issued.access_key_id, issued.secret_access_key, issued.session_token
            )
        return _sessions[key]
