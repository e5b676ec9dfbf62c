"""Driving the deployed order service from outside: its HTTP API, its tables, its mail."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import boto3
import requests
from botocore.config import Config

from workbook import lookup
from workbook.mailbox import CONFIRM_LINK
from workbook.stack import StackNames

T = TypeVar("T")
HTTP_TIMEOUT_S = 60  # above the OrderService's 29 s: a slow answer is seen, not cut short


@dataclass(frozen=True)
class DeployedStack:
    """What scripts/deploy reports about the stack it built (out/stack-outputs.json)."""

    names: StackNames
    url: str  # the stage's invoke URL, without a trailing slash
    admin_key: str
    tables: list[str]
    topic_arn: str
    state_machine_arn: str
    endpoint_url: str  # the local cloud's
    region: str

    @classmethod
    def from_outputs(cls, outputs: dict[str, Any], endpoint_url: str) -> DeployedStack:
        return cls(
            names=StackNames.for_prefix(outputs["prefix"]),
            url=outputs["stageUrl"].rstrip("/"),
            admin_key=outputs["adminApiKey"],
            tables=list(outputs["tables"]),
            topic_arn=outputs["topicArn"],
            state_machine_arn=outputs["stateMachineArn"],
            endpoint_url=endpoint_url,
            region=outputs["region"],
        )

    @property
    def api_id(self) -> str:
        found = lookup.rest_api_id(self.client("apigateway"), self.names.api)
        assert found is not None, f"no REST API {self.names.api}"
        return found

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(inject_host_prefix=False),
        )

    def table(self, name: str) -> Any:
        return boto3.resource(
            "dynamodb",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).Table(name)

    # -- data, read and written as an operator would, beside the API --------------------------

    def restock(self, item_id: str, quantity: int) -> None:
        self.table(self.names.inventory_table).put_item(
            Item={"itemId": item_id, "quantity": quantity}
        )

    def stock(self, item_id: str) -> int:
        item = self.table(self.names.inventory_table).get_item(
            Key={"itemId": item_id}, ConsistentRead=True
        )["Item"]
        return int(item["quantity"])

    def stored_order(self, order_id: str) -> dict[str, Any]:
        return self.table(self.names.orders_table).get_item(
            Key={"orderId": order_id}, ConsistentRead=True
        )["Item"]

    def orders_of_item(self, item_id: str) -> list[dict[str, Any]]:
        return [o for o in scan(self.table(self.names.orders_table)) if o["itemId"] == item_id]

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every item of every table, in a stable order: equal snapshots mean nothing written."""
        return {
            name: sorted(scan(self.table(name)), key=lambda item: repr(sorted(item.items())))
            for name in self.tables
        }

    def mail(self, address: str) -> list[dict[str, str]]:
        """The messages SNS delivered to `address` (the local cloud's mailbox), oldest first,
        once the emails it had accepted are delivered (SNS delivers after Publish answers)."""
        answer = requests.get(
            f"{self.endpoint_url}/_localcloud/mail", params={"to": address, "wait": 1}, timeout=10
        )
        answer.raise_for_status()
        return answer.json()

    def confirm_subscription(self, address: str) -> None:
        """Follow the newest confirmation link SNS mailed to `address`, as its owner would."""

        def newest_link() -> str | None:
            links = [found for m in self.mail(address) for found in CONFIRM_LINK.findall(m["body"])]
            return links[-1] if links else None

        page = requests.get(wait_for(newest_link, f"a confirmation email to {address}"), timeout=10)
        assert page.status_code == 200, page.text


def scan(table: Any) -> list[dict[str, Any]]:
    items, page = [], table.scan(ConsistentRead=True)
    items += page["Items"]
    while "LastEvaluatedKey" in page:
        page = table.scan(ConsistentRead=True, ExclusiveStartKey=page["LastEvaluatedKey"])
        items += page["Items"]
    return items


class OrdersApi:
    """The order service's HTTP API, as a client calls it (one connection pool per test)."""

    def __init__(self, stack: DeployedStack) -> None:
        self.stack = stack
        self.http = requests.Session()
        # Enough pooled connections for the suite's 50 parallel clients.
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=64)
        self.http.mount("http://", adapter)

    def __enter__(self) -> OrdersApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.stack.url + path, timeout=HTTP_TIMEOUT_S, **kwargs)

    def create_user(self, name: str, email: str) -> str:
        answer = self.request("POST", "/users", json={"name": name, "email": email})
        assert answer.status_code == 201, answer.text
        return answer.json()["user"]["userId"]

    def place_order(
        self, user_id: str, item_id: str, quantity: int = 1, idempotency_key: str | None = None
    ) -> requests.Response:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        body = {"userId": user_id, "itemId": item_id, "quantity": quantity}
        return self.request("POST", "/orders", json=body, headers=headers)

    def set_status(
        self, order_id: str, user_id: str, status: str, api_key: str | None = None
    ) -> requests.Response:
        headers = {"x-api-key": api_key} if api_key else {}
        body = {"userId": user_id, "status": status}
        return self.request("PUT", f"/orders/{order_id}", json=body, headers=headers)


def wait_for(probe: Callable[[], T | None], what: str, timeout_s: float = 30) -> T:
    """Poll `probe` until it returns a truthy value; fail with `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.2)
