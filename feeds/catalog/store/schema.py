"""The catalogue file: its tables, its indexes, and the connections that open it.

One SQLite file in ``.feeds/`` (WAL: one writer, many readers). The publisher is its
only writer; serving workers open it read-only and see each committed version whole.
It holds what serving needs and what cannot be read back from the files: the last good
parse of every story file, the id ledger (which file holds each id, when each story was
first published, which were removed and when), every group's members in the order
they joined, the problems, and for every *key* (a group, a story, a path, the
settings...) the version and the second it last changed.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

STATE_FOLDER = ".feeds"
CATALOG_FILE = "catalog.sqlite3"
SCHEMA_VERSION = 3  # the last of feeds.catalog.migrations
BUSY_TIMEOUT = 10.0  # seconds a connection waits for the writer's lock
PAGE_SIZE = 16384

TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
-- Every story file seen: its version, its last good parse (NULL if never good) and the
-- claims that parse makes, and why the file as it stands cannot be used (NULL if it can).
CREATE TABLE IF NOT EXISTS files (
    source TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, ino INTEGER,
    id TEXT, path TEXT, date REAL, draft INTEGER, own_id INTEGER, digest TEXT,
    groups TEXT, media TEXT, missing TEXT, aliases TEXT, keys TEXT, problem TEXT, line INTEGER,
    state TEXT);
-- The last good parse of each file, as keyed JSON (``Story.to_json``; kept apart: files'
-- rows change often, this rarely, and it is large).
CREATE TABLE IF NOT EXISTS texts (source TEXT PRIMARY KEY, story TEXT NOT NULL);
-- The ledger: every story ever published, by id. seq is the order of first publication.
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, source TEXT, path TEXT, live INTEGER NOT NULL,
    removed_at INTEGER, groups TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS groups (
    grp TEXT PRIMARY KEY, kind TEXT NOT NULL, slug TEXT NOT NULL, name TEXT NOT NULL,
    live INTEGER NOT NULL, slots INTEGER NOT NULL) WITHOUT ROWID;
-- A group's members in the order they joined (pos); a member that left keeps its place.
CREATE TABLE IF NOT EXISTS members (
    grp TEXT NOT NULL, pos INTEGER NOT NULL, id TEXT NOT NULL, live INTEGER NOT NULL,
    date REAL NOT NULL, name TEXT NOT NULL, removed_at INTEGER, removed_pos INTEGER,
    expired INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (grp, pos)) WITHOUT ROWID;
-- Every permalink and alias ever published, and the story it was.
CREATE TABLE IF NOT EXISTS paths (path TEXT PRIMARY KEY, id TEXT NOT NULL, alias INTEGER)
    WITHOUT ROWID;
-- Local media files that stories use.
CREATE TABLE IF NOT EXISTS media (file TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (file, id))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS problems (
    source TEXT NOT NULL, line INTEGER, message TEXT NOT NULL, kind TEXT NOT NULL,
    grp TEXT, warning INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, version INTEGER NOT NULL,
    stamp INTEGER NOT NULL) WITHOUT ROWID;
-- A section whose stories all went to another (its folder renamed): its URLs answer 301 there.
CREATE TABLE IF NOT EXISTS moved (grp TEXT PRIMARY KEY, moved_to TEXT NOT NULL,
    moved_at INTEGER NOT NULL) WITHOUT ROWID;
-- Every line of the publication history this catalogue wrote or was built from, in order
-- (feeds.catalog.history): written back into history/ if the files lose one.
CREATE TABLE IF NOT EXISTS history (line TEXT NOT NULL);
-- Who reads the feeds (feeds.catalog.statsdays): each day's counts per feed (a group's base
-- path) and format ('' for all its formats), and the aggregators' subscribers among them.
CREATE TABLE IF NOT EXISTS stats_days (day TEXT PRIMARY KEY, final INTEGER NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats_feeds (
    day TEXT NOT NULL, feed TEXT NOT NULL, format TEXT NOT NULL, polls INTEGER NOT NULL,
    not_modified INTEGER NOT NULL, sent INTEGER NOT NULL, full INTEGER NOT NULL,
    readers INTEGER NOT NULL, pollers INTEGER NOT NULL, impolite INTEGER NOT NULL,
    PRIMARY KEY (day, feed, format)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats_subscribers (
    day TEXT NOT NULL, feed TEXT NOT NULL, format TEXT NOT NULL, aggregator TEXT NOT NULL,
    subscribers INTEGER NOT NULL, PRIMARY KEY (day, feed, format, aggregator)) WITHOUT ROWID;
"""
# Made after the first build's data is in (sorting once beats a million random inserts).
# What serving workers query is made before a first build goes live, the rest after.
SERVING_INDEXES = """
CREATE INDEX IF NOT EXISTS stories_path ON stories(path, live);
CREATE INDEX IF NOT EXISTS members_date ON members(grp, live, date, pos);
CREATE INDEX IF NOT EXISTS keys_version ON keys(version);
CREATE INDEX IF NOT EXISTS texts_updated ON texts(source, json_extract(story, '$.updated'));
"""
PUBLISHER_INDEXES = """
CREATE INDEX IF NOT EXISTS files_id ON files(id);
CREATE INDEX IF NOT EXISTS files_path ON files(path);
CREATE INDEX IF NOT EXISTS files_ino ON files(ino);
CREATE INDEX IF NOT EXISTS files_waiting ON files(date) WHERE state = 'scheduled';
CREATE INDEX IF NOT EXISTS files_no_id ON files(source) WHERE state = 'live' AND own_id = 0;
CREATE INDEX IF NOT EXISTS stories_source ON stories(source);
CREATE UNIQUE INDEX IF NOT EXISTS members_id ON members(grp, id);
CREATE INDEX IF NOT EXISTS members_removed ON members(removed_at) WHERE live = 0 AND expired = 0;
CREATE INDEX IF NOT EXISTS media_story ON media(id);
CREATE INDEX IF NOT EXISTS problems_source ON problems(source);
CREATE INDEX IF NOT EXISTS problems_grp ON problems(grp);
"""
INDEXES = SERVING_INDEXES + PUBLISHER_INDEXES


def catalog_path(root: Path) -> Path:
    """Return where a site's catalogue lives."""
    return root / STATE_FOLDER / CATALOG_FILE


def connect_writer(path: Path | str, indexes: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) the catalogue for the one writer."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                         timeout=BUSY_TIMEOUT)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
    db.execute("PRAGMA temp_store=MEMORY")
    db.execute("PRAGMA cache_size=-32000")
    db.executescript(TABLES + (INDEXES if indexes else SERVING_INDEXES))
    return db


def create_tables(db: sqlite3.Connection) -> None:
    """Make the tables this feeds writes that a catalogue lacks (in a migration's
    transaction)."""
    run_script(db, TABLES, {})


def copy_into(db: sqlite3.Connection, path: Path | str) -> None:
    """Write the whole catalogue ``db`` into a new file at ``path`` (one that is not there)."""
    db.execute("VACUUM INTO ?", (str(path),))


def add_publisher_indexes(db: sqlite3.Connection) -> None:
    """Make the indexes only the publisher uses (for changes), after a first build's data."""
    db.executescript(PUBLISHER_INDEXES)


def connect_builder(path: Path | str) -> sqlite3.Connection:
    """Open a new catalogue file for its first build: no journal, no indexes yet.

    Nobody reads it until ``finish_build`` has made the indexes, turned on WAL and
    the file has been moved into place; a crash leaves only a file to delete.
    """
    Path(path).unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                         timeout=BUSY_TIMEOUT)
    db.execute(f"PRAGMA page_size={PAGE_SIZE}")  # a story's text fits one page, not a chain
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA temp_store=MEMORY")
    db.execute("PRAGMA cache_size=-262144")
    db.executescript(TABLES)
    db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
    return db


def finish_build(db: sqlite3.Connection) -> None:
    """Make what workers need of a first build and switch it to WAL, ready to go in place."""
    db.executescript(SERVING_INDEXES)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-32000")


def connect_reader(path: Path | str) -> sqlite3.Connection:
    """Open the catalogue read-only (a serving worker, a command reading a live site)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None,
                         check_same_thread=False, timeout=BUSY_TIMEOUT)
    db.execute("PRAGMA query_only=1")
    db.execute("PRAGMA cache_size=-4000")
    return db


@contextlib.contextmanager
def transaction(db: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE") -> Iterator[None]:
    """Run the block as one transaction: committed when it ends, rolled back if it raises.

    ``BEGIN IMMEDIATE`` takes the write lock at once, so a writer never finds the file
    changed under a read it already made; a catalogue or record with a single writer may
    pass plain ``BEGIN``.
    """
    db.execute(begin)
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def run_script(db: sqlite3.Connection, script: str, values: dict[str, object]) -> None:
    """Run a script's statements inside the current transaction (``executescript`` would
    commit first), each with the named values it uses."""
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement, {k: v for k, v in values.items() if f":{k}" in statement})


def in_chunks(db: sqlite3.Connection, sql: str, values: Iterable[object],
              before: Sequence[object] = (), size: int = 900) -> Iterator[tuple[Any, ...]]:
    """Yield the rows of ``sql`` for every value, ``size`` at a time: ``{}`` in ``sql`` is
    the list of marks (SQLite takes a bounded number of variables in one statement), and
    ``before`` the values of any marks ahead of it."""
    listed = list(values)
    for start in range(0, len(listed), size):
        chunk = listed[start:start + size]
        yield from db.execute(sql.format(",".join("?" * len(chunk))), (*before, *chunk))


def file_identity(path: str | Path) -> tuple[int, int] | None:
    """Return (device, inode) of a file (the catalogue's: a new file means a rebuilt
    catalogue), or None when there is none."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)
