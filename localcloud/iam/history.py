"""Policies take effect late: each principal's policies as they were `policy_effect_s` ago.

IAM is eventually consistent: "changes that you make are not always immediately visible"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
After every IAM call that may change a policy, the account's identity-based policies are
recorded with the time; evaluation reads the newest record that is at least
`realism.delays().policy_effect_s` old (none yet: no policies, as for a new principal).
"""

from __future__ import annotations

import threading
import time

from localcloud import realism, seams

_Snapshot = dict[str, tuple[str, ...]]


class PolicyHistory:
    def __init__(self) -> None:
        self._records: dict[str, list[tuple[float, _Snapshot]]] = {}
        self._lock = threading.Lock()

    def record_change(self, account_id: str) -> None:
        """Note the account's policies as they are now (after an IAM write)."""
        snapshot = seams.iam_identity_policies(account_id)
        now = time.monotonic()
        with self._lock:
            records = self._records.setdefault(account_id, [])
            records.append((now, snapshot))
            self._forget_superseded(records, now)

    def in_force(self, account_id: str, principal_arn: str) -> tuple[str, ...]:
        """The policy documents that apply to a user or role now."""
        cutoff = time.monotonic() - realism.delays().policy_effect_s
        with self._lock:
            records = self._records.get(account_id, [])
            current = next((s for t, s in reversed(records) if t <= cutoff), {})
        return current.get(principal_arn, ())

    @staticmethod
    def _forget_superseded(records: list[tuple[float, _Snapshot]], now: float) -> None:
        """Keep only the newest record already in force, and the ones still to come."""
        cutoff = now - realism.delays().policy_effect_s
        in_force = [i for i, (t, _) in enumerate(records) if t <= cutoff]
        if len(in_force) > 1:
            del records[: in_force[-1]]


history = PolicyHistory()
