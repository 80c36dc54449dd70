"""Send messages to other servers from a background thread, retrying with backoff.

WebSub pings and cache purges go out the same way: never from the thread that
publishes (a server that is down or slow must not hold up a publication), once
per change, and retried after 1, 2, 4, 8 and 16 s if the other side fails, then
given up with an error in the log.
"""

from __future__ import annotations

import heapq
import http.client
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T", bound=Hashable)
ATTEMPTS = 6  # 1 + 5 retries, after 1, 2, 4, 8 and 16 seconds
FIRST_DELAY = 1.0
TIMEOUT = 5.0  # seconds one request may take


@dataclass(order=True, slots=True)
class _Letter(Generic[T]):
    due: float
    item: T = field(compare=False)
    attempt: int = field(default=1, compare=False)


class Outbox(Generic[T]):
    """Deliver items with ``send``, which returns what it did, or raises ``OSError``,
    ``ValueError`` or ``http.client.HTTPException`` to have the item tried again."""

    def __init__(self, send: Callable[[T], str], name: str, first_delay: float = FIRST_DELAY,
                 attempts: int = ATTEMPTS):
        self._send = send
        self._name = name
        self._first_delay = first_delay
        self._attempts = attempts
        self._queue: list[_Letter[T]] = []
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=f"feeds-{name}", daemon=True)
        self._thread.start()

    def put(self, item: T, delay: float = 0.0) -> None:
        """Schedule ``item`` (returns at once); one already waiting for its first try is kept."""
        with self._ready:
            if not any(p.item == item and p.attempt == 1 for p in self._queue):
                heapq.heappush(self._queue, _Letter(time.monotonic() + delay, item))
            self._ready.notify()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._queue or self._queue[0].due > time.monotonic():
                    wait = self._queue[0].due - time.monotonic() if self._queue else None
                    self._ready.wait(wait)
                letter = heapq.heappop(self._queue)
            self._deliver(letter)

    def _deliver(self, letter: _Letter[T]) -> None:
        try:
            done = self._send(letter.item)
            log.info("%s: %s", self._name, done)
            return
        except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError: OSError
            reason = exc
        if letter.attempt >= self._attempts:
            log.error("%s: gave up on %s after %d attempts (%s)", self._name, letter.item,
                      letter.attempt, reason)
            return
        delay = self._first_delay * 2 ** (letter.attempt - 1)
        log.warning("%s: %s failed (%s); retrying in %.0f s", self._name, letter.item, reason,
                    delay)
        with self._ready:
            heapq.heappush(self._queue, _Letter(time.monotonic() + delay, letter.item,
                                                letter.attempt + 1))
            self._ready.notify()
