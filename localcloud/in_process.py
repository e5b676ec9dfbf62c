"""A botocore HTTP session that hands each request to a WSGI app in this same process.

moto's Step Functions interpreter calls services (an SNS publish, a DynamoDB or aws-sdk task)
with boto3 clients aimed at the server's own port: every task then pays a TCP round trip, HTTP
parsing on both sides and a server thread, all in the one process that also serves the
request that started the execution. Given to those clients, this session sends the same
signed request to the same app (IAM's guard, moto's responses and request ids see exactly
what they saw over HTTP) without the socket. (A Lambda task's Invoke goes further, straight
to the runtime: `localcloud/lambda_tasks.py`.)
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from werkzeug.test import EnvironBuilder, run_wsgi_app

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


class WsgiHttpSession:
    """Duck-types botocore's URLLib3Session (`send`, `close`) for `client._endpoint`."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def send(self, request: AWSPreparedRequest) -> AWSResponse:
        url = urlsplit(request.url)
        environ = EnvironBuilder(
            method=request.method,
            base_url=f"{url.scheme}://{url.netloc}",
            path=url.path,
            query_string=url.query,
            headers=[(name, _text(value)) for name, value in request.headers.items()],
            data=_bytes(request.body),
        ).get_environ()
        app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        try:
            content = b"".join(app_iter)
        finally:
            getattr(app_iter, "close", lambda: None)()
        status_code = int(status.split(" ", 1)[0])
        return AWSResponse(request.url, status_code, dict(headers.items()), _Body(content))

    def close(self) -> None:
        """Nothing to release: there is no connection pool."""


class _Body(io.BytesIO):
    """A response body as botocore reads one: `read(amt)` (streaming) or `stream()`."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.read()


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if hasattr(body, "read"):
        body = body.read()
    return body.encode() if isinstance(body, str) else bytes(body)
