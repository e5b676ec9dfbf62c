"""The incoming request of an invoke URL, parsed once from the WSGI environ."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

from localcloud.request_handler import RAW_HEADERS_KEY
from localcloud.tracing import new_trace_header

# DOTALL: a decoded path may hold a newline (%0A), and is still an invoke URL.
INVOKE_PATH = re.compile(r"^/restapis/([^/]+)/([^/]+)/_user_request_(/.*)?\Z", re.DOTALL)


def is_invoke_path(path: str) -> bool:
    """True for `/restapis/<api>/<stage>/_user_request_[/<path>]`."""
    return INVOKE_PATH.match(path) is not None


@dataclass
class GatewayRequest:
    api_id: str
    stage: str
    method: str
    path: str  # after the stage, decoded, "/" at least (the proxy event's `path`)
    segments: list[str]  # decoded path segments, so an encoded "/" stays inside its segment
    headers: list[tuple[str, str]]
    query: list[tuple[str, str]]
    body: bytes
    source_ip: str
    host: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    extended_id: str = field(default_factory=lambda: _extended_request_id())
    epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    def header(self, name: str) -> str | None:
        """The last value of a header, whatever its case (as API Gateway's single-value view)."""
        wanted = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == wanted:
                found = value
        return found

    def query_value(self, name: str) -> str | None:
        found = None
        for key, value in self.query:
            if key == name:
                found = value
        return found

    @property
    def content_type(self) -> str:
        """The media type without parameters; API Gateway assumes JSON when there is none."""
        raw = self.header("Content-Type") or "application/json"
        return raw.split(";", 1)[0].strip().lower()

    @property
    def request_time(self) -> str:
        """As `$context.requestTime`: 09/Apr/2015:12:34:56 +0000."""
        stamp = dt.datetime.fromtimestamp(self.epoch_ms / 1000, dt.UTC)
        return stamp.strftime("%d/%b/%Y:%H:%M:%S +0000")


def from_environ(environ: dict) -> GatewayRequest:
    # The raw URI keeps "%2F" inside a segment; PATH_INFO has already decoded it to "/".
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
    raw_path = raw.split("?", 1)[0]
    match = INVOKE_PATH.match(raw_path)
    if match is None:  # the route predicate saw the decoded path; fall back to it
        match = INVOKE_PATH.match(environ.get("PATH_INFO", ""))
    assert match is not None, "only invoke URLs are routed here"
    api_id, stage, rest = match.group(1), unquote(match.group(2)), match.group(3) or "/"
    segments = [unquote(part) for part in rest.split("/") if part]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    return GatewayRequest(
        api_id=api_id,
        stage=stage,
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        path="/" + "/".join(segments),
        segments=segments,
        headers=_with_gateway_headers(_headers(environ), environ),
        query=parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True),
        body=body,
        source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
        host=environ.get("HTTP_HOST", ""),
    )


def _headers(environ: dict) -> list[tuple[str, str]]:
    """Request headers as the client sent them (name case, order, repeats), as API Gateway
    passes them. Under a server other than ours, WSGI has lost the case: names are Title-Cased.
    """
    if RAW_HEADERS_KEY in environ:
        return list(environ[RAW_HEADERS_KEY])
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        headers.append(("-".join(part.capitalize() for part in name.split("_")), value))
    return headers


_CANONICAL = {"host": "Host", "user-agent": "User-Agent"}


def _with_gateway_headers(headers: list[tuple[str, str]], environ: dict) -> list[tuple[str, str]]:
    """The headers API Gateway adds: X-Amzn-Trace-Id to a request that lacks one (tracing on or
    off), and X-Forwarded-For (the caller's address after any the client sent), -Port, -Proto.
    It also writes Host and User-Agent itself, so their names arrive in that case.
    """
    forwarded_for = ", ".join(
        [v for k, v in headers if k.lower() == "x-forwarded-for"]
        + [environ.get("REMOTE_ADDR", "127.0.0.1")]
    )
    added = {"x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"}
    headers = [(_CANONICAL.get(k.lower(), k), v) for k, v in headers if k.lower() not in added]
    if not any(name.lower() == "x-amzn-trace-id" for name, _ in headers):
        headers.append(("X-Amzn-Trace-Id", new_trace_header()))
    return [
        *headers,
        ("X-Forwarded-For", forwarded_for),
        ("X-Forwarded-Port", str(environ.get("SERVER_PORT", ""))),
        ("X-Forwarded-Proto", environ.get("wsgi.url_scheme", "http")),
    ]


def _extended_request_id() -> str:
    """Shaped like AWS's `x-amz-apigw-id` / extendedRequestId: 12 base64 characters and "="."""
    return base64.b64encode(uuid.uuid4().bytes[:9]).decode().replace("/", "_")[:12] + "="
