"""DynamoDB: what the local cloud changes in moto's tables."""

from __future__ import annotations

import copy
import functools
import json
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from localcloud.seams.patching import replace
from localcloud.sorted_keys import SortedKeys
from localcloud.undo import UndoLog

# One lock for the items of every table: a transaction's condition checks and writes happen
# with no other request reading or writing in between (the server is threaded), and readers
# never see a transaction half applied. Re-entrant: a transaction calls the locked methods.
# Known limit: a table stream that invokes a Lambda function does so under this lock, so that
# function's own DynamoDB calls would wait for it.
ITEMS_LOCK = threading.RLock()
LOCKED_BACKEND_METHODS = (
    "get_item",
    "put_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
)  # and TransactWriteItems, whose replacement takes the lock itself


def install_item_patches() -> None:
    """Transactions that copy only the items they touch, atomic under concurrent requests,
    and Scan pages that start at their ExclusiveStartKey without walking the table."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    replace(DynamoDBBackend, "transact_write_items", lambda model: transact_write_items)
    for name in LOCKED_BACKEND_METHODS:
        replace(DynamoDBBackend, name, _locked)
    replace(Table, "put_item", _tracking_put)
    replace(Table, "delete_item", _tracking_delete)
    replace(Table, "scan", _scan_from_start_key)
    replace(Table, "all_items", _all_items_in_scan_order)


def _locked(model: Any) -> Any:
    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with ITEMS_LOCK:
            return model(self, *args, **kwargs)

    return locked


# ---------------------------------------------------------------- TransactWriteItems


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto's DynamoDBBackend.transact_write_items, same checks, same errors, in the same
    order, but a cancelled transaction restores only the items it touched (an undo log),
    where moto deep-copies every table it touches first, so its cost grows with the tables."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    with ITEMS_LOCK:
        undo = UndoLog()
        target_items: set[tuple[str, str]] = set()
        errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
        for item in transact_items:
            original_item: dict[str, Any] | None = None
            if len(item) > 1:
                raise TransactWriteSingleOpException
            try:
                op_type, op = next(iter(item.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                condition = op.get("ConditionExpression")
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    table = self.get_table(table_name)
                    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = op["Item"][table.range_key_attr]
                else:
                    key = op["Key"]
                unique = (str(table_name), str(dict(sorted(key.items()))))
                if unique in target_items:
                    raise MultipleTransactionsException()
                target_items.add(unique)

                current = self.get_item(table_name, key)
                _remember(undo, self, table_name, key, current)
                failed = condition is not None and not get_filter_expression(
                    condition, names, values
                ).expr(current)
                if failed:
                    on_failure = op.get("ReturnValuesOnConditionCheckFailure")
                    if on_failure == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
                expression = {
                    "condition_expression": condition,
                    "expression_attribute_names": names,
                    "expression_attribute_values": values,
                }
                if op_type == "Put":
                    self.put_item(table_name, op["Item"], **expression)
                elif op_type == "Delete":
                    self.delete_item(table_name, key, **expression)
                elif op_type == "Update":
                    self.update_item(
                        table_name, key, update_expression=op["UpdateExpression"], **expression
                    )
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                undo.restore(_put_back(self))
                raise
            except ConditionalCheckFailed as error:
                errors.append(("ConditionalCheckFailed", str(error.message), original_item))
            except Exception as error:  # moto's rule: any other failure cancels, with its name
                errors.append((type(error).__name__, str(error), original_item))
        if any(code is not None for code, _, _ in errors):
            undo.restore(_put_back(self))
            raise TransactionCanceledException(errors)


def _remember(undo: UndoLog, backend: Any, table_name: str, key: dict, current: Any) -> None:
    table = backend.get_table(table_name)
    hash_value, range_value = backend.get_keys_value(table, key)
    undo.remember(
        ("item", table_name, hash_value, range_value),
        lambda: copy.deepcopy(current),  # updates change moto's Item in place
    )
    if table.stream_shard is not None:
        undo.remember(("stream", table_name), lambda: len(table.stream_shard.items))


def _put_back(backend: Any) -> Any:
    def put_back(key: tuple, state: Any) -> None:
        table = backend.get_table(key[1])
        if key[0] == "stream":
            del table.stream_shard.items[state:]  # the cancelled writes' stream records
            return
        _, _, hash_value, range_value = key
        where = table.items if range_value is None else table.items[hash_value]
        slot = hash_value if range_value is None else range_value
        if state is None:
            where.pop(slot, None)
        else:
            where[slot] = state
        _SCAN_ORDERS.pop(table, None)

    return put_back


# ---------------------------------------------------------------- Scan pages

# Each table's keys in scan order, built at its first Scan and kept in step by put/delete.
_SCAN_ORDERS: weakref.WeakKeyDictionary[Any, SortedKeys] = weakref.WeakKeyDictionary()
_scan_start = threading.local()  # the table a Scan is running on, and the key it starts after


def _key_of(item: Any) -> tuple[Any, Any]:
    return (item.hash_key, item.range_key)


def _tracking_put(model: Any) -> Any:
    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = model(self, *args, **kwargs)
        order = _SCAN_ORDERS.get(self)
        if order is not None:
            order.add(_key_of(item))
        return item

    return put_item


def _tracking_delete(model: Any) -> Any:
    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        item = model(self, hash_key, range_key)
        order = _SCAN_ORDERS.get(self)
        if item is not None and order is not None:
            order.discard(_key_of(item))
        return item

    return delete_item


def _scan_from_start_key(model: Any) -> Any:
    def scan(
        self: Any,
        filters: dict[str, Any],
        limit: int,
        exclusive_start_key: dict[str, Any] | None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        index_name = kwargs.get("index_name", args[1] if len(args) > 1 else None)
        start = _start_after(self, exclusive_start_key)
        if index_name or start is False:  # an index's order moves with its items' attributes
            return model(self, filters, limit, exclusive_start_key, *args, **kwargs)
        _scan_start.table, _scan_start.after = self, start
        try:
            return model(self, filters, limit, None, *args, **kwargs)
        finally:
            _scan_start.table = None

    return scan


def _start_after(table: Any, exclusive_start_key: dict[str, Any] | None) -> Any:
    """The key a page starts after: None for the first page, False if the key is unusable
    (then moto's own walk answers, errors included)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if exclusive_start_key is None:
        return None
    try:
        hash_value = DynamoType(exclusive_start_key[table.hash_key_attr])
        range_value = (
            DynamoType(exclusive_start_key[table.range_key_attr])
            if table.range_key_attr is not None
            else None
        )
    except (KeyError, TypeError, AttributeError):
        return False
    return (hash_value, range_value)


def _all_items_in_scan_order(model: Any) -> Any:
    def all_items(self: Any) -> Any:
        if getattr(_scan_start, "table", None) is not self:
            return model(self)
        _scan_start.table = None  # only the Scan's own call
        return _items_after(self, _scan_order(self), _scan_start.after)

    return all_items


def _scan_order(table: Any) -> SortedKeys:
    order = _SCAN_ORDERS.get(table)
    if order is None or len(order) != _stored_count(table):  # a path bypassed put/delete
        order = SortedKeys(_key_of(item) for item in _stored_items(table))
        _SCAN_ORDERS[table] = order
    return order


def _stored_count(table: Any) -> int:
    if table.range_key_attr is None:
        return len(table.items)
    return sum(len(group) for group in table.items.values())


def _stored_items(table: Any) -> Iterator[Any]:
    for stored in table.items.values():
        yield from (stored.values() if table.range_key_attr is not None else (stored,))


def _items_after(table: Any, order: SortedKeys, start: Any) -> Iterator[Any]:
    for hash_value, range_value in order.after(start):
        stored = table.items.get(hash_value)
        if stored is not None and range_value is not None:
            stored = stored.get(range_value)
        if stored is not None:
            yield stored


# ---------------------------------------------------------------- Parsed expressions

EXPRESSIONS_KEPT = 1024  # distinct expressions kept parsed (an app has a handful)
KEPT_VALUES_CHARACTERS = 4096  # a condition whose values are larger is parsed every time


def install_parsed_expressions() -> None:
    """Each condition and update expression parsed once, not at every use.

    moto parses a ConditionExpression at every use: a conditional update in a transaction is
    parsed three times (the request's check of unused names and values, the transaction's
    check, the update's own), and its UpdateExpression twice: about two fifths of a
    two-action TransactWriteItems. A condition's parse depends only on its text and the
    names and values the text refers to, so it is kept per those (the values as JSON: they
    are part of the parsed condition; a condition with large values is not kept); an update
    expression's syntax tree only on its text (moto's validator works on a deep copy of the
    tree it is given, so a kept tree is never changed). A parse that fails is not kept:
    every use raises moto's error again.
    """
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    replace(ConditionExpressionParser, "parse", _parse_condition_once)
    replace(UpdateExpressionParser, "make", _make_update_once)


def _parse_condition_once(model: Any) -> Any:
    @functools.lru_cache(maxsize=EXPRESSIONS_KEPT)
    def parsed(expression: str, names: tuple | None, values: str) -> tuple:
        from moto.dynamodb.comparisons import ConditionExpressionParser

        # A parser of its own, on values decoded afresh: nothing a request owns is kept.
        parser = ConditionExpressionParser(
            expression, None if names is None else dict(names), json.loads(values)
        )
        condition = model(parser)
        return condition, tuple(parser.expr_attr_names_found), tuple(parser.expr_attr_values_found)

    def parse(self: Any) -> Any:
        expression = self.condition_expression
        if not isinstance(expression, str) or not expression:  # none: moto's answer is cheap
            return model(self)
        # Only the names and values the text can refer to (an update's own are not part of
        # the condition), in the request's order: moto takes an AttributeValue's first key.
        names = _named_in(expression, self.expression_attribute_names)
        try:
            values = json.dumps(_named_in(expression, self.expression_attribute_values))
            key = (expression, None if names is None else tuple(names.items()), values)
            hash(key)
        except (TypeError, ValueError):  # values that are not JSON: parsed as moto does
            return model(self)
        if len(values) > KEPT_VALUES_CHARACTERS:  # a large document is not kept
            return model(self)
        condition, names_found, values_found = parsed(*key)
        # What the request's check of unused names and values reads after a parse.
        self.expr_attr_names_found.extend(names_found)
        self.expr_attr_values_found.extend(values_found)
        return condition

    return parse


def _named_in(expression: str, mapping: dict | None) -> dict | None:
    """The entries of ExpressionAttributeNames or Values an expression can refer to: those
    whose placeholder its text contains (a superset of those it uses)."""
    if not isinstance(mapping, dict):
        return mapping
    return {placeholder: v for placeholder, v in mapping.items() if placeholder in expression}


def _make_update_once(model: Any) -> Any:
    make_tree = functools.lru_cache(maxsize=EXPRESSIONS_KEPT)(model.__func__)

    def make(cls: type, expression_str: Any) -> Any:
        if not isinstance(expression_str, str):  # unhashable: moto's own error
            return model.__func__(cls, expression_str)
        return make_tree(cls, expression_str)

    return classmethod(make)  # moto's `make` is a classmethod: `cls` is in the key


# ---------------------------------------------------------------- Table and index status

# Reads and writes of items, each naming its tables in one of the ways `_tables_named` knows.
DATA_ACTIONS = frozenset(
    {
        "PutItem",
        "GetItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)


@dataclass(frozen=True)
class TableRefusal:
    """Why a data-plane call must fail now: DynamoDB's error code (without its prefix)."""

    code: str
    message: str


@dataclass(frozen=True)
class TableLifecycleHooks:
    """What the DynamoDB API tells `localcloud.lifecycle_tables`, by table ARN."""

    created: Callable[[str], None]
    index_added: Callable[[str, str], None]  # (table ARN, index name), by UpdateTable
    deleted: Callable[[str], None]
    refusal: Callable[[str, str | None], TableRefusal | None]  # (table ARN, IndexName)
    # (table ARN, moto's TableDescription) -> the one to answer: TableStatus, IndexStatus...
    description: Callable[[str, dict[str, Any]], dict[str, Any]]


def install_table_lifecycle(hooks: TableLifecycleHooks) -> None:
    """Route CreateTable, DeleteTable, UpdateTable's new indexes, every TableDescription and
    every item read or write through `hooks` (moto 5.2.5 makes everything ACTIVE at once)."""
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    def create_table_of(model: Any) -> Any:
        def create_table(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
            table = model(self, name, *args, **kwargs)
            hooks.created(table.table_arn)
            return table

        return create_table

    def delete_table_of(model: Any) -> Any:
        def delete_table(self: Any, name: str) -> Any:
            table = model(self, name)
            hooks.deleted(table.table_arn)
            return table

        return delete_table

    def update_indexes_of(model: Any) -> Any:
        def update_table_global_indexes(
            self: Any, table: Any, global_index_updates: list[dict[str, Any]]
        ) -> None:
            model(self, table, global_index_updates)
            for update in global_index_updates:
                if update.get("Create"):
                    hooks.index_added(table.table_arn, update["Create"]["IndexName"])

        return update_table_global_indexes

    def describe_of(model: Any) -> Any:
        def describe(self: Any, base_key: str = "TableDescription") -> dict[str, Any]:
            answer = model(self, base_key)
            hooks.description(self.table_arn, answer[base_key])
            return answer

        return describe

    def call_action_of(model: Any) -> Any:
        def call_action(self: Any) -> Any:
            action = self._get_action()
            if action in DATA_ACTIONS:
                params = getattr(self, "params", None) or {}
                backend = self.dynamodb_backend
                for name in _tables_named(params):
                    table = backend.tables.get(name) or next(
                        (t for t in list(backend.tables.values()) if t.table_arn == name), None
                    )
                    if table is None:
                        continue  # moto answers for a missing table
                    refusal = hooks.refusal(table.table_arn, params.get("IndexName"))
                    if refusal is not None:
                        body = json.dumps(
                            {"__type": ERROR_TYPE_PREFIX + refusal.code, "message": refusal.message}
                        )
                        return 400, {"Content-Type": "application/x-amz-json-1.0"}, body
            return model(self)

        return call_action

    replace(DynamoDBBackend, "create_table", create_table_of)
    replace(DynamoDBBackend, "delete_table", delete_table_of)
    replace(DynamoDBBackend, "update_table_global_indexes", update_indexes_of)
    replace(Table, "describe", describe_of)
    replace(DynamoHandler, "call_action", call_action_of)


def _tables_named(params: dict[str, Any]) -> list[str]:
    """The tables (names or ARNs) an item read or write request names."""
    if "TableName" in params:
        return [params["TableName"]]
    if "RequestItems" in params:
        return list(params["RequestItems"])
    return [
        operation["TableName"]
        for item in params.get("TransactItems") or []
        for operation in item.values()
        if isinstance(operation, dict) and "TableName" in operation
    ]
