"""The per-request hook that counts polls of the site's feeds for ``/stats/``.

WSGI middleware around the fast path. For a path that does not end in a feed's file
name it costs one string split and one set look-up. For a feed, once the answer is
made, it looks up the hot document that was answered (one dictionary look-up) and
appends its validators and sizes, and the request's few headers as they are, to the
worker's ``Spool``: no parsing, no lock, no I/O. The spool's own thread, once a
second, works out what was answered (``poll_of``: the precondition check the answer
made, on the same validators, so ``304``, ``200`` and the bytes are exact), reads the
User-Agent, hashes the reader and writes the line.

Measured in-process under load (``python -m bench.pollcount``): a ``dataclass``
built on the request thread cost 0.3-0.6 µs, and working out the status there
(wrapping ``start_response``) as much again; the plain tuple appended here costs a
few tens of nanoseconds. ``CAPTURED`` names its fields, in order.
"""

from __future__ import annotations

import atexit
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..catalog.store import STATE_FOLDER
from ..site import formats
from ..stats.spool import Poll, Spool
from .conditional import Outcome, accepts_gzip, evaluate
from .worker import Worker

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
FEED_FILES = frozenset(f.file for f in formats.FORMATS)
CAPTURED = ("time", "path", "last-modified", "etag", "gzip etag", "bytes", "gzip bytes",
            "method", "accept-encoding", "if-none-match", "if-modified-since", "user-agent",
            "remote address", "x-forwarded-for")  # (numbers, not the document: an evicted
# document is not kept alive by a poll waiting to be written)


def client_address(peer: str, forwarded: str | None) -> str:
    """Return the client's address: the last X-Forwarded-For entry when the request came
    from a proxy on this machine (nginx or Varnish in front, as the README sets them up:
    the entry that proxy added itself), else the peer's."""
    if forwarded and (peer.startswith("127.") or peer == "::1"):
        return forwarded.rpartition(",")[2].strip()
    return peer


def poll_of(captured: tuple[Any, ...]) -> Poll | None:
    """Return what a captured request was answered (on the spool's thread), or None when it
    was no poll: a method other than GET or HEAD, or a precondition that failed."""
    (when, path, last_modified, etag, gzip_etag, size, gzip_size, method, coding, none_match,
     modified_since, agent, peer, forwarded) = captured
    if method not in ("GET", "HEAD"):
        return None
    gzipped = accepts_gzip(coding)
    outcome = evaluate(gzip_etag if gzipped else etag, last_modified, None, None, none_match,
                       modified_since)
    if outcome is Outcome.PRECONDITION_FAILED:
        return None
    head = method == "HEAD"
    sent = 0 if head or outcome is Outcome.NOT_MODIFIED else gzip_size if gzipped else size
    return Poll(when, path, 304 if outcome is Outcome.NOT_MODIFIED else 200, sent,
                0 if head else size, bool(none_match or modified_since), agent or "",
                client_address(peer or "", forwarded))


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
        spool = Spool(worker.root / STATE_FOLDER, FEED_FILES, poll_of, background=background)
        atexit.register(spool.stop)
        return cls(app, worker, spool)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO") or "/"
        if path.rpartition("/")[2] not in FEED_FILES:
            return self.app(environ, start_response)
        body = self.app(environ, start_response)
        worker = self.worker
        # what was just answered, if it was a document (every feed's path is ASCII, group
        # slugs are: PATH_INFO, latin-1 by PEP 3333, is the hot documents' key as it stands)
        document = worker.documents.get(path)
        settings = worker.settings
        if document is None or document.status != 200 or settings is None or not settings.stats:
            return body  # (a redirect, a 404, a site still starting, or counting off)
        identity, gzipped, get = document.identity, document.gzipped, environ.get
        self.spool.waiting.append((
            self.clock(), path, document.last_modified, identity.etag, gzipped.etag,
            len(identity.body), len(gzipped.body), get("REQUEST_METHOD"),
            get("HTTP_ACCEPT_ENCODING"), get("HTTP_IF_NONE_MATCH"),
            get("HTTP_IF_MODIFIED_SINCE"), get("HTTP_USER_AGENT"), get("REMOTE_ADDR"),
            get("HTTP_X_FORWARDED_FOR")))
        return body
