"""Count each request for Prometheus, off the poll path (``feeds serve --metrics``).

A request adds one to a plain dictionary of its own thread's (its status and route
kind) and its body's length to another: no lock, no shared memory, no label look-up.
Once a second a thread of the worker adds what each request thread counted since
the last time to ``prometheus_client``'s counters (memory-mapped files in the metrics
folder, read by the exporter), and sets the worker's gauges: its caches' bytes, the
catalogue version it serves, and the publication latency of each version it began to
serve (``feeds.metrics``). A request thread is the only writer of its dictionaries, so
nothing is lost between it and the flushing thread; what a worker counted in its last
second before it stops may be.

Measured with ``bench.metrics`` (README, "Operators' numbers"): about 1.6 µs added to a
304 answered from memory in-process on a loaded 2-core machine; over HTTP the difference in
polls per second was within the noise.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..metrics import LATENCY_BUCKETS, read_publications
from ..site.urlspace import parse
from .accesslog import _Counted
from .fastpath import request_path
from .worker import Worker

log = logging.getLogger(__name__)

FLUSH_EVERY = 1.0  # seconds between flushes into the shared counters
KINDS_KEPT = 4096  # paths whose route kind is remembered (then forgotten all at once)
# A route of the URL table (site.urlspace.parse) -> the kind a request is counted under.
KIND_OF_ROUTE = {"feed": "feed", "archive": "archive", "listing": "page", "story": "story",
                 "media": "media", "opml": "opml", "health": "health"}
KINDS = (*dict.fromkeys(KIND_OF_ROUTE.values()), "other")  # (the static files, unknown paths)
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Tally:
    """What one request thread counted: its own, written by it alone."""

    __slots__ = ("requests", "sent", "hits")

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str], int] = {}  # (status line, kind) -> requests
        self.sent: dict[str, int] = {}  # kind -> body bytes
        self.hits = 0  # requests for a document that was hot


class RequestMetrics:
    """WSGI middleware counting requests by status and route kind, and bytes by kind."""

    def __init__(self, app: WsgiApp, worker: Worker):
        self.app = app
        self.worker = worker
        self.tallies: list[Tally] = []
        self._local = threading.local()
        self._lock = threading.Lock()
        self._kinds: dict[str, str] = {}
        self._kinds_version = -1

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        try:
            tally: Tally = self._local.tally
        except AttributeError:
            tally = self._tally()
        path = environ.get("PATH_INFO") or "/"
        if self.worker.documents.get(path) is not None:
            tally.hits += 1
        status = ""
        headers: list[tuple[str, str]] = []

        def recording(given: str, given_headers: list[tuple[str, str]],
                      exc_info: Any = None) -> Any:
            nonlocal status, headers
            status, headers = given, given_headers
            return start_response(given, given_headers, exc_info)

        body = self.app(environ, recording)
        kind = self._kinds.get(path) or self._kind(path, environ)
        if type(body) is list and status:  # (the fast path's: sent whole, as they are)
            key = (status, kind)
            requests = tally.requests
            requests[key] = requests.get(key, 0) + 1
            if body:
                sent = tally.sent
                sent[kind] = sent.get(kind, 0) + sum(map(len, body))
            return body
        length = _content_length(headers)
        if status and length is not None and environ.get("REQUEST_METHOD") != "HEAD":
            self._count(tally, status, kind, length)  # (a file: not wrapped, so a server's
            return body  # file_wrapper still sends it its own way)
        return _Counted(body, lambda sent: self._count(tally, status or "500", kind, sent))

    def _tally(self) -> Tally:
        tally = self._local.tally = Tally()
        with self._lock:
            self.tallies.append(tally)
        return tally

    @staticmethod
    def _count(tally: Tally, status: str, kind: str, sent: int) -> None:
        key = (status, kind)  # (the whole status line: its code is taken when flushed)
        tally.requests[key] = tally.requests.get(key, 0) + 1
        tally.sent[kind] = tally.sent.get(kind, 0) + sent

    def forget_kinds(self) -> None:
        """Forget the kinds found (a new version may have made a section where a story was)."""
        if self._kinds_version != self.worker.documents.version:
            self._kinds_version = self.worker.documents.version
            self._kinds = {}

    def _kind(self, path: str, environ: dict[str, Any]) -> str:
        """Return the route kind of a request path, and remember it (until the flusher sees
        a new version: ``forget_kinds``)."""
        found = self._find_kind(request_path(environ))
        kinds = self._kinds
        if len(kinds) >= KINDS_KEPT:
            kinds = self._kinds = {}
        kinds[path] = found
        return found

    def _find_kind(self, path: str | None) -> str:
        """Return the kind of the first target of ``path`` that the catalogue holds, as the
        renderer chooses (``/world/`` is a section's page, or a top-level story's)."""
        targets = parse(path) if path is not None else []
        if not targets:
            return "other"
        first = targets[0]
        if first.route == "listing" and len(targets) > 1 and self.worker.ready:
            try:
                with self.worker.view() as view:
                    if view.exists(first.group) is None:
                        first = targets[1]
            except Exception:  # noqa: BLE001 - the kind is a label: never fail a request
                pass
        return KIND_OF_ROUTE.get(first.route, "other")


def _content_length(headers: list[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if name.lower() == "content-length":
            return int(value) if value.isdigit() else None
    return None


class Flusher:
    """Add what the request threads counted to the shared counters, once a second."""

    def __init__(self, counting: RequestMetrics, folder: Path):
        from prometheus_client import Counter, Gauge, Histogram

        # (registry=None: the exporter reads the files; nothing here is collected in-process)
        self.counting = counting
        self.worker = counting.worker
        self.folder = folder
        self.requests = Counter("feeds_http_requests", "Requests answered, by status and "
                                "route kind.", ["status", "kind"], registry=None)
        self.sent = Counter("feeds_http_response_bytes", "Body bytes answered, by route kind "
                            "(after gzip; none for 304 and HEAD).", ["kind"],
                            registry=None)
        self.hits = Counter("feeds_document_cache_hits", "Requests for a document that was "
                            "hot in the worker's memory.", registry=None)
        self.misses = Counter("feeds_document_cache_misses", "Documents rendered from the "
                              "catalogue because none was hot.", registry=None)
        self.cache = Gauge("feeds_cache_bytes", "What the workers' caches hold, by cache.",
                           ["cache"], multiprocess_mode="livesum", registry=None)
        self.workers = Gauge("feeds_workers", "Serving workers alive.",
                             multiprocess_mode="livesum", registry=None)
        self.version = Gauge("feeds_worker_catalogue_version", "The oldest catalogue "
                             "version a live worker serves.", multiprocess_mode="livemin",
                             registry=None)
        self.latency = Histogram("feeds_publication_seconds", "From the publisher's first "
                                 "notice of a story file's change to a worker serving the "
                                 "version that holds it (one observation per worker).",
                                 buckets=LATENCY_BUCKETS, registry=None)
        for kind in KINDS:  # every kind's series from the start, so rate() sees its first
            self.sent.labels(kind)
        self._done: dict[tuple[Any, ...], int] = {}  # what was added already, by series
        self._renders = 0
        self._timed = 0  # the newest version whose latency was observed
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def start(self) -> None:
        self.workers.set(1)
        threading.Thread(target=self._run, name="feeds-metrics", daemon=True).start()
        atexit.register(self.flush)

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_EVERY):
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - counting must never stop for good (a full
                log.exception("cannot write the metrics; retrying")  # /tmp, a bug)

    def flush(self) -> None:
        """Add the counts since the last flush, and set the gauges."""
        with self._lock:
            self.counting.forget_kinds()
            requests: dict[tuple[str, str], int] = {}
            sent: dict[str, int] = {}
            hits = 0
            for tally in list(self.counting.tallies):
                for key, count in tally.requests.copy().items():
                    requests[key] = requests.get(key, 0) + count
                for kind, count in tally.sent.copy().items():
                    sent[kind] = sent.get(kind, 0) + count
                hits += tally.hits
            for (status, kind), count in requests.items():
                code = status[:3]
                self._add(self.requests.labels(code, kind), ("r", status, kind), count)
            for kind, count in sent.items():
                self._add(self.sent.labels(kind), ("s", kind), count)
            self._add(self.hits, ("h",), hits)
            self._add(self.misses, ("m",), self.worker.renders)
            for name, held in self.worker.memory().items():
                if name not in ("budget", "held", "documents_budget", "documents_kept"):
                    self.cache.labels(name).set(held)
            self.version.set(self.worker.documents.version)
            self._time_publications()

    def _add(self, counter: Any, key: tuple[Any, ...], total: int) -> None:
        delta = total - self._done.get(key, 0)
        if delta > 0:
            counter.inc(delta)
            self._done[key] = total

    def _time_publications(self) -> None:
        applied = list(self.worker.applied)
        if not applied or applied[-1][1] <= self._timed:
            return
        noticed = read_publications(self.folder)
        for version in sorted(v for v in noticed if v > self._timed):
            if version > applied[-1][1]:
                return  # not served by this worker yet: at a later flush
            served = next((when for first, last, when in applied if first <= version <= last),
                          None)
            if served is not None:  # (None: served since before this worker followed)
                self.latency.observe(max(0.0, served - noticed[version]))
            self._timed = version


def init_app(app: Any, worker: Worker, folder: Path) -> None:
    """Count the requests ``app`` answers (its ``wsgi_app``) and start flushing them."""
    counting = RequestMetrics(app.wsgi_app, worker)
    app.wsgi_app = counting
    Flusher(counting, folder).start()
