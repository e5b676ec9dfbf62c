"""The server's request handler: moto's, with connections kept alive (`keep_alive.py`), plus
the request's headers exactly as sent, and API Gateway's management quotas.

WSGI folds every header name into `HTTP_UPPER_CASE` and joins a repeated header's values with
commas, so an app cannot tell `day` from `Day` or two headers from one with a comma. API
Gateway passes a REST API's headers to the integration as the client sent them, so the handler
keeps the raw header lines for it in the environ.

API Gateway's management API (requests signed for `apigateway`; an invoke URL's requests are
not) answers HTTP 429 TooManyRequestsException over its rate quotas (`localcloud/throttling.py`).
The handler admits each such request before any app sees it, so every route counts: moto's,
and the local cloud's own (GetExport as OpenAPI 3).
"""

from __future__ import annotations

import json
import logging
import math
import os
import uuid
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from localcloud import seams, throttling
from localcloud.iam import requests
from localcloud.keep_alive import KeepAliveRequestHandler

RAW_HEADERS_KEY = "localcloud.raw_headers"  # [(name, value), ...] in the order received

TOO_MANY_REQUESTS = json.dumps({"message": "Too Many Requests"}).encode()


@cache
def _apigateway_quotas() -> throttling.RateQuotas | None:
    # One set of buckets for the server's lifetime, shared by every request's handler.
    return throttling.apigateway_quotas()


# Looked up once: `logging.getLogger` takes the logging module's lock at every call.
_WERKZEUG_LOG = logging.getLogger("werkzeug")


class RawHeadersRequestHandler(KeepAliveRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # werkzeug builds every request's line (the path decoded, a date formatted) before its
        # logger drops it: the server logs warnings only (server.py). 2-3% of the CPU an order
        # costs the server.
        if _WERKZEUG_LOG.isEnabledFor(logging.INFO):
            super().log_request(code, size)

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        # As werkzeug does for the environ: a folded header line is one value.
        environ[RAW_HEADERS_KEY] = [
            (name, value.replace("\r\n", "")) for name, value in self.headers.items()
        ]
        return environ

    def run_wsgi(self) -> None:
        retry_after_s = self._apigateway_retry_after_s()
        if retry_after_s is None:
            super().run_wsgi()
        else:
            self._too_many_requests(retry_after_s)

    def _apigateway_retry_after_s(self) -> float | None:
        """None to let the request through; seconds to wait if it is over an API Gateway
        management quota."""
        quotas = _apigateway_quotas()
        signed = requests.credential_scope(self.headers.get("Authorization", ""))
        if quotas is None or signed is None or signed.signing_name != "apigateway":
            return None
        url = urlsplit(self.path)
        # The body as read ahead: a refused request's body is then not left unread. A chunked
        # one, or one the client sends only after werkzeug's "100 Continue", is not read
        # (a refusal then answers before it is sent, and closes the connection).
        action = throttling.apigateway_action(self.command, url.path, url.query, self.request_body)
        account_id = self._account_id(signed.access_key_id)
        return quotas.retry_after_s(account_id, signed.region, action)

    def _account_id(self, access_key_id: str) -> str:
        """The account moto files the request under, found in the order moto looks
        (BaseResponse.get_current_account): MOTO_ACCOUNT_ID, an `x-moto-account-id` header,
        the account that issued the key, else moto's default account."""
        chosen = os.environ.get("MOTO_ACCOUNT_ID") or self.headers.get("x-moto-account-id")
        if chosen:
            return chosen
        owner = seams.iam_key_owner(access_key_id)
        return owner.account_id if owner is not None else seams.ACCOUNT_ID

    def _too_many_requests(self, retry_after_s: float) -> None:
        """API Gateway's TooManyRequestsException: HTTP 429, the error type in
        `x-amzn-ErrorType` (rest-json), and `Retry-After` in whole seconds (the exception's
        `retryAfterSeconds` in botocore's model of the API)."""
        self.send_response(429, "Too Many Requests")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(TOO_MANY_REQUESTS)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("x-amzn-ErrorType", "TooManyRequestsException")
        self.send_header("Retry-After", str(math.ceil(retry_after_s)))
        # As werkzeug marks every answer; left out when the connection is kept (keep_alive.py).
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(TOO_MANY_REQUESTS)
