"""The gate every signed request passes before moto: who calls, and may they?

A key the local cloud issued (CreateAccessKey, AssumeRole, the sessions it gives functions
and state machines) is held to its user's or role's identity-based policies in force. Any
other key, like the learner's `testing`, is the account's administrator and is allowed, as
the learner's own credentials would be on their account. Configuration checks AWS makes of
a role (configuration.py) apply whoever calls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from localcloud import seams
from localcloud.iam import configuration
from localcloud.iam.errors import WsgiApp, access_denied, denial_message
from localcloud.iam.history import history
from localcloud.iam.policy import Decision, evaluate
from localcloud.iam.requests import (
    Permission,
    ServiceRequest,
    Signature,
    service_request,
    signature,
)

# Services whose requests are read even from an administrator: IAM writes move the policy
# history; Lambda and Step Functions configurations are checked.
_ALWAYS_READ = ("iam", "lambda", "states")
_READ_ONLY_PREFIXES = ("Get", "List", "Generate", "Simulate")
_REQUEST_KEY = "localcloud.iam.request"


class Guard:
    def __init__(self) -> None:
        self._owners: dict[str, seams.KeyOwner] = {}
        self._owners_lock = threading.Lock()

    def refusal(self, environ: dict) -> WsgiApp | None:
        """The answer refusing the request, or None to let it through."""
        signed = signature(environ)
        if signed is None:
            return None
        owner = self._owner(signed.access_key_id)
        if owner is None and signed.signing_name not in _ALWAYS_READ:
            return None
        account_id = owner.account_id if owner else seams.ACCOUNT_ID
        caller_arn = owner.caller_arn if owner else f"arn:aws:iam::{account_id}:root"
        request = service_request(environ, signed, account_id, caller_arn)
        if request is None:
            return None
        environ[_REQUEST_KEY] = (signed, account_id, request)
        if owner is not None:
            denied = _denial(owner, request)
            if denied is not None:
                return denied
        return configuration.refusal(request, account_id, signed.region)

    def denial(self, access_key_id: str, permission: Permission) -> str | None:
        """The AccessDenied message for a call made with a key that needs `permission`, or
        None if it is allowed, as `refusal` decides it for a request (a key the local cloud
        did not issue is the administrator's)."""
        owner = self._owner(access_key_id)
        return None if owner is None else _denial_message(owner, (permission,))

    def recording_policy_changes(self, app: WsgiApp) -> WsgiApp:
        """`app` (moto) that notes the account's policies after every IAM write."""

        def recording(environ: dict, start_response: Callable) -> Iterable[bytes]:
            answer = app(environ, start_response)
            seen: tuple[Signature, str, ServiceRequest] | None = environ.get(_REQUEST_KEY)
            if seen is not None:
                signed, account_id, request = seen
                if signed.signing_name == "iam" and not request.operation.startswith(
                    _READ_ONLY_PREFIXES
                ):
                    history.record_change(account_id)
            return answer

        return recording

    def _owner(self, access_key_id: str) -> seams.KeyOwner | None:
        """Who a key belongs to; a key's owner never changes, so a found one is kept."""
        with self._owners_lock:
            known = self._owners.get(access_key_id)
        if known is not None:
            return known
        owner = seams.iam_key_owner(access_key_id)
        if owner is not None:
            with self._owners_lock:
                self._owners[access_key_id] = owner
        return owner


def authorize(owner: seams.KeyOwner, action: str, resource: str) -> Decision:
    """The decision on one action for a user or role session, with its policies in force."""
    return evaluate(history.in_force(owner.account_id, owner.principal_arn), action, resource)


def _denial(owner: seams.KeyOwner, request: ServiceRequest) -> WsgiApp | None:
    message = _denial_message(owner, request.permissions)
    if message is None:
        return None
    return access_denied(request.service, request.protocol, message)


def _denial_message(owner: seams.KeyOwner, permissions: Iterable[Permission]) -> str | None:
    """Why the first of `permissions` the owner's policies do not allow is refused, if any."""
    for permission in permissions:
        decision = authorize(owner, permission.action, permission.resource)
        if decision is not Decision.ALLOWED:
            return denial_message(
                owner.caller_arn, permission.action, permission.resource, decision
            )
    return None
