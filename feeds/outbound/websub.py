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
import logging
import sqlite3
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..catalog.groups import Group
from ..catalog.store import View, parse_settings
from ..catalog.store.listing import groups_of_stories
from ..documents.document import Document
from ..documents.routes import render
from ..site import urlspace as urls
from ..site.formats import FORMATS
from .hooks import CommitHook
from .outbox import FIRST_DELAY, TIMEOUT, Outbox

log = logging.getLogger(__name__)

MAX_GROUPS = 2000  # feeds checked after one commit (a settings change touches every one)


@dataclass(frozen=True, slots=True)
class _Ping:
    hub: str
    url: str

    def __str__(self) -> str:
        return f"telling {self.hub} of {self.url}"


class Announcer:
    """Queue ``hub.mode=publish`` pings for feed URLs and send them in the background."""

    def __init__(self, first_delay: float = FIRST_DELAY):
        self._outbox: Outbox[_Ping] = Outbox(_send, "WebSub", first_delay)

    def announce(self, url: str, hubs: tuple[str, ...]) -> None:
        """Schedule a ping of every hub for ``url`` (returns at once)."""
        for hub in hubs:
            self._outbox.put(_Ping(hub, url))


def _send(ping: _Ping) -> str:
    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": ping.url}).encode()
    request = urllib.request.Request(
        ping.hub, data=body, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return f"{ping.hub} told of {ping.url} ({response.status})"


class FeedChanges(CommitHook):
    """A publication hook: announce the subscription feeds whose bytes a commit changed."""

    name = "WebSub"

    def __init__(self, root: Path, announcer: Announcer):
        self.announcer = announcer
        self._etags: dict[str, str] = {}
        super().__init__(root)

    def handle(self, db: sqlite3.Connection, keys: set[str]) -> None:
        with View(db, parse_settings) as view:
            if not view.settings.hubs:
                return
            for key in sorted(self._groups(view, keys))[:MAX_GROUPS]:
                group = Group.from_key(key)
                for fmt in FORMATS:
                    path = urls.feed(group, fmt)
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
                found |= groups_of_stories(view.db, [rest])
        return found
