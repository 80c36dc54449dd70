"""Render a build's documents into files, in worker processes that read the catalogue.

Each document is rendered as the server renders it (``routes.render`` through a
``View``) and written with its gzip twin (the server's own gzip bytes), both
with the document's Last-Modified as their time, so a static server sends the
same date. A document whose bytes are what the last build wrote, in a file
left as that build left it, is not written again: its time stays, and ``rsync``
or an object-store sync sends only what changed.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..catalog.store import View, connect_reader, listing, meta, parse_settings
from ..documents.document import Document, Redirect, compress
from ..documents.items import HtmlEntry, keep_html_in, render_bodies, widen_html_cache
from ..documents.pages import freeze_templates, gone_page, not_found_page
from ..documents.routes import render
from ..documents.syndication import widen_entry_cache
from ..site.config import Settings
from ..site.story import Story
from .htmlstore import StoredHtml
from .plan import GONE, NOT_FOUND

NS = 1_000_000_000
BUILD_HTML_CACHE = 1 << 30  # a build renders every story into several documents
BUILD_ENTRIES = 1 << 30  # bytes of feed entries a build's worker keeps


@dataclass(frozen=True, slots=True)
class Job:
    """One document to render, and what the last build wrote for it."""

    path: str  # a URL path, NOT_FOUND or GONE
    name: str  # its file under the output folder
    digest: str = ""
    size: int = -1
    mtime_ns: int = -1


@dataclass(frozen=True, slots=True)
class Done:
    """What rendering one document gave."""

    path: str
    name: str
    digest: str  # "" when the path turned out to be no document
    size: int
    mtime_ns: int
    deps: tuple[str, ...]
    written: bool = False
    redirect: tuple[int, str] | None = None  # what the path answers instead, if a redirect
    problem: str | None = None


STAGING = ".feeds-staging"  # where files are written before they are renamed into place
_NUMBERS = itertools.count()


def digest_of(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def intact(out: Path, name: str, size: int, mtime_ns: int) -> bool:
    """Tell whether a file is as a build left it (its gzip twin is written with it)."""
    try:
        info = os.stat(f"{out}/{name}")
    except OSError:
        return False
    return info.st_size == size and info.st_mtime_ns == mtime_ns


class Renderer:
    """Render documents from one read-only connection to the catalogue."""

    def __init__(self, catalog: Path, out: Path):
        self.db: sqlite3.Connection = connect_reader(catalog)
        self.out = out
        self._settings: dict[str, Settings] = {}
        self._folders: set[Path] = set()

    def settings_of(self, raw: str) -> Settings:
        found = self._settings.get(raw)
        if found is None:
            found = self._settings[raw] = parse_settings(raw)
        return found

    def run(self, job: Job) -> Done:
        with View(self.db, self.settings_of) as view:
            if job.path == NOT_FOUND:
                result: Document | Redirect | None = not_found_page(view)
            elif job.path == GONE:
                result = gone_page(view)
            else:
                result = render(view, job.path)
            stamp = view.last_modified()
        deps = tuple(sorted(view.deps))
        if isinstance(result, Redirect):
            return Done(job.path, job.name, "", 0, 0, deps, redirect=(result.status,
                                                                     result.location))
        if result is None:
            return Done(job.path, job.name, "", 0, 0, deps)
        body = result.body
        digest = digest_of(body)
        if digest == job.digest and intact(self.out, job.name, job.size, job.mtime_ns):
            return Done(job.path, job.name, digest, job.size, job.mtime_ns, deps)
        try:
            self._write(job.name, body, stamp * NS)
        except (IsADirectoryError, NotADirectoryError, FileExistsError) as exc:
            return Done(job.path, job.name, "", 0, 0, deps, problem=(
                f"{job.name}: cannot be written ({exc.strerror or exc}); a file and a folder "
                "want the same name (a story whose path is a feed's?)"))
        # (any other OSError, a full disk or a read-only folder, stops the whole build)
        return Done(job.path, job.name, digest, len(body), stamp * NS, deps, written=True)

    def _write(self, name: str, body: bytes, mtime_ns: int) -> None:
        target = self.out / name
        if target.parent not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(target.parent)
        # The twin first: a document whose file is in place has its twin (what ``intact``
        # counts on), even after a build stopped between the two.
        for path, data in ((target.with_name(target.name + ".gz"), compress(body)),
                           (target, body)):
            put(self.out, path, data, mtime_ns)


def put(out: Path, path: Path, data: bytes, mtime_ns: int) -> None:
    """Write a file of the build whole: staged in ``out/STAGING``, then renamed into place, so
    a web server serving ``out`` meanwhile sends the old bytes or the new, never a part."""
    temporary = out / STAGING / f"{os.getpid()}-{next(_NUMBERS)}"
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.utime(temporary, ns=(mtime_ns, mtime_ns))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


_RENDERER: Renderer | None = None


def start_worker(catalog: Path, out: Path, manifest: Path) -> None:
    """Set up a worker process of the build's pool (its own connection, a roomy HTML cache
    reading the HTML kept by the last build, templates read once)."""
    global _RENDERER
    widen_html_cache(BUILD_HTML_CACHE)
    widen_entry_cache(BUILD_ENTRIES)
    keep_html_in(StoredHtml(manifest, writable=False))
    freeze_templates()
    _RENDERER = Renderer(catalog, out)


def run_jobs(jobs: list[Job]) -> list[Done]:
    """Render a chunk of jobs in a worker process."""
    assert _RENDERER is not None, "start_worker first"
    return [_RENDERER.run(job) for job in jobs]


def run_bodies(ids: list[str]) -> list[HtmlEntry]:
    """Make the HTML of a chunk of live stories in a worker process (``items.render_bodies``)."""
    assert _RENDERER is not None, "start_worker first"
    db = _RENDERER.db
    texts = listing.texts_of(db, ids)
    return render_bodies(_RENDERER.settings_of(str(meta(db, "settings"))),
                         [Story.from_json(text) for text in texts])
