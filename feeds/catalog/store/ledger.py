"""The ledger's tables: ``stories`` (every story ever published, by id), ``paths`` (every
permalink and alias ever published) and ``media`` (the local files live stories use)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import orjson

from ..records import Entry
from .schema import in_chunks

StoryRow = tuple[str, int, str | None, str | None, str]  # id, seq, source, path, groups (JSON)


def entries(db: sqlite3.Connection, ids: Iterable[str]) -> dict[str, Entry]:
    """Return the ledger's entries for ``ids`` (those it has), with the digest and date of
    a live story's file."""
    return {story_id: Entry(story_id, source, path, bool(live), orjson.loads(groups), digest,
                            date or 0.0)
            for story_id, source, path, live, groups, digest, date in in_chunks(
                db, "SELECT s.id, s.source, s.path, s.live, s.groups, f.digest, f.date "
                "FROM stories s LEFT JOIN files f ON f.source = s.source AND s.live = 1 "
                "WHERE s.id IN ({})", ids)}


def live_at(db: sqlite3.Connection, paths: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Return, for each of ``paths`` a story is live at, that story's id and file."""
    return {path: (story_id, source) for path, story_id, source in in_chunks(
        db, "SELECT path, id, source FROM stories WHERE live = 1 AND path IN ({})", paths)}


def add_stories(db: sqlite3.Connection, rows: Iterable[StoryRow]) -> None:
    """Add stories published for the first time (live)."""
    db.executemany("INSERT INTO stories VALUES (?, ?, ?, ?, 1, NULL, ?)", rows)


def publish_again(db: sqlite3.Connection, story_id: str, source: str, path: str,
                  groups: str) -> None:
    """Record a known story live (again), from ``source`` at ``path``, in ``groups``."""
    db.execute("UPDATE stories SET source = ?, path = ?, live = 1, removed_at = NULL, "
               "groups = ? WHERE id = ?", (source, path, groups, story_id))


def unpublish(db: sqlite3.Connection, story_id: str, at: int, source: str | None) -> None:
    """Record a story removed at ``at`` (``source``: its file, while that is still there)."""
    db.execute("UPDATE stories SET live = 0, removed_at = ?, source = ? WHERE id = ?",
               (at, source, story_id))


def groups_of(db: sqlite3.Connection, ids: Iterable[str], live: bool = False) -> list[list[str]]:
    """Return the groups each of the stories ``ids`` is in (or was in, when it left);
    ``live``: only stories live now."""
    where = " AND live = 1" if live else ""
    return [orjson.loads(groups) for (groups,) in in_chunks(
        db, f"SELECT groups FROM stories WHERE id IN ({{}}){where}", ids)]


def add_restored(db: sqlite3.Connection, stories: Iterable[tuple[object, ...]],
                 paths: Iterable[tuple[str, str, int]]) -> None:
    """Add a ledger read from the history: its stories (as they stand) and paths."""
    db.executemany("INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?, ?)", stories)
    db.executemany("INSERT INTO paths VALUES (?, ?, ?)", paths)


# Paths --------------------------------------------------------------------------------------

def paths_now(db: sqlite3.Connection, paths: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Return what each of ``paths`` names now: (story id, whether an alias)."""
    return {path: (story_id, int(alias)) for path, story_id, alias in in_chunks(
        db, "SELECT path, id, alias FROM paths WHERE path IN ({})", paths)}


def put_paths(db: sqlite3.Connection, rows: Iterable[tuple[str, str, int]]) -> None:
    """Record (path, story id, alias) rows: what each path names from now on."""
    db.executemany("INSERT OR REPLACE INTO paths VALUES (?, ?, ?)", rows)


# Media --------------------------------------------------------------------------------------

def media_of(db: sqlite3.Connection, story_id: str) -> set[str]:
    return {f for (f,) in db.execute("SELECT file FROM media WHERE id = ?", (story_id,))}


def replace_media(db: sqlite3.Connection, story_id: str, files: Iterable[str]) -> None:
    db.execute("DELETE FROM media WHERE id = ?", (story_id,))
    db.executemany("INSERT INTO media VALUES (?, ?)", [(f, story_id) for f in files])


def add_media(db: sqlite3.Connection, rows: Iterable[tuple[str, str]]) -> None:
    """Add (file, story id) rows."""
    db.executemany("INSERT OR IGNORE INTO media VALUES (?, ?)", rows)


def media_from_files(db: sqlite3.Connection) -> None:
    """Record the media files every live story's file names (those a history restored as
    they were: nothing was decided for them)."""
    db.execute("INSERT OR IGNORE INTO media (file, id) SELECT j.value, s.id FROM stories s "
               "JOIN files f ON f.source = s.source, json_each(f.media) AS j WHERE s.live = 1")


def sources_using(db: sqlite3.Connection, file: str) -> list[str]:
    """Return the files of the stories that use the media file ``file``."""
    return [s for (s,) in db.execute(
        "SELECT s.source FROM media m JOIN stories s ON s.id = m.id "
        "WHERE m.file = ? AND s.source IS NOT NULL", (file,))]


def aliases(db: sqlite3.Connection) -> list[str]:
    """Return every path that is an alias of a story."""
    return [path for (path,) in db.execute("SELECT path FROM paths WHERE alias")]
