"""What the catalogue holds, listed whole: for a static build, and for the publication hooks.

Unlike a ``View``'s reads these record no keys: a build lists what exists once, then
renders each document through a view of its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .ledger import groups_of
from .schema import in_chunks


def live_paths(db: sqlite3.Connection) -> list[str]:
    """Return the path of every live story, sorted."""
    return [path for (path,) in db.execute(
        "SELECT path FROM stories WHERE live = 1 ORDER BY path")]


def live_ids(db: sqlite3.Connection) -> list[str]:
    """Return the id of every live story."""
    return [story_id for (story_id,) in db.execute("SELECT id FROM stories WHERE live = 1")]


def texts_of(db: sqlite3.Connection, ids: Iterable[str]) -> list[str]:
    """Return the stored text (``Story.to_json``) of each of the stories ``ids``."""
    return [text for (text,) in in_chunks(
        db, "SELECT t.story FROM stories s JOIN texts t ON t.source = s.source "
        "WHERE s.id IN ({})", ids)]


def used_media(db: sqlite3.Connection) -> list[str]:
    """Return every media file a live story uses (a path under ``content/``), sorted."""
    return [file for (file,) in db.execute(
        "SELECT DISTINCT m.file FROM media m JOIN stories s ON s.id = m.id AND s.live = 1 "
        "ORDER BY m.file")]


def old_paths(db: sqlite3.Connection) -> list[tuple[str, bool]]:
    """Return (path, whether an alias) of every path a story had where none is live now."""
    return [(path, bool(alias)) for path, alias in db.execute(
        "SELECT p.path, p.alias FROM paths p "
        "WHERE NOT EXISTS (SELECT 1 FROM stories l WHERE l.path = p.path AND l.live = 1) "
        "ORDER BY p.path")]


def moved_sections(db: sqlite3.Connection) -> list[tuple[str, int]]:
    """Return (section, places it had) of every section whose stories went to another."""
    return db.execute("SELECT m.grp, g.slots FROM moved m JOIN groups g ON g.grp = m.grp "
                      "ORDER BY m.grp").fetchall()


def groups_of_stories(db: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """Return every group the stories ``ids`` are in (or were in, when they left)."""
    return {group for groups in groups_of(db, ids) for group in groups}
