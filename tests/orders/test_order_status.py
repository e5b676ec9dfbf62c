"""OrderStatusFunction: legal transitions only, stock back on cancel, mail to the right user."""

import json
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

USER = "467ebf85-c30b-4f17-aae8-f2ec85a7c19c"
OTHER_USER = "5d0c3a7e-1b2f-4e6a-9c8d-7f6e5d4c3b2a"


@pytest.fixture
def app(load_app):
    return load_app("order_status")


@pytest.fixture
def place(mock_cloud):
    """Write an order as CreateOrder leaves it (stock already taken)."""

    def place(order_id="ec6b14fa-d31a-4c83-9fc4-9ee5e62a5c11", status="PLACED", quantity=2):
        mock_cloud.table(mock_cloud.names.orders_table).put_item(
            Item={
                "orderId": order_id,
                "userId": USER,
                "itemId": "Headlight",
                "quantity": quantity,
                "status": status,
                "createdAt": "2025-08-01T07:47:40.123+00:00",
            }
        )
        inventory = mock_cloud.table(mock_cloud.names.inventory_table)
        inventory.update_item(
            Key={"itemId": "Headlight"},
            UpdateExpression="SET quantity = quantity - :q",
            ExpressionAttributeValues={":q": quantity},
        )
        return order_id

    return place


@pytest.fixture
def inboxes(mock_cloud):
    """One SQS queue per user, subscribed with the filter policy UserService gives emails."""
    sqs = boto3.client("sqs")
    queues = {}
    for user in (USER, OTHER_USER):
        url = sqs.create_queue(QueueName=f"inbox-{user[:8]}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        mock_cloud.sns.subscribe(
            TopicArn=mock_cloud.topic_arn,
            Protocol="sqs",
            Endpoint=arn["QueueArn"],
            Attributes={
                "FilterPolicyScope": "MessageAttributes",
                "FilterPolicy": json.dumps({"userId": [user]}),
            },
        )
        queues[user] = url

    def received(user):
        messages = sqs.receive_message(QueueUrl=queues[user], MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in messages.get("Messages", [])]

    return received


@pytest.fixture
def put(app, event, answer, context):
    def put(order_id, status, user_id=USER, name="put_order_by_path"):
        body = {"userId": user_id, "status": status}
        if name == "put_orders_shipped":
            body["orderId"] = order_id
        request = event(name, body=body, ORDER_ID=order_id)
        return answer(app.lambda_handler(request, context))

    return put


def stored(mock_cloud, order_id):
    return mock_cloud.table(mock_cloud.names.orders_table).get_item(Key={"orderId": order_id})[
        "Item"
    ]


def test_use_case_request_ships_the_order_and_mails_only_its_customer(
    capsys, app, place, mock_cloud, event, answer, context, inboxes
):
    """The use case's Postman request: PUT /orders with "shipped" in lower case."""
    order_id = place()
    request = event("put_orders_shipped", ORDER_ID=order_id, USER_ID=USER)
    status, body = answer(app.lambda_handler(request, context))
    assert status == 200
    assert body["message"] == "Order updated and customer notified."
    assert stored(mock_cloud, order_id)["status"] == "SHIPPED"
    (mail,) = inboxes(USER)
    assert mail["MessageAttributes"]["userId"] == {"Type": "String", "Value": USER}
    assert mail["Subject"] == "Your order is now shipped"
    assert order_id in mail["Message"] and "shipped" in mail["Message"]
    assert inboxes(OTHER_USER) == []
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    assert [m["StatusUpdates"] for m in emf] in ([1], [[1]])


def test_placed_shipped_delivered(place, put, mock_cloud):
    order_id = place()
    assert put(order_id, "Shipped")[0] == 200
    status, body = put(order_id, "DELIVERED")
    assert status == 200
    assert stored(mock_cloud, order_id)["status"] == "DELIVERED"
    # The answer shows the order as stored, update time included.
    assert body["order"]["updatedAt"] == stored(mock_cloud, order_id)["updatedAt"]
    assert mock_cloud.stock("Headlight") == 2  # shipping keeps the stock taken


def test_cancel_returns_the_stock(place, put, mock_cloud, inboxes):
    order_id = place(quantity=2)
    assert mock_cloud.stock("Headlight") == 2
    status, body = put(order_id, "cancelled")
    assert status == 200 and body["order"]["status"] == "CANCELLED"
    assert mock_cloud.stock("Headlight") == 4
    assert stored(mock_cloud, order_id)["status"] == "CANCELLED"
    assert len(inboxes(USER)) == 1


@pytest.mark.parametrize(
    ("current", "requested"),
    [
        ("PLACED", "DELIVERED"),
        ("PLACED", "PLACED"),
        ("SHIPPED", "CANCELLED"),
        ("SHIPPED", "SHIPPED"),
        ("DELIVERED", "SHIPPED"),
        ("CANCELLED", "SHIPPED"),
        ("CANCELLED", "CANCELLED"),
        ("FAILED", "SHIPPED"),
    ],
)
def test_illegal_transitions_are_409_naming_both_states(
    place, put, mock_cloud, inboxes, current, requested
):
    order_id = place(status=current)
    status, body = put(order_id, requested.lower())
    assert status == 409
    assert current in body["message"] and requested in body["message"]
    assert stored(mock_cloud, order_id)["status"] == current
    assert mock_cloud.stock("Headlight") == 2 and inboxes(USER) == []


def test_another_users_order_is_not_found(place, put, mock_cloud, inboxes):
    order_id = place()
    status, body = put(order_id, "shipped", user_id=OTHER_USER)
    assert status == 404 and order_id in body["message"]
    assert stored(mock_cloud, order_id)["status"] == "PLACED" and inboxes(USER) == []


def test_unknown_order_is_not_found(put):
    status, body = put("no-such-order", "shipped")
    assert status == 404 and "no-such-order" in body["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{", "valid JSON"),
        ("null", "JSON object"),
        ({"userId": USER}, "status"),
        ({"userId": USER, "status": "LOST"}, "status must be one of"),
        ({"userId": USER, "status": 3}, "status"),
        ({"status": "shipped"}, "userId"),
        ({"userId": USER, "status": "shipped", "orderId": "a-different-order"}, "differs"),
        ({"userId": USER, "status": "shipped", "note": "x"}, "note"),
    ],
)
def test_invalid_updates_are_400_and_change_nothing(
    app, place, mock_cloud, event, answer, context, inboxes, body, message
):
    order_id = place()
    request = event("put_order_by_path", body=body, ORDER_ID=order_id)
    status, answered = answer(app.lambda_handler(request, context))
    assert status == 400 and message in answered["message"]
    assert stored(mock_cloud, order_id)["status"] == "PLACED" and inboxes(USER) == []


def test_body_route_needs_an_order_id(app, event, answer, context):
    request = event("put_orders_shipped", body={"userId": USER, "status": "shipped"})
    status, body = answer(app.lambda_handler(request, context))
    assert status == 400 and "orderId" in body["message"]


def test_concurrent_ship_and_cancel_never_both_apply(place, put, mock_cloud):
    """For each order, one update wins and the stock matches the winner."""
    order_ids = [place(order_id=f"order-{n}", quantity=1) for n in range(4)]
    assert mock_cloud.stock("Headlight") == 0
    requests = [(order_id, status) for order_id in order_ids for status in ("shipped", "cancelled")]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda r: (r, put(*r)[0]), requests))
    cancelled = 0
    for order_id in order_ids:
        codes = sorted(code for (oid, _), code in results if oid == order_id)
        assert codes == [200, 409]
        cancelled += stored(mock_cloud, order_id)["status"] == "CANCELLED"
    assert mock_cloud.stock("Headlight") == cancelled
