"""OrderService: the order API (workflow answers faked) and its two workflow tasks for real."""

import datetime
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.stub import ANY, Stubber

# Workflow tasks and refused requests publish no metrics; Powertools warns about each.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")


class FakeWorkflow:
    """Stands in for the stepfunctions client: start_sync_execution does what a successful or
    out-of-stock execution does (the CreateOrder task, in-process) and answers like AWS."""

    def __init__(self, app, delay: float = 0.0, fail_with: str | None = None):
        self.app, self.delay, self.fail_with = app, delay, fail_with
        self.inputs: list[dict] = []
        self.lock = threading.Lock()

    def start_sync_execution(self, *, stateMachineArn: str, name: str, input: str) -> dict:
        assert stateMachineArn == self.app.STATE_MACHINE_ARN
        with self.lock:
            self.inputs.append(json.loads(input))
        time.sleep(self.delay)
        if self.fail_with:
            return {"status": "FAILED", "error": self.fail_with, "cause": "injected"}
        try:
            output = self.app.create_order(json.loads(input)["order"])
        except self.app.ItemUnavailable as error:
            return {"status": "FAILED", "error": "ItemUnavailable", "cause": str(error)}
        return {"status": "SUCCEEDED", "output": json.dumps(output)}


@pytest.fixture
def app(load_app):
    return load_app("order_service")


@pytest.fixture
def workflow(app, monkeypatch):
    fake = FakeWorkflow(app)
    monkeypatch.setattr(app, "stepfunctions", fake)
    return fake


@pytest.fixture
def user_id(mock_cloud):
    """A user row as UserService writes it."""
    user = {"userId": "467ebf85-c30b-4f17-aae8-f2ec85a7c19c", "name": "Learner"}
    mock_cloud.table(mock_cloud.names.users_table).put_item(
        Item={**user, "email": "learner@example.com"}
    )
    return user["userId"]


@pytest.fixture
def post(app, event, answer, context, user_id):
    def post(name="post_orders", body=..., **headers):
        request = event(name, body=body, USER_ID=user_id)
        request["headers"].update(headers)
        return answer(app.lambda_handler(request, context))

    return post


def orders_in(mock_cloud):
    return mock_cloud.items(mock_cloud.names.orders_table)


def test_post_order_runs_the_workflow_and_answers_201_with_the_order(
    post, mock_cloud, workflow, user_id
):
    status, body = post()
    assert status == 201
    order = body["order"]
    assert order["status"] == "PLACED" and order["quantity"] == 1
    assert (order["userId"], order["itemId"]) == (user_id, "Headlight")
    assert mock_cloud.stock("Headlight") == 3
    assert [o["orderId"] for o in orders_in(mock_cloud)] == [order["orderId"]]
    # The workflow's input is {"order": {...}}, the fields CheckInventory and CreateOrder read.
    (sent,) = workflow.inputs
    assert set(sent["order"]) == {"orderId", "userId", "itemId", "quantity", "createdAt"}


def test_post_order_sends_a_valid_start_sync_execution_request(app, post, mock_cloud, monkeypatch):
    """Botocore's Stubber checks our parameters against the real API model."""
    client = boto3.client("stepfunctions")
    stored = {"orderId": "o-1", "status": "PLACED", "quantity": 1}
    now = datetime.datetime.now(datetime.UTC)
    with Stubber(client) as stub:
        stub.add_response(
            "start_sync_execution",
            {
                "executionArn": "arn:aws:states:eu-west-1:123456789012:express:x:o-1:o-1",
                "startDate": now,
                "stopDate": now,
                "status": "SUCCEEDED",
                "output": json.dumps({"order": stored}),
            },
            {"stateMachineArn": app.STATE_MACHINE_ARN, "name": ANY, "input": ANY},
        )
        monkeypatch.setattr(app, "stepfunctions", client)
        status, body = post()
        stub.assert_no_pending_responses()
    assert status == 201 and body == {"order": stored}


def test_out_of_stock_is_409_and_takes_nothing(post, mock_cloud, workflow, user_id, capsys):
    status, body = post(body={"userId": user_id, "itemId": "Headlight", "quantity": 5})
    assert status == 409 and "out of stock" in body["message"]
    assert mock_cloud.stock("Headlight") == 4 and orders_in(mock_cloud) == []
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    (metrics,) = emf
    assert metrics["OutOfStock"] in (1, [1]) and metrics["OrdersRejected"] in (1, [1])
    assert metrics["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "OrderService"
    # No per-order or per-user dimensions: they would create a metric per customer.
    for dimensions in metrics["_aws"]["CloudWatchMetrics"][0]["Dimensions"]:
        assert not {"orderId", "userId", "order_id", "user_id"} & set(dimensions)


def test_a_workflow_failing_otherwise_is_a_json_503(post, mock_cloud, workflow):
    workflow.fail_with = "OrderFailed"
    status, body = post()
    assert status == 503 and "could not be completed" in body["message"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("{", 400, "valid JSON"),
        ("42", 400, "JSON object"),
        ({"itemId": "Headlight", "quantity": 1}, 400, "userId"),
        ({"userId": "USER_ID", "quantity": 1}, 400, "itemId"),
        ({"userId": "USER_ID", "itemId": "Headlight"}, 400, "quantity"),
        ({"userId": "USER_ID", "itemId": "Headlight", "quantity": "1"}, 400, "quantity"),
        ({"userId": "USER_ID", "itemId": "Headlight", "quantity": 1.5}, 400, "quantity"),
        ({"userId": "USER_ID", "itemId": "Headlight", "quantity": True}, 400, "quantity"),
        ({"userId": "USER_ID", "itemId": "Headlight", "quantity": 0}, 400, "quantity"),
        ({"userId": "USER_ID", "itemId": "Headlight", "quantity": -3}, 400, "quantity"),
        ({"userId": "USER_ID", "itemId": "Headlight", "quantity": 1001}, 400, "quantity"),
        ({"userId": "USER_ID", "itemId": "H" * 65, "quantity": 1}, 400, "itemId"),
        ({"userId": ["USER_ID"], "itemId": "Headlight", "quantity": 1}, 400, "userId"),
        ({"userId": "USER_ID", "itemId": "Headlight", "quantity": 1, "price": 0}, 400, "price"),
        ({"userId": "nobody", "itemId": "Headlight", "quantity": 1}, 404, "user nobody"),
        ({"userId": "USER_ID", "itemId": "Flux capacitor", "quantity": 1}, 404, "item"),
    ],
)
def test_invalid_orders_are_refused_and_write_nothing(
    post, mock_cloud, workflow, user_id, body, status, message
):
    if isinstance(body, dict):
        body = json.loads(json.dumps(body).replace("USER_ID", user_id))
    got, answered = post(body=body)
    assert got == status and message in answered["message"]
    assert (
        workflow.inputs == [] and orders_in(mock_cloud) == [] and mock_cloud.stock("Headlight") == 4
    )


def test_same_idempotency_key_gives_the_first_answer_and_one_order(post, mock_cloud, workflow):
    first = post("post_orders_idempotent")
    again = post("post_orders_idempotent")
    assert first[0] == 201 and again == first
    assert len(workflow.inputs) == 1 and len(orders_in(mock_cloud)) == 1
    assert mock_cloud.stock("Headlight") == 3


def test_idempotency_key_header_is_case_insensitive(post, event, mock_cloud, workflow):
    first = post("post_orders_idempotent")
    request_key = event("post_orders_idempotent")["headers"].pop("Idempotency-Key")
    again = post(**{"idempotency-key": request_key})
    assert again == first and len(orders_in(mock_cloud)) == 1


def test_reusing_a_key_for_a_different_order_is_422(post, mock_cloud, workflow, user_id):
    post("post_orders_idempotent")
    other = {"userId": user_id, "itemId": "Headlight", "quantity": 2}
    status, body = post("post_orders_idempotent", body=other)
    assert status == 422 and "Idempotency-Key" in body["message"]
    assert len(orders_in(mock_cloud)) == 1


def test_without_a_key_each_request_is_a_new_order(post, mock_cloud, workflow):
    assert post()[0] == post()[0] == 201
    assert len(orders_in(mock_cloud)) == 2 and mock_cloud.stock("Headlight") == 2


def test_concurrent_repeats_all_get_the_first_answer(post, mock_cloud, workflow):
    """The first request holds the key while its (slow) workflow runs; the others wait."""
    workflow.delay = 0.5
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: post("post_orders_idempotent"), range(8)))
    assert all(status == 201 for status, _ in answers)
    assert len({body["order"]["orderId"] for _, body in answers}) == 1
    assert len(workflow.inputs) == 1 and len(orders_in(mock_cloud)) == 1
    assert mock_cloud.stock("Headlight") == 3


def test_get_order(app, post, event, answer, context, workflow):
    _, placed = post()
    order_id = placed["order"]["orderId"]
    status, body = answer(app.lambda_handler(event("get_order", ORDER_ID=order_id), context))
    assert status == 200 and body == placed
    status, body = answer(app.lambda_handler(event("get_order", ORDER_ID="nope"), context))
    assert status == 404 and "nope" in body["message"]


def test_user_orders_are_listed_newest_first_a_page_at_a_time(
    app, post, event, answer, context, workflow, user_id, mock_cloud
):
    mock_cloud.table(mock_cloud.names.inventory_table).put_item(
        Item={"itemId": "Headlight", "quantity": 50}
    )
    placed = [post()[1]["order"]["orderId"] for _ in range(5)]
    seen, token = [], None
    while True:
        request = event("get_user_orders", USER_ID=user_id)
        request["queryStringParameters"] = {"limit": "2", **({"nextToken": token} if token else {})}
        status, body = answer(app.lambda_handler(request, context))
        assert status == 200 and len(body["orders"]) <= 2
        seen += [order["orderId"] for order in body["orders"]]
        token = body["nextToken"]
        if not token:
            break
    assert seen == placed[::-1]


def test_listing_refuses_unknown_users_and_foreign_tokens(
    app, post, event, answer, context, workflow, user_id, mock_cloud
):
    status, body = answer(app.lambda_handler(event("get_user_orders", USER_ID="ghost"), context))
    assert status == 404
    post(), post()
    request = event("get_user_orders", USER_ID=user_id)
    request["queryStringParameters"] = {"limit": "1"}
    token = answer(app.lambda_handler(request, context))[1]["nextToken"]
    mock_cloud.table(mock_cloud.names.users_table).put_item(Item={"userId": "other", "name": "O"})
    request = event("get_user_orders", USER_ID="other")
    request["queryStringParameters"] = {"nextToken": token}
    status, body = answer(app.lambda_handler(request, context))
    assert status == 400 and "nextToken" in body["message"]


# ---------------------------------------------------------------- workflow tasks


def test_create_order_task_reserves_stock_and_records_the_order(app, mock_cloud, event, context):
    task = event("create_order")
    result = app.lambda_handler(task, context)
    assert result == {"order": {**task["order"], "status": "PLACED"}}
    assert mock_cloud.stock("Headlight") == 2
    assert orders_in(mock_cloud)[0]["status"] == "PLACED"


def test_a_retried_create_order_answers_the_same_and_reserves_once(app, mock_cloud, event, context):
    task = event("create_order")
    first = app.lambda_handler(task, context)
    assert app.lambda_handler(task, context) == first
    assert mock_cloud.stock("Headlight") == 2 and len(orders_in(mock_cloud)) == 1


def test_create_order_raises_item_unavailable_and_writes_nothing(app, mock_cloud, event, context):
    task = event("create_order")
    task["order"]["quantity"] = 5
    with pytest.raises(app.ItemUnavailable) as raised:
        app.lambda_handler(task, context)
    # Step Functions names the error after the class; the ASL catches "ItemUnavailable".
    assert type(raised.value).__name__ == "ItemUnavailable"
    assert mock_cloud.stock("Headlight") == 4 and orders_in(mock_cloud) == []


def test_20_concurrent_orders_against_stock_5_create_exactly_5(app, mock_cloud, event):
    mock_cloud.table(mock_cloud.names.inventory_table).put_item(
        Item={"itemId": "Headlight", "quantity": 5}
    )
    base = event("create_order")["order"]

    def order(n: int) -> str:
        try:
            app.create_order({**base, "orderId": f"order-{n}", "quantity": 1})
            return "created"
        except app.ItemUnavailable:
            return "unavailable"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(order, range(20)))
    assert outcomes.count("created") == 5 and outcomes.count("unavailable") == 15
    assert mock_cloud.stock("Headlight") == 0 and len(orders_in(mock_cloud)) == 5


def test_compensation_returns_stock_once_and_marks_the_order_failed(
    app, mock_cloud, event, context
):
    app.lambda_handler(event("create_order"), context)
    assert mock_cloud.stock("Headlight") == 2
    task = event("compensate_order")
    assert app.lambda_handler(task, context) == {"compensated": True}
    assert mock_cloud.stock("Headlight") == 4 and orders_in(mock_cloud)[0]["status"] == "FAILED"
    assert app.lambda_handler(task, context) == {"compensated": False}
    assert mock_cloud.stock("Headlight") == 4


def test_compensating_an_order_never_written_changes_nothing(app, mock_cloud, event, context):
    assert app.lambda_handler(event("compensate_order"), context) == {"compensated": False}
    assert mock_cloud.stock("Headlight") == 4 and orders_in(mock_cloud) == []
