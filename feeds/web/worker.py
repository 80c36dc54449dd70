"""What one serving worker holds: its read connections to the catalogue, its hot documents,
and the thread that follows each new version the publisher commits.

A worker never reads a story file and never writes: it renders what a path names
from a consistent read of the catalogue (a ``View``), keeps the result hot, and
drops exactly the documents whose keys a new version changed. Following is a
look at the catalogue's version every 20 ms (a read of SQLite's shared WAL
index, no disk I/O), so a committed change is served within a few tens of
milliseconds, and the poll path itself stays a dictionary look-up.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from pathlib import Path

from ..catalog.store import (
    View,
    catalog_path,
    changed_keys,
    connect_reader,
    file_identity,
    meta,
    parse_settings,
)
from ..documents.document import Document, Redirect
from ..documents.headers import cache_control, hub_links, key_headers
from ..documents.items import html_cache
from ..documents.memory import deep_size
from ..documents.pages import not_found_page
from ..documents.routes import render
from ..documents.syndication import entry_cache
from ..site.config import Settings
from ..site.urlspace import is_archive, is_feed
from .cache import HotDocuments
from .responses import Prepared, prepare, prepare_redirect

log = logging.getLogger(__name__)

FOLLOW_EVERY = 0.02  # seconds between looks at the catalogue's version
READERS = 10  # connections a worker reads the catalogue with: a request thread's, following
NOT_FOUND = "(404)"  # not a path any request can have: every request path starts with /


class Worker:
    """A serving worker's view of one site's catalogue."""

    def __init__(self, root: Path, follow: bool = True):
        self.root = root
        self.path = catalog_path(root)
        self.documents: HotDocuments[Prepared | None] = HotDocuments(64 << 20)
        self.failures: dict[str, str] = {}  # path -> why it could not be rendered
        self.budget = 0  # document_cache_mb: every cache of this worker, in bytes
        self._page_cache_kib = 4096  # SQLite's cache, for each thread's connection
        self._connections = 0
        self._local = threading.local()
        self._generation = 0  # bumped when the catalogue file is replaced
        self._identity: tuple[int, int] | None = None
        self._settings: dict[str, Settings] = {}
        self.settings: Settings | None = None
        self.complete = False  # a first build publishes the site first, its groups a moment later
        self.renders = 0  # documents made because none was hot (the cache's misses)
        # (first version, last version, wall time) of each change applied while following:
        # when this worker began to serve them (feeds.metrics: publication latency)
        self.applied: deque[tuple[int, int, float]] = deque(maxlen=64)
        self._follow_lock = threading.Lock()
        self._stop = threading.Event()
        self.catch_up()
        if follow:
            threading.Thread(target=self._follow, name="feeds-follow", daemon=True).start()

    @property
    def ready(self) -> bool:
        """Tell whether the publisher has committed a first version to serve (looking now, if
        this worker has not seen one yet: a request never waits for the next follow)."""
        if self.settings is None:
            self.catch_up()
        return self.settings is not None

    def stop(self) -> None:
        self._stop.set()

    def _share(self, budget: int) -> None:
        """Share ``document_cache_mb`` among this worker's caches: an eighth each for the
        story HTML, the feed entries and SQLite's page caches (one per request thread), the
        rest for hot documents."""
        if budget == self.budget:
            return
        self.budget = budget
        eighth = budget // 8
        html_cache(eighth)
        entry_cache(eighth)
        self._page_cache_kib = max(64, min(4096, eighth // READERS >> 10))
        self.documents.resize(budget - 3 * eighth)

    def memory(self) -> dict[str, int]:
        """Return what this worker's caches hold, in bytes, and their one budget."""
        parts = {"documents": self.documents.size, "story_html": html_cache(),
                 "feed_entries": entry_cache(),
                 "page_cache": self._connections * self._page_cache_kib << 10}
        return {"budget": self.budget, "held": sum(parts.values()), **parts,
                "documents_budget": self.documents.budget, "documents_kept": len(self.documents)}

    # Following the publisher -----------------------------------------------------------------

    def _follow(self) -> None:
        while not self._stop.wait(FOLLOW_EVERY):
            try:
                self.catch_up()
            except Exception:  # noqa: BLE001 - following must never stop for good
                log.exception("cannot follow the catalogue; retrying")
                self._stop.wait(1)

    def catch_up(self) -> None:
        """Apply what the publisher committed since the last look."""
        with self._follow_lock:
            identity = file_identity(self.path)
            if identity is None:
                return  # no catalogue yet (or it is being rebuilt): keep what is served
            if identity != self._identity:
                self._identity = identity
                self._generation += 1
                replaced = True
            else:
                replaced = False
            try:
                db = self.connection()
                db.execute("BEGIN")
                try:
                    version = int(meta(db, "version", 0))  # type: ignore[call-overload]
                    raw = meta(db, "settings")
                    if version == 0 or raw is None:
                        return
                    if replaced or version < self.documents.version:
                        self.documents.reset(version)
                    elif version > self.documents.version:
                        first = self.documents.version + 1
                        self.documents.apply(version, changed_keys(db, self.documents.version))
                        self.applied.append((first, version, time.time()))
                    self.settings = self.settings_of(str(raw))
                    self.complete = bool(meta(db, "complete", 1))
                    self._share(self.settings.document_cache_mb << 20)
                finally:
                    db.execute("COMMIT")
            except sqlite3.Error as exc:
                log.warning("cannot read the catalogue (%s); serving what is hot", exc)

    def settings_of(self, raw: str) -> Settings:
        found = self._settings.get(raw)
        if found is None:
            found = parse_settings(raw)
            self._settings = {raw: found}
        return found

    def connection(self) -> sqlite3.Connection:
        """Return this thread's read-only connection, opened again if the file was replaced."""
        local = self._local
        if getattr(local, "generation", -1) != self._generation:
            old = getattr(local, "db", None)
            if old is not None:
                old.close()
            local.db = connect_reader(self.path)
            local.db.execute(f"PRAGMA cache_size=-{self._page_cache_kib}")
            if old is None:
                self._connections += 1
            local.generation = self._generation
        db: sqlite3.Connection = local.db
        return db

    def view(self) -> View:
        """Return a consistent read of the catalogue (use it as a context manager)."""
        return View(self.connection(), self.settings_of)

    # Documents -------------------------------------------------------------------------------

    def prepared(self, path: str) -> Prepared | None:
        """Return the answer for ``path``: hot, or rendered once now; None when nothing is there.

        Raises ``RenderError`` when the document exists but cannot be rendered.
        """
        hit = self.documents.get(path)
        if hit is not None or not self.ready:
            return hit
        return self.documents.once(path, lambda: self._render(path))

    def not_found(self) -> Prepared | None:
        """Return the 404 page of the current version."""
        hit = self.documents.get(NOT_FOUND)
        if hit is not None or not self.ready:
            return hit
        return self.documents.once(NOT_FOUND, lambda: self._render(NOT_FOUND))

    def _render(self, path: str) -> Prepared | None:
        self.renders += 1
        try:
            with self.view() as view:
                result = not_found_page(view) if path == NOT_FOUND else render(view, path)
                if result is None:
                    return None
                stamp = view.last_modified()
            prepared = self._prepare(path, result, stamp, view)
        except sqlite3.Error as exc:
            raise RenderError(f"the catalogue cannot be read ({exc})") from exc
        except Exception as exc:
            log.exception("cannot render %s", path)
            self.failures[path] = f"{path} cannot be rendered ({type(exc).__name__}): a bug in " \
                                  "feeds; please report it."
            raise RenderError(self.failures[path]) from exc
        self.failures.pop(path, None)
        self.documents.put(path, prepared, prepared.deps, deep_size(prepared), view.version)
        return prepared

    def _prepare(self, path: str, result: Document | Redirect, stamp: int,
                 view: View) -> Prepared:
        settings = view.settings
        full_archive = isinstance(result, Document) and result.status == 200 and is_archive(path)
        cache = cache_control(settings, archive=full_archive)
        keys, deps = key_headers(settings, view.deps), frozenset(view.deps)
        if isinstance(result, Redirect):
            location = result.location  # a site path, or (a redirect in config) a URL
            return prepare_redirect(result, location if "://" in location
                                    else settings.href(location), cache, keys, deps)
        extra = hub_links(settings, path) if result.status == 200 and is_feed(path) else []
        return prepare(result, stamp, cache, extra, deps, keys)


class RenderError(Exception):
    """A document exists but could not be rendered (a bug, or the catalogue unreadable)."""
