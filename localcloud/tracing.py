"""X-Ray trace headers, as AWS services pass them along even with tracing off.

API Gateway gives each request an `X-Amzn-Trace-Id`; Lambda hands it to the handler as
`_X_AMZN_TRACE_ID`, and boto3 inside a function sends it on with every call. So one trace id
follows a request through the services, and Powertools Logger writes it as `xray_trace_id`.
"""

from __future__ import annotations

import time
import uuid


def new_trace_header() -> str:
    """A fresh `Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0` header."""
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=0"


def continue_trace(header: str | None) -> str:
    """The header a downstream call carries: the caller's trace, or a new one."""
    if not header or "Root=" not in header:
        return new_trace_header()
    return header
