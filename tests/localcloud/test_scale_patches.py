"""The moto patches that keep a request's cost flat as the cloud fills up.

Each patch is shown twice: what moto 5.2.5 does by itself (its own implementation, kept by
`seams.patching.replace` as `localcloud_original`) and what the local cloud does instead, and
then through a real local cloud server, that the behaviour clients see is unchanged.
"""

from __future__ import annotations

import functools
import gc
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table

from localcloud import iam, seams
from localcloud.completions import Completions
from localcloud.lambda_tasks import TaskLambdaClient
from localcloud.on_demand import OnFirstRequest, service_of
from localcloud.seams.patching import original
from tests.localcloud.workflows import PASS_ONLY_ROLE, run_express

ITEMS = 1_000


# ---------------------------------------------------------------- in process, moto's objects


@pytest.fixture(scope="module", autouse=True)
def patched() -> None:
    """Our patches in this test process too (installing again wraps moto's own code)."""
    seams.install_item_patches()
    seams.install_program_cache()
    seams.install_untimed_waits_inline()
    seams.install_json_path_cache()
    seams.install_task_client_cache(
        functools.partial(TaskLambdaClient, guard=iam.Guard(), trace_header=lambda: None)
    )
    seams.install_dispatch_caches()


def stocked_backend() -> DynamoDBBackend:
    """A backend with an `inventory` table of ITEMS items and an empty `orders` table."""
    backend = DynamoDBBackend("us-east-1", "123456789012")
    for name, key in (("inventory", "itemId"), ("orders", "orderId")):
        backend.create_table(
            name,
            schema=[{"AttributeName": key, "KeyType": "HASH"}],
            throughput=None,
            attr=[{"AttributeName": key, "AttributeType": "S"}],
            global_indexes=None,
            indexes=None,
            streams=None,
            billing_mode="PAY_PER_REQUEST",
            sse_specification=None,
            tags=[],
            deletion_protection_enabled=False,
            warm_throughput=None,
        )
    for n in range(ITEMS):
        backend.put_item("inventory", {"itemId": {"S": f"item-{n:05d}"}, "quantity": {"N": "5"}})
    return backend


def order_of(item_id: str, quantity: int, order_id: str) -> list[dict]:
    """CreateOrder's transaction: take the stock if enough is left, and put the order."""
    return [
        {
            "Update": {
                "TableName": "inventory",
                "Key": {"itemId": {"S": item_id}},
                "UpdateExpression": "SET quantity = quantity - :q",
                "ConditionExpression": "quantity >= :q",
                "ExpressionAttributeValues": {":q": {"N": str(quantity)}},
            }
        },
        {
            "Put": {
                "TableName": "orders",
                "Item": {"orderId": {"S": order_id}, "itemId": {"S": item_id}},
                "ConditionExpression": "attribute_not_exists(orderId)",
            }
        },
    ]


@pytest.fixture
def item_copies(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many of moto's Items get deep-copied (one list entry per copy)."""
    copies: list[int] = []
    deepcopy = Item.__deepcopy__

    def counted(self: Item, memo: dict) -> Item:
        copies.append(1)
        return deepcopy(self, memo)

    monkeypatch.setattr(Item, "__deepcopy__", counted)
    yield copies


def test_moto_transaction_copies_every_table_it_touches(item_copies: list[int]) -> None:
    backend = stocked_backend()
    moto_transact = original(DynamoDBBackend, "transact_write_items")

    moto_transact(backend, order_of("item-00001", 1, "order-1"))

    assert len(item_copies) >= ITEMS  # the whole inventory, for one item's update


def test_our_transaction_copies_only_the_items_it_touches(item_copies: list[int]) -> None:
    backend = stocked_backend()

    backend.transact_write_items(order_of("item-00001", 1, "order-1"))

    assert len(item_copies) <= 2
    assert (
        backend.get_item("inventory", {"itemId": {"S": "item-00001"}}).attrs["quantity"].value
        == "4"
    )
    assert backend.get_item("orders", {"orderId": {"S": "order-1"}}) is not None


def test_a_cancelled_transaction_leaves_every_item_as_it_was_and_says_why() -> None:
    """Ours and moto's cancel the same way: same reasons, nothing written."""
    reasons = []
    for transact in (original(DynamoDBBackend, "transact_write_items"), None):
        backend = stocked_backend()
        backend.put_item("orders", {"orderId": {"S": "taken"}})
        # The stock update would succeed; the order's condition fails, so both are undone.
        items = order_of("item-00002", 2, "taken")
        with pytest.raises(TransactionCanceledException) as cancelled:
            if transact is None:
                backend.transact_write_items(items)
            else:
                transact(backend, items)
        reasons.append(cancelled.value.message)
        stock = backend.get_item("inventory", {"itemId": {"S": "item-00002"}})
        assert stock.attrs["quantity"].value == "5"
        assert "itemId" not in backend.get_item("orders", {"orderId": {"S": "taken"}}).attrs
    assert reasons[0] == reasons[1]
    assert "[None, ConditionalCheckFailed]" in reasons[1]


def test_a_cancelled_put_of_a_new_item_is_not_left_behind() -> None:
    backend = stocked_backend()
    items = order_of("item-00003", 9, "order-new")  # more than the 5 in stock
    with pytest.raises(TransactionCanceledException, match=r"\[None, ConditionalCheckFailed\]"):
        backend.transact_write_items(items[::-1])  # the put first, then the failing update
    assert backend.get_item("orders", {"orderId": {"S": "order-new"}}) is None
    orders, _, _ = backend.get_table("orders").scan({}, None, None)
    assert orders == []


def scan_page(backend: DynamoDBBackend, limit: int, start: dict | None) -> tuple[list, dict | None]:
    items, _, last_key = backend.scan(
        "inventory", {}, limit, start, None, None, None, None, False, None, (None, None)
    )
    return [item.attrs["itemId"].value for item in items], last_key


@pytest.fixture
def start_key_walk(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many items moto's Scan compares with the page's ExclusiveStartKey."""
    walked: list[int] = []
    compare = Table._item_comes_before_dct

    def counted(self: Table, *args: object) -> bool:
        walked.append(1)
        return compare(self, *args)

    monkeypatch.setattr(Table, "_item_comes_before_dct", counted)
    yield walked


def test_moto_scan_walks_the_table_to_a_pages_start(start_key_walk: list[int]) -> None:
    backend = stocked_backend()
    table = backend.get_table("inventory")
    start = {"itemId": {"S": "item-00900"}}

    page, _, _ = original(Table, "scan")(table, {}, 10, start)

    assert [i.attrs["itemId"].value for i in page][0] == "item-00901"
    assert len(start_key_walk) > 900


def test_our_scan_starts_at_the_start_key(start_key_walk: list[int]) -> None:
    backend = stocked_backend()

    page, last_key = scan_page(backend, 10, {"itemId": {"S": "item-00900"}})

    assert page == [f"item-{n:05d}" for n in range(901, 911)]
    assert last_key["itemId"].value == "item-00910"
    assert start_key_walk == []


def test_our_scan_pages_are_moto_pages_as_items_come_and_go() -> None:
    backend = stocked_backend()
    table = backend.get_table("inventory")

    def all_pages(scan) -> list[str]:  # noqa: ANN001
        seen, start = [], None
        while True:
            items, _, start = scan(table, {}, 37, start)
            seen += [i.attrs["itemId"].value for i in items]
            if start is None:
                return seen

    ours, moto = Table.scan, original(Table, "scan")
    assert all_pages(ours) == all_pages(moto)
    backend.delete_item("inventory", {"itemId": {"S": "item-00500"}})
    backend.put_item("inventory", {"itemId": {"S": "item-00500x"}, "quantity": {"N": "1"}})
    backend.put_item("inventory", {"itemId": {"S": "a-first"}, "quantity": {"N": "1"}})
    after = all_pages(ours)
    assert after == all_pages(moto)
    assert "item-00500" not in after and {"item-00500x", "a-first"} <= set(after)
    # A key that no longer exists still marks where the next page starts.
    assert scan_page(backend, 2, {"itemId": {"S": "item-00500"}})[0] == [
        "item-00500x",
        "item-00501",
    ]


DEFINITION = json.dumps(
    {
        "StartAt": "Done",
        "States": {"Done": {"Type": "Pass", "ResultPath": "$.done", "End": True}},
    }
)


def test_moto_parses_the_definition_at_every_execution_and_we_once() -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    worker = SimpleNamespace(
        _evaluation_details=SimpleNamespace(
            state_machine_details=SimpleNamespace(definition=DEFINITION)
        )
    )
    moto_parse = original(ExecutionWorker, "_get_evaluation_entrypoint")
    assert moto_parse(worker) is not moto_parse(worker)
    ours = ExecutionWorker._get_evaluation_entrypoint
    assert ours(worker) is ours(worker)


class _Frame:
    """What moto's `_evaluate_with_timeout` and `Program.eval` use of an Environment."""

    def __init__(self) -> None:
        self.stack: list = []
        self.states = SimpleNamespace(reset=lambda input_value: None, get_input=lambda: {})

    def is_running(self) -> bool:
        return True

    def open_frame(self) -> _Frame:
        return _Frame()

    def close_frame(self, frame: _Frame) -> None:
        pass

    def set_ended(self) -> None:
        pass


def task_thread(evaluate: Callable, timeout_s: int | None) -> int:
    """The thread a task state's work ran on, evaluated by `evaluate`."""
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

    ran_on: list[int] = []

    def work(frame: _Frame) -> None:
        ran_on.append(threading.get_ident())
        frame.stack.append("result")

    state = SimpleNamespace(  # a state without TimeoutSeconds gets moto's default, as parsed
        timeout=TimeoutSeconds(timeout_s or TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS),
        _eval_execution=work,
        _is_language_query_jsonpath=lambda: True,
        assign_decl=None,
        result_selector=None,
        result_path=None,
    )
    evaluate(state, _Frame())
    return ran_on[0]


def test_moto_runs_every_task_on_a_thread_and_we_only_one_with_a_timeout() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState

    here = threading.get_ident()
    moto_evaluate = original(ExecutionState, "_evaluate_with_timeout")
    assert task_thread(moto_evaluate, None) != here
    assert task_thread(ExecutionState._evaluate_with_timeout, None) == here
    assert task_thread(ExecutionState._evaluate_with_timeout, 5) != here


def test_moto_runs_every_program_on_a_thread_and_we_only_one_with_a_timeout() -> None:
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.program.program import Program

    class OneStep(Program):
        def __init__(self, timeout_s: int | None) -> None:  # none of a parsed program's parts
            self.timeout_seconds = None if timeout_s is None else TimeoutSeconds(timeout_s)
            self.start_at = SimpleNamespace(start_at_name="Start")
            self.ran_on: list[int] = []

        def _eval_body(self, env: _Frame) -> None:
            self.ran_on.append(threading.get_ident())

    def thread_of(evaluate: Callable, program: OneStep) -> int:
        evaluate(program, _Frame())
        return program.ran_on[0]

    here = threading.get_ident()
    assert thread_of(original(Program, "eval"), OneStep(None)) != here
    assert thread_of(Program.eval, OneStep(None)) == here
    assert thread_of(Program.eval, OneStep(5)) != here


def test_moto_parses_a_json_path_at_every_use_and_we_once() -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    for module in (json_path, result_path):
        moto_parse = original(module, "parse")
        assert moto_parse("$.order.itemId") is not moto_parse("$.order.itemId")
        assert module.parse("$.order.itemId") is module.parse("$.order.itemId")
    assert json_path.extract_json("$.order.itemId", {"order": {"itemId": "a"}}) == "a"


def test_moto_builds_a_client_per_task_and_we_one_per_region_service_and_role() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        lambda_eval_utils as tasks,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials import (
        StateCredentials,
    )

    moto_client = original(tasks, "boto_client_for")
    assert moto_client("us-east-1", "lambda") is not moto_client("us-east-1", "lambda")
    role = StateCredentials(role_arn="arn:aws:iam::123456789012:role/a")
    same_role = StateCredentials(role_arn="arn:aws:iam::123456789012:role/a")
    other_role = StateCredentials(role_arn="arn:aws:iam::123456789012:role/b")
    client = tasks.boto_client_for("us-east-1", "lambda", role)
    assert tasks.boto_client_for("us-east-1", "lambda", same_role) is client
    assert tasks.boto_client_for("us-east-1", "lambda", other_role) is not client
    assert tasks.boto_client_for("eu-west-1", "lambda", role) is not client
    assert tasks.boto_client_for("us-east-1", "sns", role) is not client


def test_moto_lists_a_response_class_methods_at_every_request_and_we_once() -> None:
    from moto.core import responses
    from moto.dynamodb.responses import DynamoHandler

    moto_names = original(responses, "method_names_from_class")
    assert moto_names(DynamoHandler) is not moto_names(DynamoHandler)
    ours = responses.method_names_from_class(DynamoHandler)
    assert ours is responses.method_names_from_class(DynamoHandler)
    assert ours == moto_names(DynamoHandler) and "transact_write_items" in ours

    class Extended(DynamoHandler):
        pass

    assert "added_later" not in responses.method_names_from_class(Extended)
    Extended.added_later = lambda self: None  # as a seam adds an action moto lacks
    assert "added_later" in responses.method_names_from_class(Extended)


def test_moto_lists_its_package_folder_and_tries_every_pattern_per_request_and_we_once() -> None:
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    moto_modules = original(backends, "list_of_moto_modules")
    assert list(backends.list_of_moto_modules()) == list(moto_modules())
    assert backends.list_of_moto_modules() is backends.list_of_moto_modules()
    dispatcher = seams.moto_wsgi_app()
    moto_lookup = original(DomainDispatcherApplication, "get_backend_for_host")
    for host in ("dynamodb.us-east-1.amazonaws.com", "states.eu-west-1.amazonaws.com", "s3"):
        assert dispatcher.get_backend_for_host(host) == moto_lookup(dispatcher, host)
    info = DomainDispatcherApplication.get_backend_for_host.cache_info()
    dispatcher.get_backend_for_host("dynamodb.us-east-1.amazonaws.com")
    assert DomainDispatcherApplication.get_backend_for_host.cache_info().hits == info.hits + 1


def test_a_completion_wakes_its_waiter_even_when_it_came_first() -> None:
    completions = Completions()
    completions.done("early")  # nobody waits yet: the waiter checks the status itself
    assert not completions.expect("early").is_set()

    late = completions.expect("late")
    threading.Timer(0.05, completions.done, args=("late",)).start()
    assert late.wait(timeout=10)
    completions.forget("late")


def signed_for(service: str) -> dict[str, str]:
    scope = f"Credential=testing/20260101/us-east-1/{service}/aws4_request"
    return {"HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 {scope}, SignedHeaders=host, Signature=0"}


def test_a_services_patches_are_installed_once_before_its_first_request() -> None:
    installed: list[str] = []
    release = threading.Event()

    def slow_install() -> None:
        release.wait(timeout=10)
        installed.append("states")

    first = OnFirstRequest({"states": slow_install})
    first.before(signed_for("dynamodb"))
    first.before({})  # unsigned (the health check): nothing to install
    assert installed == []

    seen_by_second: list[list[str]] = []
    one = threading.Thread(target=first.before, args=(signed_for("states"),))
    two = threading.Thread(
        target=lambda: (first.before(signed_for("states")), seen_by_second.append(list(installed)))
    )
    one.start()
    two.start()
    release.set()
    one.join(timeout=10)
    two.join(timeout=10)
    first.before(signed_for("states"))
    assert installed == ["states"]
    assert seen_by_second == [["states"]]  # the second request waited for the installer
    assert service_of(signed_for("apigateway")) == "apigateway"


def test_what_a_services_installer_loads_is_kept_out_of_full_collections() -> None:
    class Model:  # stands for the modules and models a service's first request loads
        pass

    loaded: list[Model] = []

    def collected() -> set[int]:  # what gc walks: generations 0-2, not the permanent one
        return {id(thing) for thing in gc.get_objects()}

    OnFirstRequest({"states": lambda: loaded.extend(Model() for _ in range(100))}).before(
        signed_for("states")
    )
    assert len(loaded) == 100
    assert not {id(model) for model in loaded} & collected()
    made_later = Model()  # what requests make afterwards is collected as usual
    assert id(made_later) in collected()


# ---------------------------------------------------------------- through the local cloud


@pytest.fixture(scope="module")
def tables(cloud) -> dict[str, str]:  # noqa: ANN001
    dynamodb = cloud.client("dynamodb")
    names = {"inventory": "scale-inventory", "orders": "scale-orders"}
    for table, key in ((names["inventory"], "itemId"), (names["orders"], "orderId")):
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.1})
    return names


def cloud_order(names: dict[str, str], item_id: str, order_id: str) -> list[dict]:
    items = order_of(item_id, 1, order_id)
    items[0]["Update"]["TableName"] = names["inventory"]
    items[1]["Put"]["TableName"] = names["orders"]
    return items


def test_fifty_concurrent_transactions_for_ten_in_stock_commit_exactly_ten(cloud, tables) -> None:  # noqa: ANN001
    dynamodb = cloud.client("dynamodb", max_pool_connections=50)
    dynamodb.put_item(
        TableName=tables["inventory"], Item={"itemId": {"S": "rush"}, "quantity": {"N": "10"}}
    )

    def buy(n: int) -> str:
        try:
            dynamodb.transact_write_items(
                TransactItems=cloud_order(tables, "rush", f"rush-{n:02d}")
            )
            return "placed"
        except ClientError as error:
            reasons = error.response["CancellationReasons"]
            return f"{error.response['Error']['Code']}:{reasons[0]['Code']}"

    with ThreadPoolExecutor(50) as pool:
        outcomes = list(pool.map(buy, range(50)))

    assert outcomes.count("placed") == 10
    assert set(outcomes) == {"placed", "TransactionCanceledException:ConditionalCheckFailed"}
    stock = dynamodb.get_item(TableName=tables["inventory"], Key={"itemId": {"S": "rush"}})
    assert stock["Item"]["quantity"] == {"N": "0"}
    orders = scan_all(dynamodb, tables["orders"], limit=3)
    assert len([o for o in orders if o["orderId"]["S"].startswith("rush-")]) == 10


def scan_all(dynamodb, table: str, limit: int) -> list[dict]:  # noqa: ANN001
    items, start = [], None
    while True:
        page = dynamodb.scan(
            TableName=table, Limit=limit, **({"ExclusiveStartKey": start} if start else {})
        )
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def test_scan_pages_through_the_cloud_see_every_item_once_as_items_change(cloud, tables) -> None:  # noqa: ANN001
    dynamodb = cloud.client("dynamodb")
    keys = [f"page-{n:03d}" for n in range(120)]
    for key in keys:
        dynamodb.put_item(
            TableName=tables["inventory"], Item={"itemId": {"S": key}, "quantity": {"N": "1"}}
        )

    def page_keys() -> list[str]:
        items = scan_all(dynamodb, tables["inventory"], limit=7)
        return [i["itemId"]["S"] for i in items if i["itemId"]["S"].startswith("page-")]

    assert page_keys() == keys
    dynamodb.delete_item(TableName=tables["inventory"], Key={"itemId": {"S": "page-050"}})
    dynamodb.put_item(
        TableName=tables["inventory"], Item={"itemId": {"S": "page-050b"}, "quantity": {"N": "1"}}
    )
    # A cancelled transaction's new order is not left in the table, nor in a Scan.
    with pytest.raises(ClientError, match="TransactionCanceledException"):
        dynamodb.transact_write_items(TransactItems=cloud_order(tables, "page-999", "ghost"))
    expected = sorted([k for k in keys if k != "page-050"] + ["page-050b"])
    assert page_keys() == expected
    orders = scan_all(dynamodb, tables["orders"], limit=2)
    assert "ghost" not in {o["orderId"]["S"] for o in orders}


def test_sync_executions_answer_when_they_end_many_at_once(cloud) -> None:  # noqa: ANN001
    sfn = cloud.client("stepfunctions", max_pool_connections=16)
    arn = sfn.create_state_machine(
        name="scale-pass",
        definition=DEFINITION,
        roleArn=PASS_ONLY_ROLE,
        type="EXPRESS",
    )["stateMachineArn"]

    def run(n: int) -> dict:
        return sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({"n": n}))

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(run, range(48)))

    assert {a["status"] for a in answers} == {"SUCCEEDED"}
    assert [json.loads(a["output"]) for a in answers] == [
        {"n": n, "done": {"n": n}} for n in range(48)
    ]


def test_branches_and_iterations_run_their_programs_to_the_end(cloud) -> None:  # noqa: ANN001
    """Map iterations and Parallel branches are programs too, each on its own worker thread."""
    sfn = cloud.client("stepfunctions")
    same = {"StartAt": "Same", "States": {"Same": {"Type": "Pass", "End": True}}}
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {"Type": "Map", "ItemsPath": "$.items", "Iterator": same, "Next": "Both"},
            "Both": {"Type": "Parallel", "Branches": [same, same], "End": True},
        },
    }
    done = run_express(sfn, "scale-branches", definition, {"items": [1, 2, 3]})
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == [[1, 2, 3], [1, 2, 3]]
