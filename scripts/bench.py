#!/usr/bin/env python3
"""Benchmark the local cloud; prints one table and writes out/bench.json.

Run with `make bench` (a private local cloud is started and stopped around it). Measures:
- the Lambda runtime, for a small handler that reads one DynamoDB item: a cold invoke, warm
  invokes (p50, p95), the same handler called in-process, and a bare boto3 `get_item`;
- end to end, on the order system deployed by scripts/deploy: `POST /orders` through the
  stage's invoke URL (API Gateway -> OrderService -> Step Functions -> CheckInventory,
  CreateOrder -> DynamoDB -> SNS -> mailbox) with 1 and 8 concurrent clients, against the
  use case's 1.736 s on AWS, in rounds taken in turn with rounds of a bare `get_item` of the
  item the orders buy;
- scale, on a second stack of its own: `GET /inventory` (every page, and one page near the
  end) and a CheckInventory invoke with 100 and 10,000 items, then `POST /orders` once its
  inventory and orders tables hold 10,000 rows each, in rounds taken in turn with orders on
  the first stack, whose tables keep a few hundred rows at most;
- the whole workbook under nbval (`pytest notebooks/`), when the notebooks are there;
- start-up: a fresh local cloud's time to its first answer and its memory (RSS).
Both stacks are torn down with scripts/teardown at the end. The goal ratios (GOALS)
are printed last, each compared within this one run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore
import moto
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the workbook's helpers: stack names

from workbook.stack import StackNames  # noqa: E402

HANDLER = """
import boto3
table = boto3.resource("dynamodb").Table("bench-items")

def lambda_handler(event, context):
    return table.get_item(Key={"id": event["id"]})["Item"]["label"]
"""
TABLE = "bench-items"
ROLE_NAME = "bench-lambda-role"
PREFIX = "bench"  # the stack whose tables keep a few hundred rows at most
BIG_PREFIX = "benchbig"  # the stack whose tables grow to 10,000 rows each
ITEM = "bench-item"  # the item every timed order buys
# The use case's measurement on AWS: one order through the 5-transition workflow.
AWS_ORDER_S = 1.736
SCALES = (100, 10_000)


def require_local_cloud() -> str:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        sys.exit("AWS_ENDPOINT_URL is not set: run `make bench`, which starts a local cloud.")
    return endpoint


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds per call, `repeat` times."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def set_up(dynamodb, iam) -> str:  # noqa: ANN001
    """The bench's table and its function's role (reading that table), as on AWS: waited
    for until the table is ACTIVE."""
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 1})
    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": "a"}, "label": {"S": "Headlight"}})
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
    }
    role = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))
    read = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="read", PolicyDocument=json.dumps(read))
    return role["Role"]["Arn"]


def until_ready(call: Callable[[], object], what: str, timeout_s: float = 60) -> object:
    """`call()` once what it needs has propagated (a new role, a new policy): IAM is
    eventually consistent on AWS, and the local cloud makes clients wait the same way."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return call()
        except botocore.exceptions.ClientError as error:
            if time.monotonic() > deadline:
                sys.exit(f"{what} was still refused after {timeout_s:.0f} s: {error}")
            time.sleep(0.5)


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entry = zipfile.ZipInfo("lambda_function.py")
        entry.external_attr = 0o644 << 16  # readable by the function's user, as Lambda needs
        archive.writestr(entry, HANDLER)
    return buffer.getvalue()


def create_function(lam, role: str) -> str:  # noqa: ANN001
    name = f"bench-{uuid.uuid4().hex[:8]}"
    until_ready(
        lambda: lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role,
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": package()},
            MemorySize=128,
        ),
        "CreateFunction (the new role)",
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    return name


def invoke(lam, name: str, payload: str) -> object:  # noqa: ANN001
    answer = lam.invoke(FunctionName=name, Payload=payload)
    body = answer["Payload"].read()
    if answer.get("FunctionError"):
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": answer["FunctionError"], "Message": body.decode()}}, "Invoke"
        )
    return body


def in_process_handler() -> Callable[[dict], object]:
    namespace: dict = {}
    exec(compile(HANDLER, "lambda_function.py", "exec"), namespace)  # the same code, no worker
    return lambda event: namespace["lambda_handler"](event, None)


def lambda_figures(args: argparse.Namespace) -> dict[str, float]:
    lam, dynamodb, iam = (boto3.client(s) for s in ("lambda", "dynamodb", "iam"))
    role = set_up(dynamodb, iam)
    payload = json.dumps({"id": "a"})
    name = create_function(lam, role)
    until_ready(lambda: invoke(lam, name, payload), "The role's read policy")
    cold = []
    for _ in range(args.cold):  # each a new function, so each first invoke is a cold start
        fresh = create_function(lam, role)
        cold += timed(lambda n=fresh: invoke(lam, n, payload), 1)
    warm = timed(lambda: invoke(lam, name, payload), args.warm)
    handler = in_process_handler()
    direct = timed(lambda: handler({"id": "a"}), args.warm)
    get_item = timed(lambda: dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "a"}}), args.warm)
    figures = {
        "cold_invoke_ms": statistics.median(cold),
        "warm_invoke_p50_ms": percentile(warm, 0.5),
        "warm_invoke_p95_ms": percentile(warm, 0.95),
        "direct_call_p50_ms": percentile(direct, 0.5),
        "get_item_p50_ms": percentile(get_item, 0.5),
        "get_item_p95_ms": percentile(get_item, 0.95),
    }
    figures["ratio_warm_to_get_item"] = figures["warm_invoke_p50_ms"] / figures["get_item_p50_ms"]
    figures["ratio_cold_to_warm"] = figures["cold_invoke_ms"] / figures["warm_invoke_p50_ms"]
    return figures


def run_script(name: str, prefix: str, *options: str) -> None:
    """scripts/deploy or teardown against this cloud; their `python3` is this interpreter."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [str(REPO / "scripts" / name), "--prefix", prefix, *options],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"scripts/{name} --prefix {prefix} failed:\n{done.stdout}\n{done.stderr}")


def deploy(prefix: str) -> dict[str, Any]:
    """The order system deployed with `prefix` (scripts/deploy); its stack's outputs."""
    with tempfile.TemporaryDirectory() as out_dir:
        run_script("deploy", prefix, "--out", out_dir)
        return {**json.loads((Path(out_dir) / "stack-outputs.json").read_text()), "prefix": prefix}


def order_client(outputs: dict[str, Any]) -> Callable[[], float]:
    """A `POST /orders` through the invoke URL, for a new user and a well-stocked item;
    each call answers its latency in milliseconds."""
    url = outputs["stageUrl"].rstrip("/")
    http = requests.Session()
    http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))
    user = http.post(
        f"{url}/users", json={"name": "Bench", "email": f"bench-{uuid.uuid4().hex[:8]}@example.com"}
    ).json()["user"]["userId"]
    names = StackNames.for_prefix(outputs["prefix"])
    boto3.resource("dynamodb").Table(names.inventory_table).put_item(
        Item={"itemId": ITEM, "quantity": 1_000_000}
    )

    def order() -> float:
        started = time.perf_counter()
        answer = http.post(f"{url}/orders", json={"userId": user, "itemId": ITEM, "quantity": 1})
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 201:
            sys.exit(f"POST /orders answered {answer.status_code}: {answer.text}")
        return elapsed

    return order


def item_read(outputs: dict[str, Any]) -> Callable[[], object]:
    """A bare `get_item` of the item the orders buy, from the table CheckInventory reads."""
    table = StackNames.for_prefix(outputs["prefix"]).inventory_table
    dynamodb = boto3.client("dynamodb")
    return lambda: dynamodb.get_item(TableName=table, Key={"itemId": {"S": ITEM}})


# The 1-client and 8-client rounds are taken in turn, this many times each, each time after a
# round of bare `get_item`s taken once the cloud is quiet (the last orders' emails and logs
# written: the email goes out `email_delivery_s`, 0.2 s, after its Publish).
ROUNDS = 3
SETTLE_S = 1.0


@dataclass
class Round:
    """What the timed orders of one client count cost, over all its rounds."""

    latencies: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    cpu_s: list[float] = field(default_factory=lambda: [0.0, 0.0])  # the server, its workers


def order_figures(
    order: Callable[[], float], read: Callable[[], object], orders: int
) -> dict[str, float]:
    """POST /orders latency and throughput, 1 and 8 clients, the CPU time one order costs
    the server process and the function workers (its child processes), and a bare
    `get_item` (`read`) taken between them.

    Each goal divides two figures, and a figure taken a minute after the other can see the
    machine twice as busy: so the rounds of reads, of 1-client orders and of 8-client
    orders are taken in turn, and each figure comes from all its rounds.
    """
    server = server_pid()
    figures: dict[str, float] = {"order_cold_ms": order()}
    rounds = {1: Round(), 8: Round()}
    reads: list[float] = []
    per_round = max(1, orders // ROUNDS)
    with ThreadPoolExecutor(1) as one, ThreadPoolExecutor(8) as eight:
        clients_of = {1: one, 8: eight}
        warm_up(eight, order, 8, server)  # enough workers for 8 clients, and so for 1
        for _ in range(ROUNDS):
            time.sleep(SETTLE_S)
            reads += timed(read, per_round * 2)
            for clients, counts in rounds.items():
                cpu_before = cpu_seconds(server)
                started = time.perf_counter()
                pool = clients_of[clients]
                counts.latencies += pool.map(lambda _: order(), range(per_round * clients))
                counts.wall_s += time.perf_counter() - started
                cpu_after = cpu_seconds(server)
                for part in (0, 1):
                    counts.cpu_s[part] += cpu_after[part] - cpu_before[part]
    for clients, counts in rounds.items():
        count = len(counts.latencies)
        figures[f"order_{clients}c_p50_ms"] = percentile(counts.latencies, 0.5)
        figures[f"order_{clients}c_p95_ms"] = percentile(counts.latencies, 0.95)
        figures[f"order_{clients}c_per_s"] = count / counts.wall_s
        for part, seconds in zip(("server", "workers"), counts.cpu_s, strict=True):
            figures[f"order_{clients}c_cpu_{part}_ms"] = seconds * 1000 / count
    figures["get_item_between_orders_p50_ms"] = percentile(reads, 0.5)
    figures["ratio_order_p50_to_aws"] = figures["order_1c_p50_ms"] / (AWS_ORDER_S * 1000)
    return figures


def scale_figures(
    outputs: dict[str, Any],
    order: Callable[[], float],
    few_rows_order: Callable[[], float],
    orders: int,
) -> dict[str, float]:
    """On the stack of `outputs`: GET /inventory and CheckInventory as the inventory grows to
    10,000 items, then POST /orders (`order`) once the inventory and the orders table hold
    10,000 rows each, in rounds taken in turn with orders on a stack whose tables keep a few
    hundred rows at most (`few_rows_order`)."""
    url = outputs["stageUrl"].rstrip("/")
    names = StackNames.for_prefix(outputs["prefix"])
    table = boto3.resource("dynamodb").Table(names.inventory_table)
    lam = boto3.client("lambda")
    check = json.dumps({"itemId": "scale-00099", "quantity": 1})
    figures = {}
    existing = table.scan(Select="COUNT")["Count"]  # the seed items and the bench's own
    for size in SCALES:
        with table.batch_writer() as batch:
            for n in range(existing, size):
                batch.put_item(Item={"itemId": f"scale-{n:05d}", "quantity": 5})
        existing = size

        def page(token: str | None, limit: int = 100) -> str | None:
            answer = requests.get(
                f"{url}/inventory",
                params={"limit": limit, **({"nextToken": token} if token else {})},
                timeout=60,
            ).json()
            return answer["nextToken"]

        def all_pages() -> None:
            token = page(None)
            while token:
                token = page(token)

        figures[f"inventory_all_pages_{size}_ms"] = statistics.median(timed(all_pages, 3))
        # One page of 50 near the end of the table: where a Scan that walks to its start
        # key costs the most.
        tokens = [page(None, 50)]
        while tokens[-1]:
            tokens.append(page(tokens[-1], 50))
        deep = tokens[-3] if len(tokens) >= 3 else None  # the last full page starts there
        figures[f"inventory_page_{size}_p50_ms"] = percentile(
            timed(lambda token=deep: page(token, 50), 20), 0.5
        )
        lam.invoke(FunctionName=names.inventory_check_function, Payload=check)
        figures[f"check_inventory_{size}_p50_ms"] = percentile(
            timed(
                lambda: lam.invoke(FunctionName=names.inventory_check_function, Payload=check),
                50,
            ),
            0.5,
        )
    big = SCALES[-1]
    figures["ratio_inventory_page_big_to_small"] = (
        figures[f"inventory_page_{big}_p50_ms"] / figures[f"inventory_page_{SCALES[0]}_p50_ms"]
    )
    orders_table = boto3.resource("dynamodb").Table(names.orders_table)
    with orders_table.batch_writer() as batch:
        for n in range(big):
            batch.put_item(
                Item={
                    "orderId": f"scale-{n:05d}",
                    "userId": "scale-user",
                    "itemId": f"scale-{n:05d}",
                    "quantity": 1,
                    "status": "PLACED",
                    "createdAt": "2026-01-01T00:00:00Z",
                }
            )
    order()  # its workers are warm, as the few rows' are
    few_rows, at_scale = [], []
    per_round = max(1, orders // ROUNDS)
    for _ in range(ROUNDS):
        few_rows += [few_rows_order() for _ in range(per_round)]
        at_scale += [order() for _ in range(per_round)]
    figures["order_few_rows_p50_ms"] = percentile(few_rows, 0.5)
    figures["order_at_scale_p50_ms"] = percentile(at_scale, 0.5)
    return figures


def start_up_figures() -> dict[str, float]:
    """A fresh local cloud of its own: seconds from start to its first answer, its memory
    (RSS) then, and the first service request's time and memory (IAM's AWS managed
    policies load with the first account's backends)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "LOCALCLOUD_PORT": str(port), "LOCALCLOUD_DATA": data_dir}
        env.pop("AWS_ENDPOINT_URL", None)
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "localcloud", "serve"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    requests.get(f"{endpoint}/_localcloud/health", timeout=1)
                    break
                except requests.ConnectionError:
                    if server.poll() is not None:
                        sys.exit("The local cloud for the start-up figures did not start.")
                    time.sleep(0.01)
            figures = {"start_to_first_answer_s": time.perf_counter() - started}
            time.sleep(1)  # what it holds once started, not while it starts
            figures["rss_after_start_mib"] = rss_mib(server.pid)
            iam = boto3.client("iam", endpoint_url=endpoint)
            figures["first_request_ms"] = timed(lambda: iam.list_roles(), 1)[0]
            figures["rss_after_first_request_mib"] = rss_mib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=15)
    return figures


def warm_up(
    pool: ThreadPoolExecutor, order: Callable[[], float], clients: int, server: int
) -> None:
    """Rounds of orders from every client until a round starts no new function worker: the
    figures that follow are for warm workers (as many as the clients need at once: an
    order holds two OrderService environments), not for the cold starts of scaling up."""
    for _ in range(10):
        workers = len(descendants(server))
        list(pool.map(lambda _: order(), range(clients * 2)))
        if len(descendants(server)) == workers:
            return


def server_pid() -> int:
    """The local cloud's process id, from its health check."""
    endpoint = require_local_cloud()
    return requests.get(f"{endpoint}/_localcloud/health", timeout=5).json()["pid"]


def processes() -> dict[int, tuple[int, float]]:
    """Every process's parent and CPU time (user and system, all its threads), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        found[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return found


def descendants(pid: int, table: dict[int, tuple[int, float]] | None = None) -> list[int]:
    """The live processes started by `pid`, or by those (the Lambda runtime's workers)."""
    table = processes() if table is None else table

    def descends(process: int) -> bool:
        while process > 1:
            process = table.get(process, (0, 0.0))[0]
            if process == pid:
                return True
        return False

    return [process for process in table if descends(process)]


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds used so far by the process `pid` and by its live descendants."""
    table = processes()
    own = table.get(pid, (0, 0.0))[1]
    return own, sum(table[process][1] for process in descendants(pid, table))


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(kib) / 1024


def workbook_seconds() -> tuple[float, bool] | None:
    """Wall time of the whole workbook under strict nbval, and whether it passed."""
    if not list((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        return None
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "notebooks/"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, done.returncode == 0


# The goals each ratio is held to: (figure, at most or at least, bound). Ratios are taken
# within one run on one cloud, so they compare the local cloud with itself, not machines.
GOALS = (
    ("ratio_order_p50_to_get_item", "<=", 10),
    ("ratio_orders_per_s_8c_to_1c", ">=", 1.5),
    ("ratio_order_p50_at_scale", "<=", 1.2),
    ("ratio_inventory_page_big_to_small", "<=", 1.5),
    ("workbook_nbval_s", "<=", 40),
    ("start_to_first_answer_s", "<=", 1.5),
)


def goal_ratios(figures: dict[str, float]) -> dict[str, float]:
    """The ratios the goals are set on, from this run's figures."""
    return {
        "ratio_order_p50_to_get_item": (
            figures["order_1c_p50_ms"] / figures["get_item_between_orders_p50_ms"]
        ),
        "ratio_orders_per_s_8c_to_1c": figures["order_8c_per_s"] / figures["order_1c_per_s"],
        "ratio_order_p50_at_scale": (
            figures["order_at_scale_p50_ms"] / figures["order_few_rows_p50_ms"]
        ),
    }


def goal_lines(figures: dict[str, float]) -> list[str]:
    lines = []
    for key, relation, bound in GOALS:
        if key not in figures:
            continue
        value = figures[key]
        met = value <= bound if relation == "<=" else value >= bound
        verdict = "met" if met else "NOT met"
        lines.append(f"{key:<34}{value:>12.2f}  goal {relation} {bound}: {verdict}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warm", type=int, default=200, help="warm invokes to time")
    parser.add_argument("--cold", type=int, default=5, help="cold starts to time")
    parser.add_argument("--orders", type=int, default=30, help="orders per client to time")
    parser.add_argument("--out", type=Path, default=Path("out/bench.json"))
    args = parser.parse_args()
    endpoint = require_local_cloud()

    figures = start_up_figures()
    figures |= lambda_figures(args)
    started = time.perf_counter()
    with ThreadPoolExecutor(2) as side_by_side:
        few_rows, big = side_by_side.map(deploy, (PREFIX, BIG_PREFIX))
    figures["deploy_two_stacks_s"] = time.perf_counter() - started
    order = order_client(few_rows)
    figures |= order_figures(order, item_read(few_rows), args.orders)
    figures |= scale_figures(big, order_client(big), order, args.orders)
    with ThreadPoolExecutor(2) as side_by_side:
        list(side_by_side.map(lambda prefix: run_script("teardown", prefix), (PREFIX, BIG_PREFIX)))
    workbook = workbook_seconds()
    if workbook is not None:
        figures["workbook_nbval_s"] = workbook[0]
    figures |= goal_ratios(figures)

    report = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "moto": moto.__version__,
            "boto3": boto3.__version__,
            "botocore": botocore.__version__,
        },
        "endpoint": endpoint,
        "samples": {"cold": args.cold, "warm": args.warm, "orders_per_client": args.orders},
        "workbook_nbval_passed": workbook[1] if workbook else None,
        "figures": {k: round(v, 2) for k, v in figures.items()},
    }
    print(
        f"Local cloud benchmark ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}, moto {moto.__version__}, boto3 {boto3.__version__})"
    )
    print(f"{'measure':<34}{'value':>12}")
    for key, value in report["figures"].items():
        unit = next((u for suffix, u in UNITS if key.endswith(suffix)), "")
        print(f"{key:<34}{value:>12.2f}{unit}")
    if workbook is not None:
        print(f"{'workbook_nbval_passed':<34}{str(workbook[1]):>12}")
    print("\nGoals")
    for line in goal_lines(figures):
        print(line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.out}")


UNITS = (("_ms", " ms"), ("_per_s", " /s"), ("_mib", " MiB"), ("_s", " s"))


if __name__ == "__main__":
    main()
