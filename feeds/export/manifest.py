"""What the last build into a folder wrote, so the next one rewrites only what changed.

Kept in the site's ``.feeds/builds/``, one SQLite file per output folder: each
file's URL path, digest, size and time, and the catalogue keys its document
was rendered from (an index from key to file). The next build asks the
catalogue which keys changed since the version this build read, and renders
again exactly the documents that read one of them, as serving workers drop
their hot documents. A manifest from another catalogue (``.feeds/`` rebuilt) or
another version of feeds is not trusted: everything is rendered again, and
files whose bytes did not change are still left alone.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..catalog.store import transaction

FOLDER = "builds"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, path TEXT NOT NULL, kind TEXT NOT NULL,
    digest TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, deps TEXT NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deps (key TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (key, name))
    WITHOUT ROWID;
"""
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Record:
    """One file a build wrote: a document (with its gzip twin), a media file, an asset."""

    name: str  # under the output folder
    path: str  # the URL path it answers (or the source, for media and assets)
    kind: str  # "document", "media" or "static"
    digest: str  # of the bytes; for copies, of the source's size and time
    size: int
    mtime_ns: int
    deps: tuple[str, ...] = ()


class Manifest:
    """The record of the builds into one output folder."""

    def __init__(self, state: Path, out: Path):
        folder = state / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(str(out).encode()).hexdigest()[:16]
        self.path = folder / f"{name}.sqlite3"
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self._records: dict[str, Record] | None = None  # read once, then kept by ``save``
        # Whether a build through this manifest has looked at every file (each as its record
        # says, else written again): a build that keeps running (--watch) looks once, at its
        # start, not at 15,000 files for each edit; a file changed by hand meanwhile is
        # written again by the next build that starts.
        self.checked = False

    def close(self) -> None:
        self.db.close()

    def _meta(self, key: str) -> object:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def version(self, born: int) -> int | None:
        """Return the catalogue version the last build read, if it read this catalogue."""
        if self._meta("born") != born or self._meta("feeds") != __version__:
            return None
        version = self._meta("version")
        return int(version) if isinstance(version, int) else None

    def records(self) -> dict[str, Record]:
        """Return every file the last build wrote, by name (without their keys: ``save``
        reads those of the files it replaces). Read once per manifest, which a build that
        keeps running keeps open (15,000 records: 0.06 s); not to be changed."""
        if self._records is None:
            self._records = {row[0]: Record(*row) for row in self.db.execute(
                "SELECT name, path, kind, digest, size, mtime_ns FROM files")}
        return self._records

    def _deps(self, names: list[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for start in range(0, len(names), CHUNK):
            chunk = names[start:start + CHUNK]
            found.update((name, json.loads(deps)) for name, deps in self.db.execute(
                f"SELECT name, deps FROM files WHERE name IN ({','.join('?' * len(chunk))})",
                chunk))
        return found

    def depending_on(self, keys: Iterable[str]) -> set[str]:
        """Return the files whose documents read one of ``keys``."""
        keys = list(keys)
        found: set[str] = set()
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start:start + CHUNK]
            found.update(name for (name,) in self.db.execute(
                f"SELECT name FROM deps WHERE key IN ({','.join('?' * len(chunk))})", chunk))
        return found

    def save(self, born: int, version: int, changed: Iterable[Record],
             removed: Iterable[Record]) -> None:
        """Record what this build wrote, and what it deleted, as one transaction."""
        db = self.db
        changed, removed = list(changed), list(removed)
        with transaction(db, "BEGIN"):
            for name, keys in self._deps([record.name for record in removed]).items():
                db.execute("DELETE FROM files WHERE name = ?", (name,))
                db.executemany("DELETE FROM deps WHERE key = ? AND name = ?",
                               [(key, name) for key in keys])
            old = self._deps([record.name for record in changed])
            rows, added, dropped = [], [], []
            for record in changed:
                rows.append((record.name, record.path, record.kind, record.digest, record.size,
                             record.mtime_ns, json.dumps(record.deps)))
                before = set(old.get(record.name, ()))
                dropped += [(key, record.name) for key in before - set(record.deps)]
                added += [(key, record.name) for key in set(record.deps) - before]
            db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            db.executemany("DELETE FROM deps WHERE key = ? AND name = ?", dropped)
            db.executemany("INSERT OR IGNORE INTO deps VALUES (?, ?)", sorted(added))
            for key, value in (("born", born), ("version", version), ("feeds", __version__)):
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        if self._records is not None:
            for record in removed:
                self._records.pop(record.name, None)
            self._records.update((record.name, record) for record in changed)
