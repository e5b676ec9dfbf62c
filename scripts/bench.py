#!/usr/bin/env python3
"""Benchmark the local cloud's Lambda runtime; prints a table and writes out/bench.json.

Run with `make bench` (a private local cloud is started and stopped around it). Measures,
for a small handler that reads one DynamoDB item: a cold invoke, warm invokes (p50, p95),
the same handler called in-process, and a bare boto3 `get_item` round trip.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import boto3
import botocore
import moto

HANDLER = """
import boto3
table = boto3.resource("dynamodb").Table("bench-items")

def lambda_handler(event, context):
    return table.get_item(Key={"id": event["id"]})["Item"]["label"]
"""
TABLE = "bench-items"
ROLE_NAME = "bench-lambda-role"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warm", type=int, default=200, help="warm invokes to time")
    parser.add_argument("--cold", type=int, default=5, help="cold starts to time")
    parser.add_argument("--out", type=Path, default=Path("out/bench.json"))
    args = parser.parse_args()
    endpoint = require_local_cloud()
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
    report = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "moto": moto.__version__,
            "boto3": boto3.__version__,
            "botocore": botocore.__version__,
        },
        "endpoint": endpoint,
        "samples": {"cold": args.cold, "warm": args.warm},
        "figures": {k: round(v, 2) for k, v in figures.items()},
    }
    print(
        f"Local cloud Lambda benchmark ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}, moto {moto.__version__}, boto3 {boto3.__version__})"
    )
    print(f"{'measure':<32}{'value':>10}")
    for key, value in report["figures"].items():
        unit = "" if key.startswith("ratio") else " ms"
        print(f"{key:<32}{value:>10.2f}{unit}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
