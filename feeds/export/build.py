"""``feeds build``: bring the catalogue up to date, then write the site as files, incrementally.

::

    content/ ──Publisher.sync()──▶ .feeds/catalog.sqlite3 ──plan──▶ every path and redirect
                                            │
         .feeds/builds/<out>.sqlite3 ◀──────┤ which documents read a key changed since
                                            ▼ the last build (or everything, the first time)
                           render in a process per core ──▶ <out>/<file> and <file>.gz

The build uses the site's own catalogue, so it holds what ``feeds serve`` holds:
the same publication order, archive pages, tombstones, 410s and redirects. It
never writes into a story file (a story without an id keeps the one derived from
its path and date), and while ``feeds serve`` runs on the same site it builds from
the catalogue that server keeps current.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from ..catalog.publisher import Publisher, PublisherBusy
from ..catalog.store import (
    STATE_FOLDER,
    Problem,
    View,
    catalog_path,
    changed_keys,
    connect_reader,
    listing,
    meta,
    parse_settings,
)
from ..documents.items import adopt_bodies, keep_html_in, widen_html_cache
from ..errors import FeedsError
from ..site.config import Settings
from ..site.files import CONTENT
from .collisions import Folding, check, probe
from .copies import copy_changed, delete
from .htmlstore import StoredHtml
from .manifest import Manifest, Record
from .plan import GONE, NOT_FOUND, Plan, plan
from .render import (
    BUILD_HTML_CACHE,
    STAGING,
    Done,
    Job,
    Renderer,
    intact,
    run_bodies,
    run_jobs,
    start_worker,
)

log = logging.getLogger(__name__)

NOT_FOUND_FILE = "_feeds/404.html"  # outside every URL the site answers (no story starts _)
GONE_FILE = "_feeds/410.html"
AHEAD_WAIT = 5.0  # seconds a build waits at most for the catalogue's newest second to come
IN_PROCESS = 64  # fewer documents than this are rendered without starting workers
PREPASS = 2000  # from this many documents, the stories' HTML is made first, once each
CHUNK = 16  # documents handed to a worker at once
BODY_CHUNK = 100  # stories whose HTML a worker makes at once
T = TypeVar("T")


@dataclass(slots=True)
class Summary:
    """What one build did."""

    out: Path
    plan: Plan
    settings: Settings
    written: int = 0
    unchanged: int = 0
    deleted: int = 0
    copied: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        files = self.written + self.unchanged + self.copied
        return (f"{files:,} files in {self.out}: {self.written:,} written, "
                f"{self.unchanged:,} unchanged, {self.copied:,} copied, {self.deleted:,} "
                f"deleted ({self.seconds:.2f} s)")


@lru_cache(maxsize=1 << 17)
def file_name(path: str) -> str:
    """Return the file under the output folder that holds the document at a URL path."""
    if path == NOT_FOUND:
        return NOT_FOUND_FILE
    if path == GONE:
        return GONE_FILE
    name = path.lstrip("/")  # decoded: a story "100%25.md" lives in "100%25/"
    return name + "index.html" if name.endswith("/") or not name else name


def check_out(root: Path, out: Path) -> None:
    """Refuse an output folder that would overwrite or be read as the site itself."""
    inside = [root / CONTENT, root / STATE_FOLDER]
    if out == root or root.is_relative_to(out) or any(out.is_relative_to(p) for p in inside):
        raise FeedsError(f"{out} cannot hold the build: it is the site folder, holds it, or is "
                         "inside content/ or .feeds/; choose another folder with --out.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FeedsError(f"{out} cannot hold the build ({error.strerror or error}): choose a "
                         "folder you can write with --out.") from error


def sync(root: Path, problems: list[Problem]) -> str:
    """Bring the catalogue up to date with the folder, or use the one a running server keeps."""
    try:
        publisher = Publisher(root, status=False, write_ids=False)
    except PublisherBusy:
        return "feeds serve is running here: building from the catalogue it keeps current"
    try:
        publisher.sync()
        problems += publisher.problem_list()
        return f"{publisher.published:,} stories published"
    finally:
        publisher.close()


def build(root: Path, out: Path, processes: int | None = None,
          say: Callable[[str], None] = print) -> Summary:
    """Build the site in ``root`` into ``out``; return what was done."""
    started = time.monotonic()
    check_out(root, out)
    problems: list[Problem] = []
    say(sync(root, problems))
    for problem in problems:
        say(str(problem))
    return write(root, out, processes, started)


def write(root: Path, out: Path, processes: int | None = None, started: float | None = None,
          manifest: Manifest | None = None) -> Summary:
    """Write what changed in the catalogue since the last build of ``out`` (everything, the
    first time), as the catalogue holds it now: ``build`` without bringing it up to date
    (``manifest``: the record of the builds into ``out``, kept open by the caller)."""
    started = time.monotonic() if started is None else started
    db = connect_reader(catalog_path(root))
    try:
        with View(db, parse_settings) as view:
            version, found = view.version, plan(view, root)
            born = int(meta(db, "born", 0))  # type: ignore[call-overload]
            _wait_for(int(meta(db, "stamp", 0)))  # type: ignore[call-overload]
        kept = manifest is not None
        manifest = manifest or Manifest(root / STATE_FOLDER, out)
        html = StoredHtml(manifest.path, writable=True)
        keep_html_in(html)
        try:
            summary = Summary(out, found, view.settings)
            full = _staged_write(root, db, manifest, born, version, summary, processes)
            html.save(prune=full)
        finally:
            keep_html_in(None)
            html.close()
            if not kept:
                manifest.close()
    finally:
        db.close()
    summary.seconds = time.monotonic() - started
    return summary


def _wait_for(stamp: int) -> None:
    """Wait until the catalogue's newest second has come (after a burst of publications it can
    be a second or two ahead): a file's time is its Last-Modified, which must never be later
    than the moment a server sends it (RFC 9110 8.8.2.1), and must move with every change."""
    deadline = time.monotonic() + AHEAD_WAIT
    while time.time() < stamp and time.monotonic() < deadline:
        time.sleep(min(0.05, max(0.0, stamp - time.time())))


def _staged_write(root: Path, db: sqlite3.Connection, manifest: Manifest, born: int,
                  version: int, summary: Summary, processes: int | None) -> bool:
    """``_write`` with its staging folder (emptied before and after: a build that was killed
    leaves files there), and a failure to write (a full disk, a folder made read-only)
    reported as such."""
    staging = summary.out / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        return _write(root, db, manifest, born, version, summary, processes)
    except OSError as error:
        raise FeedsError(
            f"{summary.out}: the build could not be written ({error.strerror or error}); "
            "every file in it is whole, old or new, and the next build finishes the job: "
            "free space or fix the permissions, then build again.") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write(root: Path, db: sqlite3.Connection, manifest: Manifest, born: int, version: int,
           summary: Summary, processes: int | None) -> bool:
    """Write what changed; return whether every story's HTML was made or read (a full build)."""
    out, found = summary.out, summary.plan
    out.mkdir(parents=True, exist_ok=True)
    _leave_out_collisions(summary, probe(out / STAGING))
    old = manifest.records()
    since = manifest.version(born)
    if since is None:
        due = set(found.documents)
    else:
        keys = set(changed_keys(db, since))
        due = ({path for path in found.documents} if "settings" in keys else
               {old[name].path for name in manifest.depending_on(keys) if name in old})
    jobs, names = [], [file_name(path) for path in found.documents]
    trusted = manifest.checked  # (by this process, through this manifest: --watch)
    for path, name in zip(found.documents, names, strict=True):
        record = old.get(name)
        if (path in due or record is None or record.kind != "document"
                or not trusted and not intact(out, name, record.size, record.mtime_ns)):
            jobs.append(Job(path, name, *((record.digest, record.size, record.mtime_ns)
                                          if record is not None else ())))
    done, full = _render(jobs, root, out, manifest.path, processes)
    changed = _documents(done, summary)
    copies, summary.copied = copy_changed(root, out, found, old)
    summary.unchanged += len(copies) - summary.copied
    changed += copies
    rendered = {job.name for job in jobs}
    kept = {record.name for record in changed}
    kept.update(name for name in names if name not in rendered)
    removed = [record for name, record in old.items() if name not in kept]
    for record in removed:
        delete(out, record)
    summary.deleted = len(removed)
    summary.unchanged += len(found.documents) - len(jobs)
    manifest.save(born, version, changed, removed)
    manifest.checked = True
    return full


def _leave_out_collisions(summary: Summary, folding: Folding) -> None:
    """Leave out of the plan the files this output folder would take for another's (names
    that differ only in case or Unicode form, where its file system folds them), with a
    problem naming both; warn about those a folding host would."""
    found = summary.plan
    names = {file_name(path): path for path in found.documents}
    names.update((file, file) for file in found.media)
    left_out, warnings = check(names, folding)
    for name, other in sorted(left_out.items()):
        summary.problems.append(
            f"{name}: not written: this folder's file system ignores case or Unicode form, so "
            f"it is the same file as {other}: rename one of the two stories, or build onto "
            "a case-sensitive file system (the server answers both).")
    summary.problems += warnings
    found.documents = [p for p in found.documents if file_name(p) not in left_out]
    found.media = [file for file in found.media if file not in left_out]


def _render(jobs: list[Job], root: Path, out: Path, manifest: Path,
            processes: int | None) -> tuple[list[Done], bool]:
    """Render the jobs: here when they are few, else in a worker process per core; return
    what was done, and whether every story's HTML was made first."""
    catalog = catalog_path(root)
    if len(jobs) < IN_PROCESS:
        renderer = Renderer(catalog, out)
        try:
            return [renderer.run(job) for job in jobs], False
        finally:
            renderer.db.close()
    context = multiprocessing.get_context("fork")
    processes = processes or os.cpu_count() or 1
    setup = (catalog, out, manifest)
    full = len(jobs) >= PREPASS
    if full:
        # Every story is in several documents: make (or read) each one's HTML once, here,
        # where the processes that render the documents will find it (forked after).
        widen_html_cache(BUILD_HTML_CACHE)
        db = connect_reader(catalog)
        try:
            ids = listing.live_ids(db)
        finally:
            db.close()
        with context.Pool(processes, start_worker, setup) as pool:
            for entries in pool.imap_unordered(run_bodies, _chunks(ids, BODY_CHUNK)):
                adopt_bodies(entries)
    with context.Pool(processes, start_worker, setup) as pool:
        return [done for part in pool.imap_unordered(run_jobs, _chunks(jobs, CHUNK))
                for done in part], full


def _chunks(items: list[T], size: int) -> list[list[T]]:
    return [items[start:start + size] for start in range(0, len(items), size)]


def _documents(done: list[Done], summary: Summary) -> list[Record]:
    """Count what rendering did; return the records of the documents now in the folder."""
    records = []
    for item in done:
        if item.problem is not None:
            summary.problems.append(item.problem)
        if item.redirect is not None:
            summary.plan.redirects[item.path] = item.redirect
        if not item.digest:
            continue
        summary.written += item.written
        summary.unchanged += not item.written
        records.append(Record(item.name, item.path, "document", item.digest, item.size,
                              item.mtime_ns, item.deps))
    return records
