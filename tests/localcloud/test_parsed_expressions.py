"""DynamoDB expressions parsed once (`seams.install_parsed_expressions`), beside moto's parse
at every use: the same conditions, the same trees, the same errors."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.comparisons import ConditionExpressionParser, get_filter_expression
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.parsing import expressions
from moto.dynamodb.parsing.ast_nodes import Node
from moto.dynamodb.parsing.expressions import UpdateExpressionParser

from localcloud import seams
from localcloud.seams.patching import original

# A text no other test parsed: each test's first parse is a miss, whatever ran before.
fresh = (f"p{n}" for n in itertools.count())


@pytest.fixture(scope="module", autouse=True)
def patched() -> None:
    """Our patches in this test process too (installing again wraps moto's own code)."""
    seams.install_item_patches()
    seams.install_parsed_expressions()


@pytest.fixture
def lexed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The condition expressions moto's parser lexes (the first step of every parse)."""
    texts: list[str] = []
    lex = ConditionExpressionParser._lex_condition_expression

    def counted(self: ConditionExpressionParser) -> list:
        texts.append(self.condition_expression)
        return lex(self)

    monkeypatch.setattr(ConditionExpressionParser, "_lex_condition_expression", counted)
    yield texts


@pytest.fixture
def tokenized(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The update expressions moto's parser tokenizes (the first step of every parse)."""
    texts: list[str] = []
    make_list = expressions.ExpressionTokenizer.make_list

    def counted(expression: str) -> list:
        texts.append(expression)
        return make_list(expression)

    monkeypatch.setattr(expressions.ExpressionTokenizer, "make_list", staticmethod(counted))
    yield texts


def shape(node: object) -> object:
    """A syntax tree as plain values: its nodes' types and leaves, to compare trees."""
    if isinstance(node, Node):
        return (node.type, [shape(child) for child in node.children or []])
    return repr(node)


def item(**attributes: dict) -> Item:
    return Item(DynamoType({"S": "x"}), None, {"id": {"S": "x"}, **attributes})


def moto_parse(expression: str, names: dict | None, values: dict | None) -> tuple:
    parser = ConditionExpressionParser(expression, names, values)
    condition = original(ConditionExpressionParser, "parse")(parser)
    return condition, parser.expr_attr_names_found, parser.expr_attr_values_found


def our_parse(expression: str, names: dict | None, values: dict | None) -> tuple:
    parser = ConditionExpressionParser(expression, names, values)
    return parser.parse(), parser.expr_attr_names_found, parser.expr_attr_values_found


def decisions(condition: object, items: list[Item | None]) -> list[object]:
    """The condition's answer for each item, or the error it raises (size of a missing
    attribute raises, in moto as in DynamoDB)."""
    answers: list[object] = []
    for each in items:
        try:
            answers.append(condition.expr(each))
        except ValueError as error:
            answers.append(repr(error))
    return answers


def test_moto_parses_a_condition_at_every_use_and_we_once(lexed: list[str]) -> None:
    text = f"{next(fresh)} >= :q"
    for _ in range(3):
        moto_parse(text, None, {":q": {"N": "1"}})
    assert lexed == [text] * 3
    lexed.clear()
    for _ in range(3):
        our_parse(text, None, {":q": {"N": "1"}})
    assert lexed == [text]


def test_other_values_or_names_are_another_condition(lexed: list[str]) -> None:
    attribute = next(fresh)
    stock = item(**{attribute: {"N": "5"}})
    text = "#n >= :q"
    assert get_filter_expression(text, {"#n": attribute}, {":q": {"N": "3"}}).expr(stock)
    assert not get_filter_expression(text, {"#n": attribute}, {":q": {"N": "7"}}).expr(stock)
    assert not get_filter_expression(text, {"#n": "other"}, {":q": {"N": "3"}}).expr(stock)
    assert get_filter_expression(text, {"#n": attribute}, {":q": {"N": "3"}}).expr(stock)
    assert len(lexed) == 3


@pytest.mark.parametrize(
    ("expression", "names", "values"),
    [
        ("quantity >= :q", None, {":q": {"N": "3"}}),
        ("attribute_not_exists(orderId)", None, None),
        (
            "#s = :placed AND begins_with(#u, :p)",
            {"#s": "status", "#u": "userId"},
            {":placed": {"S": "PLACED"}, ":p": {"S": "u-"}},
        ),
        ("size(tags) > :n OR NOT contains(tags, :t)", None, {":n": {"N": "1"}, ":t": {"S": "b"}}),
        ("quantity BETWEEN :lo AND :hi", None, {":lo": {"N": "1"}, ":hi": {"N": "4"}}),
        ("#s IN (:a, :b)", {"#s": "status"}, {":a": {"S": "PLACED"}, ":b": {"S": "SHIPPED"}}),
    ],
)
def test_a_kept_condition_decides_as_moto_s(expression: str, names: dict, values: dict) -> None:
    items = [
        None,
        item(quantity={"N": "5"}, status={"S": "PLACED"}, userId={"S": "u-1"}),
        item(quantity={"N": "2"}, status={"S": "SHIPPED"}, tags={"SS": ["a", "b"]}),
        item(orderId={"S": "o-1"}, tags={"SS": ["a"]}),
    ]
    moto_condition, moto_names, moto_values = moto_parse(expression, names, values)
    for _ in range(2):  # a miss, then a hit
        condition, names_found, values_found = our_parse(expression, names, values)
        assert decisions(condition, items) == decisions(moto_condition, items)
        # What a request's check of unused names and values reads.
        assert (names_found, values_found) == (moto_names, moto_values)


def test_a_condition_that_does_not_parse_fails_at_every_use(lexed: list[str]) -> None:
    text = f"{next(fresh)} >= :missing"
    with pytest.raises(KeyError) as moto_error:
        moto_parse(text, None, {":q": {"N": "1"}})
    for _ in range(2):
        with pytest.raises(KeyError) as error:
            our_parse(text, None, {":q": {"N": "1"}})
        assert str(error.value) == str(moto_error.value)
    assert lexed == [text] * 3


def test_moto_makes_an_update_tree_at_every_use_and_we_once(tokenized: list[str]) -> None:
    text = f"SET {next(fresh)} = :v"
    moto_make = original(UpdateExpressionParser, "make")
    assert moto_make(text) is not moto_make(text)
    assert tokenized == [text] * 2
    tokenized.clear()
    assert UpdateExpressionParser.make(text) is UpdateExpressionParser.make(text)
    assert tokenized == [text]


def test_an_update_tree_that_does_not_parse_fails_at_every_use(tokenized: list[str]) -> None:
    text = f"SET {next(fresh)} = "
    for _ in range(2):
        with pytest.raises(Exception, match="Syntax error"):
            UpdateExpressionParser.make(text)
    assert tokenized == [text] * 2


@mock_aws
def test_transactions_that_share_expressions_check_and_write_each_their_own() -> None:
    """Through moto's DynamoDB API: an order's transaction, with other values each time, where
    a condition decided with an earlier request's values would let an order through. The
    condition's own value (`:floor`) and name (`#id`) are used by nothing else in the request:
    at the second request (a kept parse) the check for unused ones must still find them."""
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    for name, key in (("inventory", "itemId"), ("orders", "orderId")):
        dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    dynamodb.put_item(
        TableName="inventory", Item={"itemId": {"S": "gasket"}, "quantity": {"N": "4"}}
    )
    update = "SET quantity = quantity - :q"

    def order(order_id: str, quantity: int) -> None:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": "inventory",
                        "Key": {"itemId": {"S": "gasket"}},
                        "UpdateExpression": update,
                        "ConditionExpression": "quantity >= :floor",
                        "ExpressionAttributeValues": {
                            ":q": {"N": str(quantity)},
                            ":floor": {"N": str(quantity)},
                        },
                    }
                },
                {
                    "Put": {
                        "TableName": "orders",
                        "Item": {"orderId": {"S": order_id}},
                        "ConditionExpression": "attribute_not_exists(#id)",
                        "ExpressionAttributeNames": {"#id": "orderId"},
                    }
                },
            ]
        )

    refused = []
    for order_id, quantity in (("o-1", 1), ("o-2", 5), ("o-3", 3), ("o-4", 1), ("o-1", 0)):
        try:
            order(order_id, quantity)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "TransactionCanceledException"
            refused.append(order_id)
    assert refused == ["o-2", "o-4", "o-1"]  # 5 of 3 left; 1 of none left; o-1 again
    stock = dynamodb.get_item(TableName="inventory", Key={"itemId": {"S": "gasket"}})["Item"]
    assert stock["quantity"] == {"N": "0"}
    assert dynamodb.scan(TableName="orders")["Count"] == 2
    # A value no expression uses is refused, at every request, as moto refuses it.
    for _ in range(2):
        with pytest.raises(ClientError, match="unused in expressions: keys: {:unused}"):
            dynamodb.update_item(
                TableName="inventory",
                Key={"itemId": {"S": "gasket"}},
                UpdateExpression=update,
                ConditionExpression="quantity >= :q",
                ExpressionAttributeValues={":q": {"N": "0"}, ":unused": {"N": "1"}},
            )


def test_a_condition_without_text_or_with_large_values_is_parsed_every_time(
    lexed: list[str],
) -> None:
    big = {":doc": {"S": "x" * 5000}}
    text = f"{next(fresh)} <> :doc"
    for _ in range(2):
        assert our_parse(text, None, big)[2] == [":doc"]
    assert lexed == [text, text]
    assert type(our_parse(None, None, big)[0]) is type(moto_parse(None, None, big)[0])


def test_values_an_expression_does_not_name_are_not_part_of_its_key(lexed: list[str]) -> None:
    text = f"{next(fresh)} = :v"
    for n in range(3):  # an update's own values change at every request
        our_parse(text, None, {":v": {"N": "1"}, ":other": {"S": f"document {n}"}})
    assert lexed == [text]


def test_a_kept_update_tree_is_not_changed_by_the_updates_it_serves() -> None:
    text = f"SET {next(fresh)} = :v, quantity = quantity - :q"
    tree = UpdateExpressionParser.make(text)
    before = shape(tree)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.put_item(TableName="t", Item={"id": {"S": "a"}, "quantity": {"N": "9"}})
        for quantity in (1, 2, 3):
            dynamodb.update_item(
                TableName="t",
                Key={"id": {"S": "a"}},
                UpdateExpression=text,
                ExpressionAttributeValues={":v": {"S": f"v{quantity}"}, ":q": {"N": str(quantity)}},
            )
        stored = dynamodb.get_item(TableName="t", Key={"id": {"S": "a"}})["Item"]
    assert stored["quantity"] == {"N": "3"}
    assert UpdateExpressionParser.make(text) is tree
    assert shape(tree) == before
