"""How long the local cloud makes clients wait for what AWS does not do at once.

On AWS a new function is `Pending`, a new table `CREATING`, a new role not yet assumable, a new
policy not yet in force, and logs and metrics arrive late. Code that skips its waiter or retry
fails there, so it must fail here too. `LOCALCLOUD_REALISM` picks the durations:

| value  | meaning                                                                       |
|--------|-------------------------------------------------------------------------------|
| `fast` | the default: every state is still seen, each for a few hundred milliseconds   |
| `aws`  | the durations AWS typically shows                                             |
| `off`  | no delays: every resource is ready at once (moto's own behaviour)             |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

REALISM_VARIABLE = "LOCALCLOUD_REALISM"


@dataclass(frozen=True)
class Delays:
    """Seconds each transitional state or propagation lasts."""

    function_pending_s: float  # CreateFunction: State Pending, then Active
    function_update_s: float  # UpdateFunction*: LastUpdateStatus InProgress, then Successful
    table_creating_s: float  # CreateTable: TableStatus CREATING, then ACTIVE
    index_backfill_s: float  # a new global secondary index: CREATING (backfilling), then ACTIVE
    role_assumable_s: float  # CreateRole: services cannot assume it yet
    policy_effect_s: float  # a new or changed policy is not yet in force
    log_arrival_s: float  # a log event is not yet returned by GetLogEvents/FilterLogEvents
    metric_arrival_s: float  # a datapoint is not yet returned by GetMetricData/Statistics
    # LOCALCLOUD_SIMULATED_RECIPIENT: how long the simulated recipient takes to open the
    # confirmation email and follow its link (a person takes seconds at least).
    recipient_confirms_s: float
    email_delivery_s: float  # SNS email: Publish (or Subscribe) answered, the email not there yet


LEVELS: dict[str, Delays] = {
    "off": Delays(0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    "fast": Delays(
        function_pending_s=0.3,
        function_update_s=0.3,
        table_creating_s=0.3,
        index_backfill_s=0.5,
        role_assumable_s=0.5,
        policy_effect_s=0.5,
        log_arrival_s=0.2,
        metric_arrival_s=0.2,
        recipient_confirms_s=0.5,
        email_delivery_s=0.2,
    ),
    # What AWS typically shows (see docs/aws-fidelity.md for the sources).
    "aws": Delays(
        function_pending_s=2.0,
        function_update_s=2.0,
        table_creating_s=6.0,
        index_backfill_s=20.0,
        role_assumable_s=10.0,
        policy_effect_s=5.0,
        log_arrival_s=3.0,
        metric_arrival_s=30.0,
        recipient_confirms_s=5.0,
        email_delivery_s=3.0,
    ),
}


class RealismError(ValueError):
    pass


def level() -> str:
    """The realism level this process runs at (`fast` unless LOCALCLOUD_REALISM says)."""
    value = os.environ.get(REALISM_VARIABLE, "fast").strip().lower() or "fast"
    if value not in LEVELS:
        raise RealismError(
            f"{REALISM_VARIABLE}={value!r} is not a realism level: use one of "
            f"{', '.join(LEVELS)} (fast is the default)."
        )
    return value


@cache
def delays() -> Delays:
    """The delays for this process's level, read once."""
    return LEVELS[level()]
