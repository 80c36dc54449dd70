"""The per-request hook that counts polls of the site's feeds for ``/stats/``.

WSGI middleware around the fast path. For a path that does not end in a feed's file
name it is one string split and one set look-up; for a feed it notes the status, the
bytes sent and whether validators were sent, and appends a ``Poll`` to the worker's
``Spool`` (a deque: no lock, no I/O). Everything else (reading the User-Agent,
hashing, writing) happens on the spool's own thread, once a second.
"""

from __future__ import annotations

import atexit
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..catalog.store import STATE_FOLDER
from ..site import formats
from ..stats.spool import Poll, Spool
from .fastpath import request_path
from .worker import Worker

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
FEED_FILES = frozenset(f.file for f in formats.FORMATS)
COUNTED = {"200": 200, "304": 304}


def client_address(environ: dict[str, Any]) -> str:
    """Return the client's address: the last X-Forwarded-For entry when the request came
    from a proxy on this machine (nginx or Varnish in front, as the README sets them up:
    the entry that proxy added itself), else the peer's."""
    peer: str = environ.get("REMOTE_ADDR") or ""
    forwarded = environ.get("HTTP_X_FORWARDED_FOR")
    if forwarded and (peer.startswith("127.") or peer == "::1"):
        return str(forwarded.rpartition(",")[2].strip())
    return peer


class PollCounter:
    """Count each answered poll of a feed (see the module)."""

    def __init__(self, app: WsgiApp, worker: Worker, spool: Spool):
        self.app = app
        self.worker = worker
        self.spool = spool
        self.clock = time.time

    @classmethod
    def around(cls, app: WsgiApp, worker: Worker, background: bool = True) -> PollCounter:
        """Count the polls ``app`` answers into a new spool of this worker's (written each
        second by its own thread when ``background``, and once more at exit)."""
        spool = Spool(worker.root / STATE_FOLDER, FEED_FILES, background=background)
        atexit.register(spool.stop)
        return cls(app, worker, spool)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if (environ.get("PATH_INFO") or "/").rpartition("/")[2] not in FEED_FILES:
            return self.app(environ, start_response)
        answered: list[str] = []

        def noting(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            answered.append(status[:3])
            return start_response(status, headers, *rest)

        body = self.app(environ, noting)
        settings = self.worker.settings
        status = COUNTED.get(answered[0]) if answered else None
        if status is None or not isinstance(body, list) or settings is None or not settings.stats:
            return body
        path = request_path(environ)
        if path is None:
            return body
        head = environ.get("REQUEST_METHOD") == "HEAD"
        document = self.worker.documents.get(path)
        full = len(document.identity.body) if document is not None and not head else 0
        self.spool.waiting.append(Poll(
            self.clock(), path, status, sum(map(len, body)), full,
            bool(environ.get("HTTP_IF_NONE_MATCH") or environ.get("HTTP_IF_MODIFIED_SINCE")),
            environ.get("HTTP_USER_AGENT") or "", client_address(environ)))
        return body
