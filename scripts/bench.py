#!/usr/bin/env python3
"""Benchmark the local cloud; prints one table and writes out/bench.json.

Run with `make bench` (a private local cloud is started and stopped around it). Measures:
- the Lambda runtime, for a small handler that reads one DynamoDB item: a cold invoke, warm
  invokes (p50, p95), the same handler called in-process, and a bare boto3 `get_item`;
- end to end, on the order system deployed by scripts/deploy: `POST /orders` through the
  stage's invoke URL (API Gateway -> OrderService -> Step Functions -> CheckInventory,
  CreateOrder -> DynamoDB -> SNS -> mailbox) with 1 and 8 concurrent clients, against the
  use case's 1.736 s on AWS;
- scale: `GET /inventory` (every page) and a CheckInventory invoke with 100 and 10,000 items;
- the whole workbook under nbval (`pytest notebooks/`), when the notebooks are there.
The deployed stack is torn down with scripts/teardown at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
PREFIX = "bench"
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
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
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
    return iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", HANDLER)
    return buffer.getvalue()


def create_function(lam, role: str) -> str:  # noqa: ANN001
    name = f"bench-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": package()},
        MemorySize=128,
    )
    return name


def in_process_handler() -> Callable[[dict], object]:
    namespace: dict = {}
    exec(compile(HANDLER, "lambda_function.py", "exec"), namespace)  # the same code, no worker
    return lambda event: namespace["lambda_handler"](event, None)


def lambda_figures(args: argparse.Namespace) -> dict[str, float]:
    lam, dynamodb, iam = (boto3.client(s) for s in ("lambda", "dynamodb", "iam"))
    role = set_up(dynamodb, iam)
    payload = json.dumps({"id": "a"})
    cold = []
    for _ in range(args.cold):  # each a new function, so each first invoke is a cold start
        fresh = create_function(lam, role)
        cold += timed(lambda n=fresh: lam.invoke(FunctionName=n, Payload=payload), 1)
    name = create_function(lam, role)
    lam.invoke(FunctionName=name, Payload=payload)
    warm = timed(
        lambda: lam.invoke(FunctionName=name, Payload=payload)["Payload"].read(), args.warm
    )
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


def run_script(name: str, *options: str) -> None:
    """scripts/deploy or teardown against this cloud; their `python3` is this interpreter."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [str(REPO / "scripts" / name), "--prefix", PREFIX, *options],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"scripts/{name} failed:\n{done.stdout}\n{done.stderr}")


def order_figures(outputs: dict[str, Any], orders: int) -> dict[str, float]:
    """POST /orders latency and throughput through the invoke URL, 1 and 8 clients."""
    url = outputs["stageUrl"].rstrip("/")
    http = requests.Session()
    http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))
    user = http.post(
        f"{url}/users", json={"name": "Bench", "email": f"bench-{uuid.uuid4().hex[:8]}@example.com"}
    ).json()["user"]["userId"]
    item = "bench-item"
    names = StackNames.for_prefix(PREFIX)
    boto3.resource("dynamodb").Table(names.inventory_table).put_item(
        Item={"itemId": item, "quantity": 1_000_000}
    )

    def order(_: int = 0) -> float:
        started = time.perf_counter()
        answer = http.post(f"{url}/orders", json={"userId": user, "itemId": item, "quantity": 1})
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 201:
            sys.exit(f"POST /orders answered {answer.status_code}: {answer.text}")
        return elapsed

    figures: dict[str, float] = {"order_cold_ms": order()}
    for clients in (1, 8):
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(order, range(clients)))  # every client's workers warm
            started = time.perf_counter()
            latencies = list(pool.map(order, range(orders * clients)))
            wall = time.perf_counter() - started
        figures[f"order_{clients}c_p50_ms"] = percentile(latencies, 0.5)
        figures[f"order_{clients}c_p95_ms"] = percentile(latencies, 0.95)
        figures[f"order_{clients}c_per_s"] = len(latencies) / wall
    figures["ratio_order_p50_to_aws"] = figures["order_1c_p50_ms"] / (AWS_ORDER_S * 1000)
    return figures


def scale_figures(outputs: dict[str, Any]) -> dict[str, float]:
    """GET /inventory (every page) and CheckInventory as the table grows to 10,000 items."""
    url = outputs["stageUrl"].rstrip("/")
    names = StackNames.for_prefix(PREFIX)
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

        def all_pages() -> None:
            token = None
            while True:
                page = requests.get(
                    f"{url}/inventory", params={"nextToken": token} if token else {}, timeout=60
                ).json()
                token = page["nextToken"]
                if not token:
                    return

        figures[f"inventory_all_pages_{size}_ms"] = statistics.median(timed(all_pages, 3))
        lam.invoke(FunctionName=names.inventory_check_function, Payload=check)
        figures[f"check_inventory_{size}_p50_ms"] = percentile(
            timed(
                lambda: lam.invoke(FunctionName=names.inventory_check_function, Payload=check),
                50,
            ),
            0.5,
        )
    return figures


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warm", type=int, default=200, help="warm invokes to time")
    parser.add_argument("--cold", type=int, default=5, help="cold starts to time")
    parser.add_argument("--orders", type=int, default=30, help="orders per client to time")
    parser.add_argument("--out", type=Path, default=Path("out/bench.json"))
    args = parser.parse_args()
    endpoint = require_local_cloud()

    figures = lambda_figures(args)
    with tempfile.TemporaryDirectory() as out_dir:
        started = time.perf_counter()
        run_script("deploy", "--out", out_dir)
        figures["deploy_s"] = time.perf_counter() - started
        outputs = json.loads((Path(out_dir) / "stack-outputs.json").read_text())
    figures |= order_figures(outputs, args.orders)
    figures |= scale_figures(outputs)
    run_script("teardown")
    workbook = workbook_seconds()
    if workbook is not None:
        figures["workbook_nbval_s"] = workbook[0]

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
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.out}")


UNITS = (("_ms", " ms"), ("_per_s", " /s"), ("_s", " s"))


if __name__ == "__main__":
    main()
