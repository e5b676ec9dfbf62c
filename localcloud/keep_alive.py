"""HTTP/1.1 keep-alive for the server's request handler.

werkzeug's `WSGIRequestHandler` answers every request with `Connection: close`: http.server
does not know where a request's body ends, and werkzeug drains whatever the socket still holds
after each answer (so a client sees a 413 rather than a reset). Every boto3 call then opened a
TCP connection, and the server started a thread for it.

This handler keeps a connection open when both ends of the exchange are framed exactly:
- the request has no body or a `Content-Length` one, which is read ahead here, so the next
  request line is where the body ends; werkzeug's drain then reads from that copy, never
  from the socket (it still waits on the socket, up to 10 ms, but reads nothing from it);
- the answer is not streamed (`Transfer-Encoding: chunked`) and its body had exactly the
  length its headers announced (an app that failed after the headers leaves it short);
- the client speaks HTTP/1.1 and did not ask for `Connection: close`.
Anything else is answered, and closed, as werkzeug does: a chunked body, `Expect:
100-continue` (the body comes after werkzeug's interim answer), HTTP/1.0.

A kept connection waits at most `IDLE_TIMEOUT_S` for its next request, then closes, so idle
connections do not hold threads without bound. Clients do not see it: urllib3 (boto3,
requests) checks a pooled connection before reusing it and opens a new one if the server
closed it (`HTTPConnection.is_connected`). The threads are daemons (werkzeug's
`ThreadedWSGIServer`), so a kept connection does not hold up the server's exit.
"""

from __future__ import annotations

import io
import socket
from typing import BinaryIO

from localcloud import seams

# Between requests. Long enough for a client's bursts of calls (a notebook cell, a Lambda
# handler's calls, a test) to share a connection, short enough that a quiet connection soon
# gives its thread back.
IDLE_TIMEOUT_S = 5.0

# Answers that have no body whatever their headers say (RFC 9112, section 6.3).
_BODILESS_STATUSES = frozenset({204, 304})


class KeepAliveRequestHandler(seams.MotoRequestHandler):
    request_body = b""  # the request's body when read ahead, else b"" (left to werkzeug)
    _keep_alive = False  # True while answering a request whose connection can stay open
    # The answer as it goes out: its status, the body length its headers announce, and where
    # its body starts in the bytes written to the connection.
    _status = 0
    _announced_length: int | None = None
    _body_start = 0

    def setup(self) -> None:
        super().setup()
        # An answer goes out in two writes, headers then body. On a kept connection Nagle's
        # algorithm holds the body until the client acknowledges the headers, which the
        # client delays (up to 40 ms on Linux) waiting for more: every call took ~45 ms.
        # (A closing connection flushed at once; urllib3 sets the same option on its side.)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.wfile = _CountingWriter(self.wfile)

    def handle_one_request(self) -> None:
        if self._idle_timed_out():
            self.close_connection = True
            return
        socket_input = self.rfile
        try:
            super().handle_one_request()
            if self._keep_alive and not self._answer_complete():
                self.close_connection = True
        finally:
            self.rfile = socket_input
            self.request_body = b""
            self._keep_alive = False

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        length = self._body_length()
        # http.server has already read HTTP/1.1 and `Connection` into close_connection;
        # an HTTP/1.0 client expects the close unless told otherwise.
        self._keep_alive = (
            length is not None and self.request_version == "HTTP/1.1" and not self.close_connection
        )
        self._status, self._announced_length = 0, None  # until this request's answer
        if length is not None:
            self.request_body = self.rfile.read(length)
            self.rfile = io.BytesIO(self.request_body)
        return True

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response(code, message)

    def send_header(self, keyword: str, value: str) -> None:
        name = keyword.lower()
        if name == "connection" and self._keep_alive:
            # werkzeug's `close` on every answer. Connection is hop-by-hop: the server's to
            # decide, never a WSGI app's (PEP 3333).
            return
        if name == "transfer-encoding":
            self._keep_alive = False  # a streamed answer: werkzeug's `close` goes out
        elif name == "content-length" and value.isdigit():
            self._announced_length = int(value)
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        super().end_headers()
        self._body_start = self.wfile.written

    def _body_length(self) -> int | None:
        """The request body's length when it is framed by Content-Length alone (0 without a
        body), else None."""
        if "Transfer-Encoding" in self.headers:
            return None
        if "100-continue" in self.headers.get("Expect", "").lower():
            return None
        lengths = self.headers.get_all("Content-Length", [])
        if not lengths:
            return 0
        if len(lengths) > 1 or not lengths[0].isdigit():
            return None
        return int(lengths[0])

    def _answer_complete(self) -> bool:
        """Whether the answer's body had exactly the length its headers announced."""
        if self.command == "HEAD" or self._status in _BODILESS_STATUSES:
            return True
        written = self.wfile.written - self._body_start
        return written == self._announced_length

    def _idle_timed_out(self) -> bool:
        """Wait for the next request's first byte; True if none came within
        IDLE_TIMEOUT_S. (A timeout in http.server's own read would be logged as an error.)"""
        self.connection.settimeout(IDLE_TIMEOUT_S)
        try:
            self.rfile.peek(1)  # returns at once if a pipelined request is already buffered
        except TimeoutError:
            return True
        finally:
            self.connection.settimeout(None)
        return False


class _CountingWriter(io.BufferedIOBase):
    """The connection's writer, counting the bytes written to it."""

    def __init__(self, writer: BinaryIO) -> None:
        self._writer = writer
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        count = self._writer.write(data)
        self.written += count
        return count

    def fileno(self) -> int:
        return self._writer.fileno()

    def close(self) -> None:
        self._writer.close()
        super().close()
