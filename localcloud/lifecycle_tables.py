"""DynamoDB table and index status: CREATING before ACTIVE, and what a client may do meanwhile.

On AWS a new table is CREATING (so are the global secondary indexes created with it) and every
read or write of it fails with ResourceNotFoundException until it is ACTIVE: code waits with
the `table_exists` waiter. An index added by UpdateTable is CREATING and backfilling, and a
Query or Scan of it fails with "Cannot read from backfilling global secondary index".
DeleteTable answers DELETING. The durations come from `localcloud.realism`.

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GlobalSecondaryIndexDescription.html
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from localcloud import realism, seams


class TableStates:
    """When each table, and each index added to one, becomes ACTIVE; by table ARN."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.active_at: dict[str, float] = {}
        self.index_active_at: dict[tuple[str, str], float] = {}
        self.deleting: set[str] = set()

    def created(self, table_arn: str) -> None:
        with self.lock:
            self.deleting.discard(table_arn)
            self.active_at[table_arn] = self.clock() + realism.delays().table_creating_s

    def index_added(self, table_arn: str, index_name: str) -> None:
        with self.lock:
            ready = self.clock() + realism.delays().index_backfill_s
            self.index_active_at[(table_arn, index_name)] = ready

    def deleted(self, table_arn: str) -> None:
        with self.lock:
            self.active_at.pop(table_arn, None)
            for key in [key for key in self.index_active_at if key[0] == table_arn]:
                del self.index_active_at[key]
            self.deleting.add(table_arn)

    def refusal(self, table_arn: str, index_name: str | None) -> seams.TableRefusal | None:
        """Why a read or write of the table (through `index_name`) must fail now, if it must."""
        if self._creating(table_arn):
            # What AWS answers for a table that is not ACTIVE yet, as for one that is missing.
            return seams.TableRefusal("ResourceNotFoundException", "Requested resource not found")
        if index_name and self._backfilling(table_arn, index_name):
            return seams.TableRefusal(
                "ValidationException",
                f"Cannot read from backfilling global secondary index: {index_name}",
            )
        return None

    def description(self, table_arn: str, description: dict[str, Any]) -> dict[str, Any]:
        """TableStatus, IndexStatus and Backfilling as they are now, over moto's ACTIVE."""
        creating = self._creating(table_arn)
        if table_arn in self.deleting:
            description["TableStatus"] = "DELETING"
        elif creating:
            description["TableStatus"] = "CREATING"
        for index in description.get("GlobalSecondaryIndexes") or []:
            if creating:
                # Created with the table: no Backfilling field (the API reference says so).
                index["IndexStatus"] = "CREATING"
            elif self._backfilling(table_arn, index["IndexName"]):
                index["IndexStatus"] = "CREATING"
                index["Backfilling"] = True
        return description

    def _creating(self, table_arn: str) -> bool:
        return self.clock() < self.active_at.get(table_arn, 0.0)

    def _backfilling(self, table_arn: str, index_name: str) -> bool:
        return self.clock() < self.index_active_at.get((table_arn, index_name), 0.0)


tables = TableStates()


def install() -> None:
    """Give moto's DynamoDB the table and index status above."""
    seams.install_table_lifecycle(
        seams.TableLifecycleHooks(
            created=tables.created,
            index_added=tables.index_added,
            deleted=tables.deleted,
            refusal=tables.refusal,
            description=tables.description,
        )
    )
