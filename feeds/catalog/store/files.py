"""The ``files`` and ``texts`` tables: every story file seen, its last good parse and its standing.

A file's row holds its version (time, size, inode: what says it changed), the claims
its last good parse makes (id, path, date, groups, media, aliases) and its standing
(``state``: live, scheduled, draft, refused, broken); its text, the story as keyed JSON,
is in ``texts``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

import orjson

from ..records import FileRow
from .schema import in_chunks

_COLUMNS = "source, id, path, date, draft, digest, groups, media, aliases, state"
Signature = tuple[int, int, int]  # mtime_ns, size, inode


def _file_row(row: Sequence[object]) -> FileRow:
    source, story_id, path, date, draft, digest, groups, media, aliases, state = row
    return FileRow(str(source), story_id, path,  # type: ignore[arg-type]
                   float(date or 0.0), bool(draft), digest,  # type: ignore[arg-type]
                   [tuple(g) for g in orjson.loads(groups or "[]")],  # type: ignore[arg-type]
                   orjson.loads(media or "[]"), orjson.loads(aliases or "[]"),  # type: ignore[arg-type]
                   state)  # type: ignore[arg-type]


def load(db: sqlite3.Connection, column: str, values: Iterable[str]) -> list[FileRow]:
    """Return the files whose ``column`` (source, id or path) is one of ``values``."""
    return [_file_row(row) for row in in_chunks(
        db, f"SELECT {_COLUMNS} FROM files WHERE {column} IN ({{}})", values)]


def sources(db: sqlite3.Connection, column: str, values: Iterable[str]) -> list[str]:
    """Return the sources of the files whose ``column`` is one of ``values``."""
    return [source for (source,) in in_chunks(
        db, f"SELECT source FROM files WHERE {column} IN ({{}})", values)]


def existing(db: sqlite3.Connection, wanted: Iterable[str]) -> set[str]:
    """Return which of the sources ``wanted`` the catalogue has a row for."""
    return set(sources(db, "source", wanted))


# Writing what was read -----------------------------------------------------------------------

def write(db: sqlite3.Connection, gone: Sequence[tuple[str]],
          broken: Sequence[tuple[object, ...]], good: Sequence[tuple[object, ...]],
          texts: Sequence[tuple[str, str]]) -> None:
    """Write a chunk of parse results: files gone, broken (their last good parse stays),
    and good (their claims, standing and text)."""
    db.executemany("DELETE FROM files WHERE source = ?", gone)
    db.executemany("DELETE FROM texts WHERE source = ?", gone)
    db.executemany(
        "INSERT INTO files (source, mtime_ns, size, ino, problem, line, state) "
        "VALUES (?, ?, ?, ?, ?, ?, 'broken') ON CONFLICT (source) DO UPDATE SET "
        "mtime_ns = excluded.mtime_ns, size = excluded.size, ino = excluded.ino, "
        "problem = excluded.problem, line = excluded.line", broken)
    db.executemany(
        "INSERT OR REPLACE INTO files (source, mtime_ns, size, ino, id, path, date, draft, "
        "own_id, digest, groups, media, missing, aliases, keys, state) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", good)
    db.executemany("INSERT OR REPLACE INTO texts VALUES (?, ?)", texts)


def settled(db: sqlite3.Connection, sources: Iterable[str]) -> set[str]:
    """Return which of ``sources`` stand as their last good parse left them: an id of their
    own, no media missing, no problem (what a file read again unchanged cannot alter), and
    not asked to be read again (``read_all_again``: new settings or reading rules, which
    must decide every story again)."""
    return {source for (source,) in in_chunks(
        db, "SELECT source FROM files WHERE source IN ({}) AND own_id = 1 AND (missing IS NULL "
            "OR missing = '[]') AND problem IS NULL AND state != 'broken' AND mtime_ns != -1",
        sources)}


def set_versions(db: sqlite3.Connection, versions: Sequence[tuple[int, int, int, str]]) -> None:
    """Record files' new versions (mtime_ns, size, inode, source) and nothing else."""
    db.executemany("UPDATE files SET mtime_ns = ?, size = ?, ino = ? WHERE source = ?", versions)


def set_states(db: sqlite3.Connection, updates: list[tuple[str, str]]) -> None:
    """Record files' standing: (state, source) pairs."""
    db.executemany("UPDATE files SET state = ? WHERE source = ?", updates)


# Time --------------------------------------------------------------------------------------

def due(db: sqlite3.Connection, now: float) -> list[str]:
    """Return the ids of scheduled stories whose time has come."""
    return [i for (i,) in db.execute(
        "SELECT id FROM files WHERE state = 'scheduled' AND date <= ?", (now,))]


def next_scheduled(db: sqlite3.Connection) -> float | None:
    """Return when the next scheduled story is due."""
    found = db.execute("SELECT min(date) FROM files WHERE state = 'scheduled'").fetchone()[0]
    return None if found is None else float(found)


# What a scan compares ------------------------------------------------------------------------

def signatures(db: sqlite3.Connection, of: Iterable[str] | None = None) -> dict[str, Signature]:
    """Return each file's version as the catalogue last read it (of ``of`` only, if given)."""
    if of is None:
        rows: Iterable[tuple[str, int, int, int]] = db.execute(
            "SELECT source, mtime_ns, size, ino FROM files")
    else:
        rows = in_chunks(db, "SELECT source, mtime_ns, size, ino FROM files WHERE source IN ({})",
                         sorted(of))
    return {source: (mtime, size, ino) for source, mtime, size, ino in rows}


def read_all_again(db: sqlite3.Connection) -> None:
    """Forget every file's version, so the next scan reads every file again."""
    db.execute("UPDATE files SET mtime_ns = -1")


def missing_media(db: sqlite3.Connection) -> list[str]:
    """Return the files that name a media file that was not there."""
    return [s for (s,) in db.execute(
        "SELECT source FROM files WHERE missing IS NOT NULL AND missing != '[]'")]


def below(db: sqlite3.Connection, folder: str) -> list[str]:
    """Return the files the catalogue knows below ``folder``."""
    return [s for (s,) in db.execute("SELECT source FROM files WHERE source > ? AND source < ?",
                                     (folder + "/", folder + "0"))]  # '0' follows '/'


def naming_missing(db: sqlite3.Connection, file: str) -> list[str]:
    """Return the files that named ``file`` (under ``content/``) when it was missing."""
    return [s for (s,) in db.execute("SELECT source FROM files WHERE missing LIKE ?",
                                     (f"%{file}%",))]


def inodes(db: sqlite3.Connection, of: Iterable[str]) -> list[int]:
    """Return the inodes the catalogue knows for the files ``of``."""
    return [int(ino) for (ino,) in in_chunks(
        db, "SELECT ino FROM files WHERE source IN ({}) AND ino IS NOT NULL", of)]


def with_inodes(db: sqlite3.Connection, wanted: Iterable[int]) -> list[tuple[str, int, bool]]:
    """Return (source, inode, live) of the files with one of the inodes ``wanted``."""
    return [(str(s), int(i), bool(live)) for s, i, live in in_chunks(
        db, "SELECT source, ino, state = 'live' FROM files WHERE ino IN ({})", wanted)]


# Ids ----------------------------------------------------------------------------------------

def without_own_id(db: sqlite3.Connection, after: str = "",
                   limit: int | None = None) -> list[tuple[str, str, int, int, int]]:
    """Return (source, id, version) of live stories without an id of their own, in order
    of source after ``after``."""
    return db.execute(
        "SELECT source, id, mtime_ns, size, ino FROM files WHERE state = 'live' "
        "AND own_id = 0 AND source > ? ORDER BY source LIMIT ?",
        (after, -1 if limit is None else limit)).fetchall()


def ids_written(db: sqlite3.Connection, updates: list[tuple[int, int, int, str]]) -> None:
    """Record files the id writer wrote (their new version): they now have their own id."""
    db.executemany("UPDATE files SET mtime_ns = ?, size = ?, ino = ?, own_id = 1 "
                   "WHERE source = ?", updates)


# Texts ----------------------------------------------------------------------------------------

def texts_after(db: sqlite3.Connection, rowid: int, limit: int) -> list[tuple[int, str, str]]:
    """Return (rowid, source, text) of up to ``limit`` stored stories after ``rowid``."""
    return db.execute("SELECT rowid, source, story FROM texts WHERE rowid > ? ORDER BY rowid "
                      "LIMIT ?", (rowid, limit)).fetchall()


def rewrite_texts(db: sqlite3.Connection, rows: Sequence[tuple[str, str, int, str]]) -> None:
    """Store (text, digest, rowid, source) rows: each story written anew, and its digest."""
    db.executemany("UPDATE texts SET story = ? WHERE rowid = ?", [r[::2] for r in rows])
    db.executemany("UPDATE files SET digest = ? WHERE source = ?", [r[1::2] for r in rows])


# A first build ------------------------------------------------------------------------------

def claims_of_unknown_ids(db: sqlite3.Connection) -> list[FileRow]:
    """Return the files claiming an id the ledger does not know (after a history)."""
    return [_file_row(row) for row in db.execute(
        f"SELECT {_COLUMNS} FROM files WHERE digest IS NOT NULL AND draft = 0 "
        "AND id NOT IN (SELECT id FROM stories)")]


def places_filled(db: sqlite3.Connection) -> dict[str, tuple[float, dict[str, str]]]:
    """Return, for each story whose file holds its id, the file's date and the name it
    spells each of its groups with (what the ledger keeps beside each place)."""
    return {story_id: (date, dict(orjson.loads(groups))) for story_id, date, groups in
            db.execute("SELECT s.id, f.date, f.groups FROM stories s JOIN files f "
                       "ON f.source = s.source AND f.id = s.id "
                       "WHERE f.digest IS NOT NULL AND f.draft = 0")}
