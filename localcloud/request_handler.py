"""The server's request handler: moto's, plus the request's headers exactly as sent.

WSGI folds every header name into `HTTP_UPPER_CASE` and joins a repeated header's values with
commas, so an app cannot tell `day` from `Day` or two headers from one with a comma. API
Gateway passes a REST API's headers to the integration as the client sent them, so the handler
keeps the raw header lines for it in the environ.
"""

from __future__ import annotations

from typing import Any

from localcloud import seams

RAW_HEADERS_KEY = "localcloud.raw_headers"  # [(name, value), ...] in the order received


class RawHeadersRequestHandler(seams.MotoRequestHandler):
    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        # As werkzeug does for the environ: a folded header line is one value.
        environ[RAW_HEADERS_KEY] = [
            (name, value.replace("\r\n", "")) for name, value in self.headers.items()
        ]
        return environ
