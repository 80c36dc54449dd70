"""Tell WebSub hubs when a subscription feed changes (W3C WebSub, section 7: the ping).

The publisher runs ``FeedChanges`` after each commit: it renders the
subscription feeds of the groups the commit touched, in every format, and
announces those whose bytes changed, once, whichever worker serves them. Archive
pages are never announced (nobody subscribes to them). Pings go out from a
background thread with retries and exponential backoff; a hub that is down is
logged and retried and never slows publishing or a request.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog.groups import Group
from ..catalog.store import View, catalog_path, connect_reader, parse_settings
from . import urls
from .document import Document
from .formats import FORMATS
from .routes import render

log = logging.getLogger(__name__)

MAX_GROUPS = 2000  # feeds checked after one commit (a settings change touches every one)
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

    def __init__(self, first_delay: float = FIRST_DELAY):
        self._first_delay = first_delay
        self._queue: list[_Ping] = []
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="feeds-websub", daemon=True)
        self._thread.start()

    def announce(self, url: str, hubs: tuple[str, ...]) -> None:
        """Schedule a ping of every hub for ``url`` (returns at once)."""
        with self._ready:
            now = time.monotonic()
            for hub in hubs:
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


class FeedChanges:
    """A publication hook: announce the subscription feeds whose bytes a commit changed."""

    def __init__(self, root: Path, announcer: Announcer):
        self.root = root
        self.announcer = announcer
        self._etags: dict[str, str] = {}
        self._commits: queue.SimpleQueue[set[str]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="feeds-websub-check", daemon=True)
        self._thread.start()

    def __call__(self, keys: set[str], version: int) -> None:
        self._commits.put(keys)

    def _run(self) -> None:
        db = None
        while True:
            keys = self._commits.get()
            try:
                while True:
                    keys |= self._commits.get_nowait()
            except queue.Empty:
                pass
            try:
                db = db or connect_reader(catalog_path(self.root))
                self._check(db, keys)
            except Exception:  # noqa: BLE001 - a check that fails must not stop the next
                log.exception("WebSub: cannot check which feeds changed")
                db = None

    def _check(self, db: object, keys: set[str]) -> None:
        with View(db, parse_settings) as view:  # type: ignore[arg-type]
            if not view.settings.hubs:
                return
            for key in sorted(self._groups(view, keys))[:MAX_GROUPS]:
                group = Group.from_key(key)
                for fmt in FORMATS:
                    path = urls.feed(group, fmt.file)
                    found = render(view, path)
                    if not isinstance(found, Document):
                        self._etags.pop(path, None)
                        continue
                    etag = hashlib.sha256(found.body).hexdigest()
                    if self._etags.get(path) != etag:
                        self._etags[path] = etag
                        self.announcer.announce(view.settings.url(path), view.settings.hubs)

    @staticmethod
    def _groups(view: View, keys: set[str]) -> set[str]:
        """Return the groups whose subscription feeds the changed keys can reach."""
        if "settings" in keys:
            return {g.key for g in view.groups()} | {"site:"}
        found = set()
        for key in keys:
            kind, _, rest = key.partition(":")
            if kind in ("group", "name"):
                found.add(rest)
            elif kind == "story":
                for (groups,) in view.db.execute("SELECT groups FROM stories WHERE id = ?",
                                                 (rest,)):
                    found.update(json.loads(groups))
        return found
