"""The Docker-free Lambda runtime: handlers run for real, with Lambda's shapes and limits."""

from __future__ import annotations

import base64
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from tests.localcloud.functions import all_log_events, deploy, wait_until_updated, zip_of
from tests.localcloud.polling import until

ECHO = """
import os, time
STARTED = time.time()
COUNT = 0

def lambda_handler(event, context):
    global COUNT
    COUNT += 1
    print("event", event)
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {
        "event": event,
        "count": COUNT,
        "pid": os.getpid(),
        "started": STARTED,
        "env": {k: os.environ.get(k) for k in (
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION",
            "_HANDLER", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_ENDPOINT_URL", "GREETING")},
        "context": {
            "aws_request_id": context.aws_request_id,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
        },
    }
"""


@pytest.fixture(scope="module")
def lam(cloud):  # noqa: ANN001, ANN201
    return cloud.client("lambda", retries={"max_attempts": 1})


@pytest.fixture(scope="module")
def echo(lam) -> str:  # noqa: ANN001
    return deploy(
        lam, ECHO, MemorySize=256, Timeout=5, Environment={"Variables": {"GREETING": "hi"}}
    )


def invoke(lam, name: str, event: object = None, **kwargs) -> tuple[dict, object]:  # noqa: ANN001
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}), **kwargs)
    return response, json.loads(response["Payload"].read() or "null")


def test_handler_gets_event_context_and_lambda_environment(lam, echo, cloud) -> None:  # noqa: ANN001
    response, body = invoke(lam, echo, {"hello": "world"})
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert body["event"] == {"hello": "world"}
    context, env = body["context"], body["env"]
    assert context["function_name"] == echo and context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"].endswith(f":function:{echo}")
    assert context["memory_limit_in_mb"] == "256"
    assert context["log_group_name"] == f"/aws/lambda/{echo}"
    assert 0 < context["remaining"] <= 5000
    assert len(context["aws_request_id"]) == 36
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == echo and env["AWS_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "lambda_function.lambda_handler"
    assert env["AWS_ENDPOINT_URL"] == cloud.endpoint_url and env["GREETING"] == "hi"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == context["log_stream_name"]


def test_warm_worker_is_reused_and_cold_start_reported_once(lam, echo) -> None:  # noqa: ANN001
    first = invoke(lam, echo, LogType="Tail")
    second = invoke(lam, echo, LogType="Tail")
    assert second[1]["pid"] == first[1]["pid"]
    assert second[1]["count"] == first[1]["count"] + 1
    assert second[1]["started"] == first[1]["started"]  # module code ran once
    tail = base64.b64decode(second[0]["LogResult"]).decode()
    assert "Init Duration" not in tail
    fresh = deploy(lam, ECHO)
    cold_tail = base64.b64decode(invoke(lam, fresh, LogType="Tail")[0]["LogResult"]).decode()
    assert "Init Duration:" in cold_tail


def test_log_tail_and_log_group_hold_start_end_report(lam, echo, cloud) -> None:  # noqa: ANN001
    response, body = invoke(lam, echo, {"marker": "tail-test"}, LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    request_id = body["context"]["aws_request_id"]
    assert f"START RequestId: {request_id} Version: $LATEST" in tail
    assert "event {'marker': 'tail-test'}" in tail
    assert f"END RequestId: {request_id}" in tail
    report = next(line for line in tail.splitlines() if line.startswith("REPORT"))
    for field in ("Duration:", "Billed Duration:", "Memory Size: 256 MB", "Max Memory Used:"):
        assert field in report
    logs = cloud.client("logs")

    def reported() -> bool:  # log events arrive in CloudWatch Logs a moment later
        events = all_log_events(logs, logGroupName=f"/aws/lambda/{echo}")
        return any(e["message"].startswith(f"REPORT RequestId: {request_id}") for e in events)

    assert until(reported)
    assert "LogResult" not in lam.invoke(FunctionName=echo)  # only with LogType=Tail


def test_each_log_line_is_stamped_when_the_function_writes_it(lam, echo, cloud) -> None:  # noqa: ANN001
    before_ms = int(time.time() * 1000)
    _, body = invoke(lam, echo, {"sleep": 0.5})  # prints "event ...", then sleeps
    request_id = body["context"]["aws_request_id"]
    logs = cloud.client("logs")

    def invocation() -> dict[str, int] | None:  # each line's first word, with its timestamp
        events = all_log_events(logs, logGroupName=f"/aws/lambda/{echo}", startTime=before_ms)
        mine = [e for e in events if request_id in e["message"] or e["message"].startswith("event")]
        stamps = {e["message"].split()[0]: e["timestamp"] for e in mine}
        return stamps if "REPORT" in stamps else None

    stamps = until(invocation)
    assert stamps["START"] <= stamps["event"] <= stamps["END"] == stamps["REPORT"]
    # Written before the handler slept, the line is not stamped with the invocation's end.
    assert stamps["END"] - stamps["event"] >= 400


def test_log_tail_is_the_last_4_kb(lam) -> None:  # noqa: ANN001
    name = deploy(lam, "def lambda_handler(e, c):\n    print('x' * 10000)\n")
    tail = base64.b64decode(lam.invoke(FunctionName=name, LogType="Tail")["LogResult"])
    assert len(tail) == 4096 and tail.rstrip().splitlines()[-1].startswith(b"REPORT")


def test_update_code_and_configuration_start_fresh_workers(lam, echo) -> None:  # noqa: ANN001
    name = deploy(lam, ECHO)
    pid = invoke(lam, name)[1]["pid"]
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"GREETING": "new"}}
    )
    wait_until_updated(lam, name)
    body = invoke(lam, name)[1]
    assert body["pid"] != pid and body["env"]["GREETING"] == "new" and body["count"] == 1
    lam.update_function_code(
        FunctionName=name,
        ZipFile=zip_of({"lambda_function.py": "def lambda_handler(e, c):\n    return 'v2'\n"}),
    )
    wait_until_updated(lam, name)
    assert invoke(lam, name)[1] == "v2"


def test_handler_exception_is_unhandled_error(lam) -> None:  # noqa: ANN001
    name = deploy(lam, "def lambda_handler(e, c):\n    raise ValueError('bad order')\n")
    response, body = invoke(lam, name, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "bad order"
    assert any("lambda_function.py" in frame for frame in body["stackTrace"])
    assert "[ERROR] ValueError: bad order" in base64.b64decode(response["LogResult"]).decode()


@pytest.mark.parametrize(
    ("source", "handler", "error_type", "message"),
    [
        (
            "import not_a_module\n",
            None,
            "Runtime.ImportModuleError",
            "Unable to import module 'lambda_function': No module named 'not_a_module'",
        ),
        (
            "def other(e, c):\n    pass\n",
            None,
            "Runtime.HandlerNotFound",
            "Handler 'lambda_handler' missing on module 'lambda_function'",
        ),
        (
            "def lambda_handler(e, c)\n    pass\n",
            None,
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'lambda_function'",
        ),
        (
            "def lambda_handler(e, c):\n    pass\n",
            "missing.lambda_handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'missing'",
        ),
    ],
)
def test_broken_code_gets_runtime_errors_and_cloud_keeps_serving(
    lam,
    echo,
    source,
    handler,
    error_type,
    message,  # noqa: ANN001
) -> None:
    config = {"Handler": handler} if handler else {}
    name = deploy(lam, source, **config)
    response, body = invoke(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == error_type and body["errorMessage"].startswith(message)
    assert "FunctionError" not in invoke(lam, echo)[0]


def test_timeout_kills_the_worker(lam) -> None:  # noqa: ANN001
    name = deploy(lam, ECHO, Timeout=1)
    pid = invoke(lam, name)[1]["pid"]
    started = time.monotonic()
    response, body = invoke(lam, name, {"sleep": 30}, LogType="Tail")
    assert time.monotonic() - started < 5
    assert response["FunctionError"] == "Unhandled"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert "Task timed out after 1.00 seconds" in base64.b64decode(response["LogResult"]).decode()
    after = invoke(lam, name)[1]
    assert after["pid"] != pid and after["count"] == 1  # a fresh worker


def test_result_that_is_not_json_is_a_marshal_error(lam) -> None:  # noqa: ANN001
    name = deploy(lam, "def lambda_handler(e, c):\n    return {1, 2}\n")
    response, body = invoke(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.MarshalError"
    assert body["errorMessage"].startswith("Unable to marshal response: Object of type set")


def test_oversized_payload_and_unknown_function_are_refused(lam, echo) -> None:  # noqa: ANN001
    with pytest.raises(ClientError) as too_large:
        lam.invoke(FunctionName=echo, Payload=json.dumps({"blob": "x" * (7 * 1024 * 1024)}))
    assert too_large.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert too_large.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="no-such-function")
    assert "FunctionError" not in invoke(lam, echo)[0]


def test_event_and_dry_run_invocation_types(lam, cloud) -> None:  # noqa: ANN001
    name = deploy(lam, "def lambda_handler(e, c):\n    print('ran', e['tag'])\n")
    assert lam.invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204
    assert (
        lam.invoke(FunctionName=name, InvocationType="Event", Payload='{"tag": "async"}')[
            "StatusCode"
        ]
        == 202
    )
    logs = cloud.client("logs")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        group = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]
        messages = (
            [e["message"] for e in all_log_events(logs, logGroupName=group[0]["logGroupName"])]
            if group
            else []
        )
        if "ran async" in messages:
            break
        time.sleep(0.1)
    assert "ran async" in messages
    assert sum(m.startswith("START") for m in messages) == 1  # DryRun ran nothing


def test_concurrent_invokes_get_their_own_workers(lam) -> None:  # noqa: ANN001
    name = deploy(lam, ECHO)
    with ThreadPoolExecutor(4) as pool:
        pids = set(pool.map(lambda _: invoke(lam, name, {"sleep": 0.5})[1]["pid"], range(4)))
    assert len(pids) == 4


def test_invokes_waiting_on_their_own_nested_invokes_beyond_the_cap_finish(lam) -> None:  # noqa: ANN001
    """Every capped worker held by an invoke that waits for a nested invoke of the same
    function (OrderService waiting for a workflow that runs its CreateOrder): the nested ones
    run on extra workers instead of queueing behind their callers for ever."""
    source = """
    import json, os, boto3
    lam = boto3.client("lambda")
    def lambda_handler(event, context):
        if event.get("nested"):
            return "inner"
        answer = lam.invoke(FunctionName=os.environ["AWS_LAMBDA_FUNCTION_NAME"],
                            Payload=json.dumps({"nested": True}))
        return json.loads(answer["Payload"].read())
    """
    name = deploy(lam, source, Timeout=60)
    callers = 20  # more than LOCALCLOUD_MAX_WORKERS (16), each holding a worker while it waits
    with ThreadPoolExecutor(callers) as pool:
        results = list(pool.map(lambda _: invoke(lam, name), range(callers)))
    assert [result for _, result in results] == ["inner"] * callers


def test_reserved_concurrency_throttles(lam, cloud) -> None:  # noqa: ANN001
    name = deploy(lam, ECHO)
    invoke(lam, name)  # warm, so the invokes below overlap for the whole sleep
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)

    def call(_: int) -> str:
        try:
            invoke(lam, name, {"sleep": 2})
            return "ok"
        except ClientError as error:
            return error.response["Error"]["Code"]

    with ThreadPoolExecutor(3) as pool:
        outcomes = sorted(pool.map(call, range(3)))
    assert outcomes.count("ok") == 1 and outcomes.count("TooManyRequestsException") == 2
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        lam.invoke(FunctionName=name)


def test_layers_are_on_the_import_path(lam) -> None:  # noqa: ANN001
    layer = lam.publish_layer_version(
        LayerName="greeting-layer",
        Content={"ZipFile": zip_of({"python/greeting.py": "WORD = 'from a layer'\n"})},
        CompatibleRuntimes=["python3.11"],
    )["LayerVersionArn"]
    name = deploy(
        lam,
        "import greeting\ndef lambda_handler(e, c):\n    return greeting.WORD\n",
        Layers=[layer],
    )
    assert invoke(lam, name)[1] == "from a layer"


def test_handler_boto3_reaches_the_local_cloud(lam, cloud) -> None:  # noqa: ANN001
    dynamodb = cloud.client("dynamodb")
    dynamodb.create_table(
        TableName="runtime-items",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.get_waiter("table_exists").wait(TableName="runtime-items", WaiterConfig={"Delay": 1})
    dynamodb.put_item(TableName="runtime-items", Item={"id": {"S": "a"}, "n": {"N": "4"}})
    source = """
    import boto3
    table = boto3.resource("dynamodb").Table("runtime-items")
    def lambda_handler(e, c):
        return int(table.get_item(Key={"id": e["id"]})["Item"]["n"])
    """
    assert invoke(lam, deploy(lam, source), {"id": "a"})[1] == 4


def test_lambda_metrics_reach_cloudwatch(lam, cloud) -> None:  # noqa: ANN001
    name = deploy(lam, "def lambda_handler(e, c):\n    if e.get('fail'): raise RuntimeError('x')\n")
    invoke(lam, name)
    invoke(lam, name, {"fail": True})
    cloudwatch = cloud.client("cloudwatch")
    now = time.time()

    def total(metric: str) -> float:
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName=metric,
            Dimensions=[{"Name": "FunctionName", "Value": name}],
            StartTime=now - 600,
            EndTime=now + 60,
            Period=60,
            Statistics=["Sum", "SampleCount"],
        )["Datapoints"]
        return sum(p["Sum"] for p in points)

    assert until(lambda: total("Invocations") == 2)  # datapoints arrive a moment later
    assert total("Errors") == 1
    assert total("Duration") > 0
    assert total("ConcurrentExecutions") >= 2


def test_max_memory_used_is_the_workers_own(lam) -> None:  # noqa: ANN001
    source = """
    def lambda_handler(event, context):
        block = bytearray(event["mb"] * 1024 * 1024)
        return len(block)
    """
    name = deploy(lam, source, MemorySize=512)

    def max_used(mb: int) -> int:
        tail = base64.b64decode(invoke(lam, name, {"mb": mb}, LogType="Tail")[0]["LogResult"])
        report = next(line for line in tail.decode().splitlines() if line.startswith("REPORT"))
        return int(report.split("Max Memory Used: ")[1].split(" MB")[0])

    small = max_used(1)
    assert small < 100  # not the server's size, which the worker was forked from
    assert max_used(200) >= small + 190


def test_invoke_answer_carries_the_invocations_request_id(lam) -> None:  # noqa: ANN001
    name = deploy(lam, "def lambda_handler(e, c):\n    return c.aws_request_id\n")
    response = lam.invoke(FunctionName=name, LogType="Tail")
    request_id = json.loads(response["Payload"].read())
    assert response["ResponseMetadata"]["RequestId"] == request_id
    assert f"REPORT RequestId: {request_id}" in base64.b64decode(response["LogResult"]).decode()


@pytest.mark.parametrize(
    ("source", "status"),
    [
        ("import os\ndef lambda_handler(e, c):\n    print('bye')\n    os._exit(3)\n", 3),
        ("import sys\nsys.exit(2)\n", 2),  # during init
    ],
)
def test_a_process_that_exits_is_a_runtime_exit_error(lam, echo, source, status) -> None:  # noqa: ANN001
    name = deploy(lam, source)
    response, body = invoke(lam, name, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith(f"Runtime exited with error: exit status {status}")
    assert "Runtime.ExitError" in base64.b64decode(response["LogResult"]).decode()
    assert "FunctionError" not in invoke(lam, echo)[0]  # the cloud keeps serving
