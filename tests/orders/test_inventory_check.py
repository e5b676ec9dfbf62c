"""InventoryCheckFunction: the workflow's stock check and the paginated GET /inventory."""

import pytest

from workbook.stack import INVENTORY_SEED


@pytest.fixture
def app(load_app):
    return load_app("inventory_check")


@pytest.mark.parametrize(
    ("quantity", "result"), [(1, "Available"), (4, "Available"), (5, "OutOfStock")]
)
def test_check_stock_compares_with_the_stored_quantity(app, event, context, quantity, result):
    task = {**event("check_inventory"), "quantity": quantity}
    assert app.lambda_handler(task, context) == {
        "itemId": "Headlight",
        "result": result,
        "available": 4,
    }


def test_unknown_item_is_out_of_stock(app, context):
    answer = app.lambda_handler({"itemId": "Flux capacitor", "quantity": 1}, context)
    assert answer["result"] == "OutOfStock" and answer["available"] == 0


def test_check_stock_reads_one_item_by_key_never_scans(app, event, context, monkeypatch):
    def no_scan(**_):
        raise AssertionError("the stock check must not scan the table")

    monkeypatch.setattr(app.inventory, "scan", no_scan)
    assert app.lambda_handler(event("check_inventory"), context)["result"] == "Available"


def test_get_inventory_lists_the_seed(app, event, answer, context):
    status, body = answer(app.lambda_handler(event("get_inventory"), context))
    assert status == 200
    assert sorted(body["items"], key=lambda i: i["itemId"]) == sorted(
        INVENTORY_SEED, key=lambda i: i["itemId"]
    )
    assert body["nextToken"] is None


def test_get_inventory_pages_through_250_items_100_at_a_time(
    app, mock_cloud, event, answer, context
):
    with mock_cloud.table(mock_cloud.names.inventory_table).batch_writer() as batch:
        for n in range(247):  # + the 3 seed rows = 250
            batch.put_item(Item={"itemId": f"part-{n:04d}", "quantity": n})
    seen, pages, token = [], 0, None
    while True:
        request = event("get_inventory_page")
        if token:
            request["queryStringParameters"]["nextToken"] = token
        status, body = answer(app.lambda_handler(request, context))
        assert status == 200 and len(body["items"]) <= 100
        seen += [item["itemId"] for item in body["items"]]
        pages += 1
        token = body["nextToken"]
        if not token:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 250


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "²"}, "limit"),
        ({"nextToken": "not base64!"}, "nextToken"),
        ({"nextToken": "eyJ4IjogMX0="}, "nextToken"),  # {"x": 1}: valid JSON, wrong key
    ],
)
def test_bad_paging_parameters_are_400(app, event, answer, context, query, message):
    request = event("get_inventory")
    request["queryStringParameters"] = query
    status, body = answer(app.lambda_handler(request, context))
    assert status == 400 and message in body["message"]
