"""Tell WebSub hubs when a feed changes (W3C WebSub, section 7: the publisher's ping).

Pings go out from a background thread with retries and exponential backoff;
a hub that is down is logged and retried and never slows or fails a request.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

ATTEMPTS = 6  # 1 + 5 retries, after 1, 2, 4, 8 and 16 seconds
FIRST_DELAY = 1.0
TIMEOUT = 5.0


@dataclass(order=True, slots=True)
class _Ping:
    due: float
    hub: str = field(compare=False)
    url: str = field(compare=False)
    attempt: int = field(default=1, compare=False)


class Announcer:
    """Queue ``hub.mode=publish`` pings for feed URLs and send them in the background."""

    def __init__(self, hubs: Callable[[], tuple[str, ...]], first_delay: float = FIRST_DELAY):
        self._hubs = hubs
        self._first_delay = first_delay
        self._queue: list[_Ping] = []
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="feeds-websub", daemon=True)
        self._thread.start()

    def announce(self, url: str) -> None:
        """Schedule a ping of every configured hub for ``url`` (returns at once)."""
        with self._ready:
            now = time.monotonic()
            for hub in self._hubs():
                if not any(p.hub == hub and p.url == url and p.attempt == 1 for p in self._queue):
                    heapq.heappush(self._queue, _Ping(now, hub, url))
            self._ready.notify()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._queue or self._queue[0].due > time.monotonic():
                    wait = self._queue[0].due - time.monotonic() if self._queue else None
                    self._ready.wait(wait)
                ping = heapq.heappop(self._queue)
            self._send(ping)

    def _send(self, ping: _Ping) -> None:
        body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": ping.url}).encode()
        request = urllib.request.Request(
            ping.hub, data=body, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                log.info("WebSub: %s told of %s (%s)", ping.hub, ping.url, response.status)
                return
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = exc
        if ping.attempt >= ATTEMPTS:
            log.error("WebSub: gave up telling %s of %s after %d attempts (%s)",
                      ping.hub, ping.url, ping.attempt, reason)
            return
        delay = self._first_delay * 2 ** (ping.attempt - 1)
        log.warning("WebSub: %s did not take the ping for %s (%s); retrying in %.0f s",
                    ping.hub, ping.url, reason, delay)
        with self._ready:
            heapq.heappush(self._queue, _Ping(time.monotonic() + delay, ping.hub, ping.url,
                                              ping.attempt + 1))
            self._ready.notify()
