"""The catalogue: one SQLite file in ``.feeds/`` (WAL: one writer, many readers).

The publisher is its only writer; serving workers open it read-only and see each
committed version whole. It holds what serving needs and what cannot be read
back from the files: the last good parse of every story file, the id ledger
(which file holds each id, when each story was first published, which were
removed and when), every group's members in the order they joined, the
problems, and for every *key* (a group, a story, a path, the settings...) the
version and the second it last changed.

A ``View`` is one consistent read (a read transaction) that records every key it
reads. A document rendered through a view knows exactly what it depends on:
workers drop it when one of those keys changes, and its Last-Modified is the
newest second among them. Both follow from the catalogue alone, so every worker,
and every restart, agrees; and a second only moves when a key the document
reads has changed.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..site.config import Settings
from ..site.story import Story
from .groups import SITE, Group

STATE_FOLDER = ".feeds"
CATALOG_FILE = "catalog.sqlite3"
SCHEMA_VERSION = 2  # the last of feeds.catalog.migrations
BUSY_TIMEOUT = 10.0  # seconds a connection waits for the writer's lock

TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
-- Every story file seen: its version, its last good parse (NULL if never good) and the
-- claims that parse makes, and why the file as it stands cannot be used (NULL if it can).
CREATE TABLE IF NOT EXISTS files (
    source TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, ino INTEGER,
    id TEXT, path TEXT, date REAL, draft INTEGER, own_id INTEGER, digest TEXT,
    groups TEXT, media TEXT, missing TEXT, aliases TEXT, keys TEXT, problem TEXT, line INTEGER,
    state TEXT);
-- The last good parse of each file, as JSON (kept apart: files' rows change often, this
-- rarely, and it is large).
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
"""
# Made after the first build's data is in (sorting once beats a million random inserts).
# What serving workers query is made before a first build goes live, the rest after.
SERVING_INDEXES = """
CREATE INDEX IF NOT EXISTS stories_path ON stories(path, live);
CREATE INDEX IF NOT EXISTS members_date ON members(grp, live, date, pos);
CREATE INDEX IF NOT EXISTS keys_version ON keys(version);
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


PAGE_SIZE = 16384


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


def meta(db: sqlite3.Connection, key: str, default: object = None) -> object:
    """Return one value of the meta table."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return default if row is None else row[0]


def set_meta(db: sqlite3.Connection, key: str, value: object) -> None:
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


@dataclass(frozen=True, slots=True)
class Problem:
    """A file that cannot be used as it stands (or a warning about one), and what to do."""

    source: str
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        level = "warning: " if self.warning else ""
        return f"{self.source}:{self.line or 1}: {level}{self.message}"


@dataclass(frozen=True, slots=True)
class Member:
    """One place in a group's order: a live story, or a story that left (a tombstone)."""

    pos: int
    id: str
    story: Story | None  # None once it left
    removed_at: int | None


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A group with its counts: live members, and places ever taken."""

    group: Group
    live: int
    slots: int


@dataclass(frozen=True, slots=True)
class PathState:
    """What a permalink or alias path names when no live story is published there."""

    story_id: str
    moved_to: str | None  # the story's page now, or None when it is gone


class View:
    """One consistent read of the catalogue, recording every key it reads.

    Use as a context manager around the reads of one document; ``deps`` then holds
    what the document depends on and ``last_modified()`` its second.
    """

    def __init__(self, db: sqlite3.Connection, settings_of: Callable[[str], Settings]):
        self.db = db
        self._settings_of = settings_of
        self._settings: Settings | None = None
        self.deps: set[str] = {"settings"}
        self.version = 0

    def __enter__(self) -> View:
        self.db.execute("BEGIN")
        try:
            self.version = int(meta(self.db, "version", 0))  # type: ignore[call-overload]
            raw = meta(self.db, "settings")
            if raw is None:
                raise sqlite3.OperationalError("the catalogue holds no settings yet")
            self._settings = self._settings_of(str(raw))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.execute("COMMIT")

    @property
    def settings(self) -> Settings:
        """Return the settings of the version being read."""
        assert self._settings is not None, "use the view as a context manager"
        return self._settings

    # What the site holds ---------------------------------------------------------------------

    def group(self, key: str) -> GroupInfo | None:
        """Return a group with live stories (its name and counts), or None."""
        self.deps.add(f"group:{key}")
        return self._group(key)

    def group_name(self, key: str) -> Group | None:
        """Return a group with live stories, by name only (what a link to it needs)."""
        self.deps.add(f"name:{key}")
        info = self._group(key)
        return info.group if info is not None else None

    def exists(self, key: str) -> GroupInfo | None:
        """Return the group's counts without recording them: only for deciding that a URL exists.

        A full archive page never changes as stories arrive, so its existence must not
        make it depend on the group's count.
        """
        return self._group(key)

    def _group(self, key: str) -> GroupInfo | None:
        row = self.db.execute("SELECT kind, slug, name, live, slots FROM groups WHERE grp = ?",
                              (key,)).fetchone()
        if row is None:
            return GroupInfo(SITE, 0, 0) if key == SITE.key else None
        if row[3] == 0 and key != SITE.key:
            return None
        return GroupInfo(Group(row[0], row[1], row[2]), row[3], row[4])

    def groups(self, kind: str | None = None) -> list[Group]:
        """Return every group with live stories (of one kind), sorted by name."""
        self.deps.add("sections" if kind == "section" else "groups")
        rows = self.db.execute(
            "SELECT kind, slug, name FROM groups WHERE live > 0 AND kind != 'site'"
            + (" AND kind = ?" if kind else ""), (kind,) if kind else ()).fetchall()
        return sorted((Group(*row) for row in rows), key=lambda g: (g.name.casefold(), g.slug))

    def newest(self, key: str, limit: int) -> list[Story]:
        """Return a group's newest live stories in publication order, newest first."""
        self.deps.add(f"group:{key}")
        return self._stories(
            "SELECT t.story, s.id FROM members m JOIN stories s ON s.id = m.id "
            "JOIN texts t ON t.source = s.source WHERE m.grp = ? AND m.live = 1 "
            "ORDER BY m.grp DESC, m.pos DESC LIMIT ?", (key, limit))

    def by_date(self, key: str, limit: int, offset: int = 0) -> list[Story]:
        """Return a group's live stories by date, newest first (listing pages)."""
        self.deps.add(f"group:{key}")
        # The places are paged on the date index alone: an OFFSET over the joined rows would
        # read every skipped story's text (the last page of 10,000 stories took 6 ms).
        return self._stories(
            "SELECT t.story, s.id FROM (SELECT pos FROM members WHERE grp = ?1 AND live = 1 "
            "ORDER BY date DESC, pos DESC LIMIT ?2 OFFSET ?3) p "
            "JOIN members m ON m.grp = ?1 AND m.pos = p.pos JOIN stories s ON s.id = m.id "
            "JOIN texts t ON t.source = s.source ORDER BY m.date DESC, m.pos DESC",
            (key, limit, offset))

    def members(self, key: str, first: int, end: int, dep: str) -> list[Member]:
        """Return the places ``first <= pos < end`` of a group, newest first, live or left.

        ``dep`` is the key these places are recorded under: the group's key for its
        subscription document, or one archive page's key (``page:<group>:<n>``).
        """
        self.deps.add(dep)
        rows = self.db.execute(
            "SELECT m.pos, m.id, m.live, m.removed_at, t.story FROM members m "
            "LEFT JOIN stories s ON s.id = m.id AND m.live = 1 "
            "LEFT JOIN texts t ON t.source = s.source "
            "WHERE m.grp = ? AND m.pos >= ? AND m.pos < ? ORDER BY m.pos DESC",
            (key, first, end)).fetchall()
        found = []
        for pos, story_id, live, removed_at, text in rows:
            story = Story.from_json(text) if live and text is not None else None
            if story is not None:
                self.deps.add(f"story:{story_id}")
            found.append(Member(pos, story_id, story, removed_at))
        return found

    def tombstones(self, key: str, after_pos: int) -> list[Member]:
        """Return the members that left a group recently, newest removal first (RFC 6721).

        Recently: fewer than a feed's worth of places were taken after they left
        (``removed_pos > after_pos``), or the publisher has not yet expired them
        (it does so 30 days after the removal).
        """
        self.deps.add(f"group:{key}")
        rows = self.db.execute(
            "SELECT pos, id, removed_at FROM members WHERE grp = ? AND live = 0 "
            "AND removed_at IS NOT NULL AND (removed_pos > ? OR expired = 0) "
            "ORDER BY removed_at DESC, pos DESC", (key, after_pos)).fetchall()
        return [Member(pos, story_id, None, removed_at) for pos, story_id, removed_at in rows]

    def story_at(self, path: str) -> Story | PathState | None:
        """Return the live story whose permalink is ``path``, what became of it, or None."""
        self.deps.add(f"path:{path}")
        row = self.db.execute(
            "SELECT t.story, s.id FROM stories s JOIN texts t ON t.source = s.source "
            "WHERE s.path = ? AND s.live = 1", (path,)).fetchone()
        if row is not None:
            self.deps.add(f"story:{row[1]}")
            return Story.from_json(row[0])
        return self._path_state(path, aliases_only=False)

    def alias_at(self, address: str) -> PathState | None:
        """Return what an old address of a story (an ``aliases`` entry, in ``old_address``
        form) names now, or None."""
        self.deps.add(f"path:{address}")
        return self._path_state(address, aliases_only=True)

    def _path_state(self, path: str, aliases_only: bool) -> PathState | None:
        """What became of the story once published at ``path`` (a permalink or an alias)."""
        row = self.db.execute(
            "SELECT p.id, s.path, s.live FROM paths p JOIN stories s ON s.id = p.id "
            "WHERE p.path = ? AND (p.alias OR NOT ?)", (path, aliases_only)).fetchone()
        if row is None:
            return None
        self.deps.add(f"story:{row[0]}")
        return PathState(row[0], row[1] if row[2] else None)

    def moved_to(self, key: str) -> GroupInfo | None:
        """Return the group whose stories a group with none left went to (a renamed section's
        folder), or None."""
        self.deps.add(f"group:{key}")
        try:
            row = self.db.execute("SELECT moved_to FROM moved WHERE grp = ?", (key,)).fetchone()
        except sqlite3.OperationalError:
            return None  # a catalogue from before sections moved (the publisher adds the table)
        return self.group(row[0]) if row is not None else None

    def uses_media(self, file: str) -> bool:
        """Tell whether a live story uses the media file ``file`` (a path under ``content/``)."""
        self.deps.add(f"media:{file}")
        row = self.db.execute(
            "SELECT 1 FROM media m JOIN stories s ON s.id = m.id AND s.live = 1 "
            "WHERE m.file = ? LIMIT 1", (file,)).fetchone()
        return row is not None

    def _stories(self, sql: str, args: tuple[object, ...]) -> list[Story]:
        found = []
        for text, story_id in self.db.execute(sql, args):
            self.deps.add(f"story:{story_id}")
            found.append(Story.from_json(text))
        return found

    # Status ----------------------------------------------------------------------------------

    def problems(self) -> list[Problem]:
        """Return every problem and warning, sorted by file and line."""
        rows = self.db.execute(
            "SELECT source, line, message, warning FROM problems "
            "ORDER BY source, coalesce(line, 0), message").fetchall()
        return [Problem(source, line, message, bool(warning))
                for source, line, message, warning in rows]

    def last_modified(self) -> int:
        """Return the newest second among the keys read: the document's Last-Modified."""
        return stamp_of(self.db, self.deps)


def stamp_of(db: sqlite3.Connection, deps: Iterable[str]) -> int:
    """Return the newest change stamp among ``deps`` (the catalogue's birth for unknown keys)."""
    keys = list(deps)
    newest = int(meta(db, "born", 0))  # type: ignore[call-overload]
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        row = db.execute(f"SELECT max(stamp) FROM keys WHERE key IN ({','.join('?' * len(chunk))})",
                         chunk).fetchone()
        if row[0] is not None:
            newest = max(newest, int(row[0]))
    return newest


def changed_keys(db: sqlite3.Connection, since: int) -> Iterator[str]:
    """Yield the keys changed in versions after ``since``."""
    for (key,) in db.execute("SELECT key FROM keys WHERE version > ?", (since,)):
        yield key


def parse_settings(raw: str) -> Settings:
    """Read the settings as the catalogue keeps them (``Settings.to_raw`` as JSON)."""
    return Settings.from_raw(json.loads(raw))


def now_stamp() -> int:
    return int(time.time())


def file_identity(path: Path) -> tuple[int, int] | None:
    """Return (device, inode) of the catalogue file: a new file means a rebuilt catalogue."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)
