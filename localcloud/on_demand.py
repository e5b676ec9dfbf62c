"""Installing a service's patches when its first request arrives, not at start-up.

Some of moto's services cost a second or more to import (Step Functions' interpreter pulls
in ANTLR and, through its Batch integration, all of EC2; API Gateway's models pull in an
OpenAPI validator). A cloud that is never asked for them should not pay that to start, and a
learner waits for the first answer at every start.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from localcloud import heap

# SigV4's credential scope names the service: Credential=<key>/<date>/<region>/<service>/...
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


def service_of(environ: dict) -> str | None:
    """The service a signed request is for (`states`, `apigateway`, ...), None if unsigned."""
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else None


class OnFirstRequest:
    """Runs each service's installer once, before the first request signed for that service;
    requests that arrive meanwhile wait for it to finish."""

    def __init__(self, installers: dict[str, Callable[[], None]]) -> None:
        self._pending = dict(installers)
        self._lock = threading.Lock()

    def before(self, environ: dict) -> None:
        if not self._pending:  # everything is installed: nothing to read from the request
            return
        service = service_of(environ)
        if service not in self._pending:
            return
        with self._lock:
            install = self._pending.get(service)
            if install is not None:
                install()
                del self._pending[service]  # only once it is in place
                heap.settle()  # the modules just imported stay for good
