"""The server keeps HTTP/1.1 connections alive when a request's and its answer's bodies are
framed exactly, and closes them otherwise, as werkzeug closes every one
(`localcloud/keep_alive.py`)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import psutil
import pytest
import requests
from botocore.exceptions import ClientError
from werkzeug.serving import make_server

from localcloud import seams
from localcloud.keep_alive import IDLE_TIMEOUT_S
from localcloud.request_handler import RawHeadersRequestHandler
from tests.conftest import REPO, LocalCloud, free_port
from tests.localcloud.test_apigateway_quotas import NO_RETRIES, deployable_api

DYNAMODB_HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "DynamoDB_20120810.DescribeTable",
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/"
    "aws4_request, SignedHeaders=host, Signature=0",
}


def address(cloud: LocalCloud) -> tuple[str, int]:
    host, port = cloud.endpoint_url.removeprefix("http://").split(":")
    return host, int(port)


def describe_table_request(table: str) -> bytes:
    """A raw HTTP/1.1 DescribeTable request: its body names the table, and so does the
    ResourceNotFoundException it is answered with."""
    body = json.dumps({"TableName": table}).encode()
    headers = {**DYNAMODB_HEADERS, "Host": "localhost", "Content-Length": str(len(body))}
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"POST / HTTP/1.1\r\n{head}\r\n".encode() + body


def read_answer(reader: BinaryIO) -> tuple[int, dict[str, str], bytes]:
    """One answer framed by Content-Length: status, headers (lower-cased names), body."""
    status = int(reader.readline().split()[1])
    headers = {}
    while (line := reader.readline().decode()) != "\r\n":
        name, value = line.split(":", 1)
        headers[name.lower()] = value.strip()
    return status, headers, reader.read(int(headers["content-length"]))


def server_closes(sock: socket.socket) -> bool:
    """Whether the server closes the connection (EOF) rather than keeping it open."""
    sock.settimeout(2)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False


def cloud_connections(cloud: LocalCloud) -> set[int]:
    """This process's open connections to the cloud, by local port."""
    port = address(cloud)[1]
    return {
        c.laddr.port
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    }


@contextmanager
def new_connections(cloud: LocalCloud) -> Iterator[set[int]]:
    """The connections to the cloud opened (and still open) within the block."""
    before = cloud_connections(cloud)
    opened: set[int] = set()
    yield opened
    opened.update(cloud_connections(cloud) - before)


def request_counter(client: Any) -> Callable[[], int]:
    """A counter of the requests the boto3 `client` sends, retries included."""
    sent: list[str] = []
    client.meta.events.register("before-send", lambda **_: sent.append("sent"))
    return lambda: len(sent)


def test_requests_on_one_connection_are_answered_on_it(cloud) -> None:  # noqa: ANN001
    connection = http.client.HTTPConnection(*address(cloud), timeout=10)
    ports = set()
    for _ in range(5):
        connection.request("GET", "/_localcloud/health")
        answer = connection.getresponse()
        assert answer.status == 200 and json.loads(answer.read())["pid"]
        assert answer.getheader("Connection") is None and not answer.will_close
        ports.add(connection.sock.getsockname()[1])
    assert len(ports) == 1
    connection.close()


def test_a_boto3_client_reuses_its_connection(cloud) -> None:  # noqa: ANN001
    dynamodb = cloud.client("dynamodb")
    table = f"keep-alive-{uuid.uuid4().hex[:8]}"
    with new_connections(cloud) as opened:
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1})
        for n in range(10):
            dynamodb.put_item(TableName=table, Item={"id": {"S": str(n)}})
        item = dynamodb.get_item(TableName=table, Key={"id": {"S": "7"}})["Item"]
    assert item == {"id": {"S": "7"}}
    assert len(opened) == 1  # werkzeug alone: a connection per call, each closed at once


def test_a_body_ends_where_the_next_request_begins(cloud) -> None:  # noqa: ANN001
    # Both requests in one write, as a pipelining client sends them: werkzeug's drain after
    # the first answer finds the second in the socket, and must leave it for the next read.
    with socket.create_connection(address(cloud), timeout=10) as sock:
        sock.sendall(describe_table_request("first") + describe_table_request("second"))
        reader = sock.makefile("rb")
        for table in ("first", "second"):
            status, headers, body = read_answer(reader)
            assert status == 400 and "connection" not in headers
            assert (
                json.loads(body)["message"]
                == f"Requested resource not found: Table: {table} not found"
            )
        sock.sendall(describe_table_request("third"))
        assert b"Table: third not found" in read_answer(reader)[2]


def test_a_chunked_request_is_answered_and_closes(cloud) -> None:  # noqa: ANN001
    connection = http.client.HTTPConnection(*address(cloud), timeout=10)
    body = iter([b'{"TableName": ', b'"chunked"}'])
    connection.request("POST", "/", body=body, headers=DYNAMODB_HEADERS, encode_chunked=True)
    answer = connection.getresponse()
    assert answer.status == 400 and b"Table: chunked not found" in answer.read()
    assert answer.getheader("Connection") == "close"
    connection.close()


@pytest.mark.parametrize(
    "request_head",
    [
        b"GET /_localcloud/health HTTP/1.0\r\n\r\n",
        b"GET /_localcloud/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        b"GET /_localcloud/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    ],
    ids=["http-1.0", "http-1.0-keep-alive", "connection-close"],
)
def test_a_client_that_expects_the_close_gets_it(cloud, request_head: bytes) -> None:  # noqa: ANN001
    with socket.create_connection(address(cloud), timeout=10) as sock:
        sock.sendall(request_head)
        reader = sock.makefile("rb")
        status, headers, _ = read_answer(reader)
        assert status == 200 and headers["connection"] == "close"
        assert server_closes(sock)


def test_an_api_gateway_refusal_keeps_the_connection(cloud) -> None:  # noqa: ANN001
    apigw = cloud.client("apigateway", region="il-central-1", **NO_RETRIES)
    with new_connections(cloud) as opened:
        api_id = deployable_api(apigw)
        apigw.create_deployment(restApiId=api_id, stageName="dev")
        with pytest.raises(ClientError) as throttled:
            apigw.create_deployment(restApiId=api_id, stageName="dev")
        assert len(apigw.get_deployments(restApiId=api_id)["items"]) == 1
    answer = throttled.value.response
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert "connection" not in answer["ResponseMetadata"]["HTTPHeaders"]
    assert len(opened) == 1  # the call after the refusal went over the same connection


def test_an_idle_connection_is_closed_and_clients_do_not_notice(cloud) -> None:  # noqa: ANN001
    dynamodb = cloud.client("dynamodb")
    calls = request_counter(dynamodb)
    session = requests.Session()
    health = f"{cloud.endpoint_url}/_localcloud/health"
    with socket.create_connection(address(cloud), timeout=10) as sock:
        sock.sendall(b"GET /_localcloud/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert read_answer(sock.makefile("rb"))[0] == 200
        dynamodb.list_tables()
        session.get(health, timeout=10).raise_for_status()
        assert not server_closes(sock)  # kept...
        time.sleep(IDLE_TIMEOUT_S)
        assert server_closes(sock)  # ...until idle for IDLE_TIMEOUT_S
    # urllib3 sees its pooled connections were closed and opens new ones: no error, no retry.
    before = calls()
    assert "TableNames" in dynamodb.list_tables()
    assert calls() == before + 1
    assert session.get(health, timeout=10).json()["pid"]


def test_the_server_stops_at_once_with_idle_connections(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "LOCALCLOUD_PORT": str(port), "LOCALCLOUD_DATA": str(tmp_path)}
    env.pop("AWS_ENDPOINT_URL", None)
    with open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "localcloud", "serve"], cwd=REPO, env=env, stdout=log, stderr=log
        )
    try:
        wait_until_up(
            server, f"http://127.0.0.1:{port}/_localcloud/health", tmp_path / "server.log"
        )
        kept = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(4)]
        for connection in kept:
            connection.request("GET", "/_localcloud/health")
            assert connection.getresponse().read() and connection.sock  # kept open
        server.terminate()
        # Sooner than the kept connections' idle timeout: they do not hold the server up.
        assert server.wait(timeout=IDLE_TIMEOUT_S - 1) == 0  # its SIGTERM handler's exit
        assert all(server_closes(c.sock) for c in kept)
    finally:
        server.kill()
        server.wait()


def wait_until_up(server: subprocess.Popen, health: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while server.poll() is None and time.monotonic() < deadline:
        try:
            requests.get(health, timeout=1).raise_for_status()
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError(f"the server did not start:\n{log.read_text()}")


# werkzeug's own handler, beside ours, on a werkzeug server with a small app of the test's.


@contextmanager
def werkzeug_server(handler: type, app: Callable) -> Iterator[tuple[str, int]]:
    # A subclass each: werkzeug sets protocol_version on the handler class it is given.
    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=type("H", (handler,), {})
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address
    finally:
        server.shutdown()
        server.server_close()


def hello(environ: dict, start_response: Callable) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


def test_werkzeug_closes_every_connection() -> None:
    with werkzeug_server(seams.MotoRequestHandler, hello) as where:
        connection = http.client.HTTPConnection(*where, timeout=5)
        connection.request("GET", "/")
        answer = connection.getresponse()
        assert answer.read() == b"hello" and answer.getheader("Connection") == "close"
        assert answer.will_close


def test_an_answer_cut_short_closes_the_connection() -> None:
    def fails_after_the_headers(environ: dict, start_response: Callable) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Length", "10")])
        yield b"12345"
        raise RuntimeError("the app failed half-way")

    with werkzeug_server(RawHeadersRequestHandler, fails_after_the_headers) as where:
        connection = http.client.HTTPConnection(*where, timeout=2)
        connection.request("GET", "/")
        answer = connection.getresponse()
        # Closed at once: kept open, the client would wait for the 5 missing bytes.
        with pytest.raises(http.client.IncompleteRead):
            answer.read()


def test_a_streamed_answer_closes_and_a_bodiless_one_keeps() -> None:
    def streamed_or_empty(environ: dict, start_response: Callable) -> list[bytes]:
        if environ["PATH_INFO"] == "/empty":
            start_response("204 No Content", [])
            return []
        start_response("200 OK", [])  # no Content-Length: werkzeug sends it chunked
        return [b"one", b"two"]

    with werkzeug_server(RawHeadersRequestHandler, streamed_or_empty) as where:
        connection = http.client.HTTPConnection(*where, timeout=5)
        connection.request("GET", "/empty")
        empty = connection.getresponse()
        assert empty.status == 204 and empty.read() == b"" and not empty.will_close
        connection.request("GET", "/streamed")
        streamed = connection.getresponse()
        assert streamed.read() == b"onetwo" and streamed.getheader("Connection") == "close"


def test_answers_are_not_held_back_by_nagles_algorithm() -> None:
    # Headers and body are two writes: with Nagle's algorithm on, a kept connection's body
    # waited for the client's delayed acknowledgement of the headers (~40 ms a call).
    def nodelay(environ: dict, start_response: Callable) -> list[bytes]:
        option = environ["werkzeug.socket"].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        start_response("200 OK", [("Content-Length", "1")])
        return [str(option).encode()]

    with werkzeug_server(RawHeadersRequestHandler, nodelay) as where:
        connection = http.client.HTTPConnection(*where, timeout=5)
        connection.request("GET", "/")
        assert connection.getresponse().read() == b"1"
