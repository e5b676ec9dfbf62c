"""IAM and STS: roles, policies and credentials as moto keeps them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from moto.core.config import default_user_config
from moto.iam.models import IAMBackend, iam_backends
from moto.sts.models import sts_backends

from localcloud.seams.patching import replace

# moto keeps IAM and STS per account and partition ("aws"), not per region.
PARTITION = "aws"


def load_aws_managed_policies() -> None:
    """Give every account AWS's managed policies (arn:aws:iam::aws:policy/...), as on AWS.

    moto reads the switch when it creates an account's IAM backend, so call this first.
    moto creates an account's backends for all six partitions at its first request (its
    `get_account_id_from` looks for the key in each), and each would parse and keep the
    1,582 policies: about 0.1 s and 7 MB apiece. The local cloud serves the `aws` partition
    only, so only that backend loads them.
    """
    default_user_config["iam"] = {"load_aws_managed_policies": True}

    def init_aws_policies_of(model: Any) -> Any:
        def _init_aws_policies(self: IAMBackend) -> list:
            return model(self) if self.partition == PARTITION else []

        return _init_aws_policies

    replace(IAMBackend, "_init_aws_policies", init_aws_policies_of)


@dataclass(frozen=True)
class KeyOwner:
    """Who an access key the local cloud issued belongs to."""

    account_id: str
    caller_arn: str  # as errors name it: a user, or arn:aws:sts::...:assumed-role/ROLE/SESSION
    principal_arn: str  # whose identity-based policies apply: the user, or the role


def iam_key_owner(access_key_id: str) -> KeyOwner | None:
    """The user or assumed-role session an access key belongs to; None for a key moto never
    issued (the learner's own credentials)."""
    for account_id, account in list(iam_backends.items()):
        if PARTITION not in account:
            continue
        key = account[PARTITION].access_keys.get(access_key_id)
        if key is None:
            continue
        if key.role_arn:
            sessions = sts_backends[account_id][PARTITION].assumed_roles
            session = next((s for s in sessions if s.access_key_id == access_key_id), None)
            caller = session.arn if session else key.role_arn
            return KeyOwner(account_id, caller, key.role_arn)
        if key.user_name:
            user = account[PARTITION].users.get(key.user_name)
            if user is not None:
                return KeyOwner(account_id, user.arn, user.arn)
    return None


def note_key_used(account_id: str, access_key_id: str, service: str, region: str) -> None:
    """Record a call made with a key as moto does at every request it serves: the key's last
    use (GetAccessKeyLastUsed) and, for a role's session, the role's (GetRole's RoleLastUsed)."""
    from moto.iam.models import mark_account_as_visited

    mark_account_as_visited(
        account_id=account_id, access_key=access_key_id, service=service, region=region
    )


def iam_identity_policies(account_id: str) -> dict[str, tuple[str, ...]]:
    """Every user's and role's identity-based policy documents (JSON text), by ARN: inline and
    attached managed (their default version), and for a user, those of its groups."""
    if account_id not in iam_backends:
        return {}
    backend = iam_backends[account_id][PARTITION]
    groups_of: dict[str, list] = {}
    for group in list(backend.groups.values()):
        for user in list(group.users):
            groups_of.setdefault(user.name, []).append(group)
    documents: dict[str, tuple[str, ...]] = {}
    for role in list(backend.roles.values()):
        documents[role.arn] = _documents_of(role)
    for user in list(backend.users.values()):
        own = _documents_of(user)
        for group in groups_of.get(user.name, []):
            own += _documents_of(group)
        documents[user.arn] = own
    return documents


def _documents_of(entity: object) -> tuple[str, ...]:
    inline = tuple(entity.policies.values())  # type: ignore[attr-defined]
    managed = tuple(
        next(v.document for v in policy.versions if v.is_default)
        for policy in list(entity.managed_policies.values())  # type: ignore[attr-defined]
    )
    return inline + managed


@dataclass(frozen=True)
class RoleView:
    arn: str
    created: dt.datetime  # aware, UTC
    trust_policy: str  # AssumeRolePolicyDocument, JSON text


def iam_role(account_id: str, role_arn: str) -> RoleView | None:
    """The role an ARN names, or None if there is none."""
    backend = iam_backends[account_id][PARTITION]
    found = next((r for r in list(backend.roles.values()) if r.arn == role_arn), None)
    if found is None:
        return None
    created = found.create_date
    if created.tzinfo is None:  # moto's utcnow() is naive UTC
        created = created.replace(tzinfo=dt.UTC)
    return RoleView(found.arn, created, found.assume_role_policy_document)


def iam_entity_arn(account_id: str, kind: str, name: str) -> str:
    """The ARN of an IAM user, role or group by name (its path included), or the ARN it
    would have at the root path if there is none."""
    backend = iam_backends[account_id][PARTITION]
    entities = {"user": backend.users, "role": backend.roles, "group": backend.groups}[kind]
    found = entities.get(name)
    return found.arn if found is not None else f"arn:aws:iam::{account_id}:{kind}/{name}"


@dataclass(frozen=True)
class SessionCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str


def iam_assume_role(
    account_id: str, region: str, role_arn: str, session_name: str
) -> SessionCredentials:
    """Temporary credentials for a session of a role, issued by moto's STS as AssumeRole would
    (the role's own account keeps them)."""
    session = sts_backends[account_id][PARTITION].assume_role(
        region_name=region,
        role_session_name=session_name,
        role_arn=role_arn,
        policy=None,
        duration=43200,  # 12 hours, the longest a role session can last
        external_id=None,
    )
    return SessionCredentials(
        session.access_key_id, session.secret_access_key, session.session_token
    )
