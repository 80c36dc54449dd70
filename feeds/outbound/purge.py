"""Purge what each publication changed from the shared caches in front of the site.

The publisher runs ``CachePurge`` after each commit. It maps the catalogue keys
the commit changed to surrogate keys (``surrogates.purge_keys``) and sends them,
in the surrogate key header, to every cache named in ``purge:`` (Varnish with
vmod xkey, Fastly...), from a background thread per cache, with retries, once
per change: a cache that is down or slow never holds up publishing, a request,
or the other caches.

A purge waits ``PURGE_DELAY`` after the commit: a cache that refetches a purged
document at once must find every serving worker already on the new version
(they look every 20 ms), or it would keep the old bytes for its whole
``s-maxage``. Commits within that wait are purged together.
"""

from __future__ import annotations

import logging
import sqlite3
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..catalog.store import meta, parse_settings, transaction
from ..catalog.store.listing import groups_of_stories
from ..documents.surrogates import purge_keys
from ..site.caching import PurgeTarget
from ..site.config import Settings
from .hooks import CommitHook
from .outbox import TIMEOUT, Outbox

log = logging.getLogger(__name__)

PURGE_DELAY = 0.2  # seconds between a commit and its purge: ten times a worker's follow
BATCH_KEYS = 200  # keys per purge request (Fastly takes 256)
BATCH_CHARS = 4000  # ... and characters (Varnish takes request headers of up to 8 KB)
MAX_KEYS = 20_000  # a commit changing more (a whole archive's checkout) purges everything


@dataclass(frozen=True, slots=True)
class Purge:
    """One purge request: the keys, space-separated, for one cache."""

    target: PurgeTarget
    header: str
    keys: str

    def __str__(self) -> str:
        return f"purging {self.keys.count(' ') + 1} keys at {self.target.url}"


def send_purge(purge: Purge) -> str:
    """Send one purge request; raise ``OSError`` if the cache does not take it."""
    request = urllib.request.Request(purge.target.url, method=purge.target.method,
                                     headers={purge.header: purge.keys})
    for name, value in purge.target.request_headers():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        response.read(4096)
        return f"{purge} ({response.status})"


def batches(keys: list[str]) -> list[str]:
    """Split keys into header values of at most ``BATCH_KEYS`` keys and ``BATCH_CHARS``."""
    found: list[str] = []
    current: list[str] = []
    size = 0
    for key in keys:
        if current and (len(current) >= BATCH_KEYS or size + len(key) + 1 > BATCH_CHARS):
            found.append(" ".join(current))
            current, size = [], 0
        current.append(key)
        size += len(key) + 1
    if current:
        found.append(" ".join(current))
    return found


class CachePurge(CommitHook):
    """A publication hook: purge the surrogate keys of what a commit changed."""

    name = "purge"

    def __init__(self, root: Path, delay: float = PURGE_DELAY, first_retry: float = 1.0):
        self.first_retry = first_retry
        self._outboxes: dict[PurgeTarget, Outbox[Purge]] = {}
        super().__init__(root, delay)

    def handle(self, db: sqlite3.Connection, changed: set[str]) -> None:
        with transaction(db, "BEGIN"):  # one consistent read
            raw = meta(db, "settings")
            settings = parse_settings(str(raw)) if raw is not None else None
            if settings is None or not settings.purge or not settings.surrogate_key_header:
                return
            keys = (["all"] if len(changed) > MAX_KEYS
                    else purge_keys(changed, lambda ids: groups_of_stories(db, ids)))
        self._send(settings, keys)

    def _send(self, settings: Settings, keys: list[str]) -> None:
        for target in settings.purge:
            outbox = self._outboxes.get(target)
            if outbox is None:
                outbox = self._outboxes[target] = Outbox(send_purge, "purge", self.first_retry)
            for value in batches(keys):
                outbox.put(Purge(target, settings.surrogate_key_header, value))

