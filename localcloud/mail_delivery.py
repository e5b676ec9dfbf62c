"""SNS email delivery after Publish has answered, as on AWS.

"When a messageId is returned, the message is saved and Amazon SNS immediately delivers it
to subscribers" (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html): the answer
does not wait for the delivery. Deliveries run on one thread, in the order they were
accepted: writing an email costs well under a millisecond of CPU, more threads would only
contend for the GIL on two cores, and one thread keeps every mailbox in publication order.
Each waits `delay_s` from its acceptance first (LOCALCLOUD_REALISM's `email_delivery_s`),
since email takes a moment to arrive on AWS too, and a client that reads a mailbox right
after Publish should find out here. A delivery that fails is logged to the server's log.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

# How long stopping the server waits for accepted emails to be written (`localcloud stop`
# kills the server after 10 s).
DRAIN_TIMEOUT_S = 5.0


class DeliveryQueue:
    """Runs deliveries on one background thread, in order, each `delay_s` after it came."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self._accepted: queue.SimpleQueue[tuple[float, str, Callable[[], None]] | None] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()  # submit and stop: nothing is queued after the end mark
        self._closed = False
        self._draining = threading.Event()  # stopping: deliver the rest without the delay
        self._thread = threading.Thread(target=self._run, name="sns-email-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, delivery: Callable[[], None], what: str) -> None:
        """Deliver later (`what` names it in the log if it fails); returns at once."""
        with self._lock:
            if not self._closed:
                self._accepted.put((time.monotonic() + self.delay_s, what, delivery))
                return
        _deliver(what, delivery)  # accepted while the server stops: at once, on this thread

    def wait_until_written(self, timeout_s: float) -> bool:
        """Wait until every delivery accepted before this call has run; False if `timeout_s`
        passed first. (A mailbox reader that looks "a moment later", without guessing how long.)"""
        done = threading.Event()
        with self._lock:
            if self._closed:
                return True  # deliveries now run at once, on the submitting thread
            self._accepted.put((0.0, "", done.set))  # due at once, but behind all the others
        return done.wait(timeout_s)

    def stop(self, timeout_s: float = DRAIN_TIMEOUT_S) -> None:
        """Deliver everything accepted so far, then end the thread; waits up to `timeout_s`."""
        with self._lock:
            self._closed = True
            self._accepted.put(None)
        self._draining.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            # Still queued, plus the one being written, less the end mark.
            log.error(
                "SNS email: %d accepted emails not yet written %.0f s after stopping: lost",
                self._accepted.qsize(),
                timeout_s,
            )

    def _run(self) -> None:
        while (accepted := self._accepted.get()) is not None:
            due, what, delivery = accepted
            if (left := due - time.monotonic()) > 0:
                self._draining.wait(left)
            _deliver(what, delivery)


def _deliver(what: str, delivery: Callable[[], None]) -> None:
    try:
        delivery()
    except Exception:  # one failed delivery must not stop the others
        # On AWS a failed email delivery is retried, then dropped; here it is not retried
        # (a local disk that refused once will refuse again) but it is never silent.
        log.exception("SNS email: could not deliver %s", what)
