"""X-Ray trace headers, as AWS services pass them along even with tracing off.

API Gateway gives each request an `X-Amzn-Trace-Id`; Lambda hands it to the handler as
`_X_AMZN_TRACE_ID`, and boto3 inside a function sends it on with every call. So one trace id
follows a request through the services, and Powertools Logger writes it as `xray_trace_id`.
With tracing on, a stage writes the trace id into its access log (`$context.xrayTraceId`) and
a state machine hands its execution's trace to the functions its tasks invoke.
"""

from __future__ import annotations

import re
import time
import uuid

_FIELD = re.compile(r"(?:^|;)\s*(Root|Sampled)=([^;]*)")


def new_trace_header() -> str:
    """A fresh `Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0` header."""
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=0"


def continue_trace(header: str | None) -> str:
    """The header a downstream call carries: the caller's trace, or a new one."""
    if not header or "Root=" not in header:
        return new_trace_header()
    return header


def trace_id(header: str | None) -> str | None:
    """The trace id (`1-5759e988-bd862e3fe1be46a994272793`): the header's Root, as X-Ray and
    Powertools' `xray_trace_id` show it."""
    fields = dict(_FIELD.findall(header or ""))
    return fields.get("Root") or None


def child_header(header: str) -> str:
    """The header a service sends downstream within the same trace: same Root and sampling
    decision, a new Parent (the calling segment)."""
    fields = dict(_FIELD.findall(header))
    sampled = fields.get("Sampled", "0")
    return f"Root={fields['Root']};Parent={uuid.uuid4().hex[:16]};Sampled={sampled}"
