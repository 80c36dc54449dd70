"""Upgrade a catalogue written by an earlier feeds in place: numbered steps, never a rebuild.

The catalogue's ``meta`` table says which schema wrote it (``schema``). Each step below
takes a catalogue of the version before it to its own, as a small function; every step
a catalogue needs runs in one transaction, with the new version, so a catalogue is
migrated whole or not at all. A catalogue that cannot be read (not SQLite, damaged,
written by a newer feeds, or a migration that fails) is moved aside and rebuilt from the
story files and the history (``/healthz`` warns until the moved copy is deleted).

Each step is tested on a catalogue written by the release before it, kept in
``tests/data/release-N/``.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..site.story import Author, Enclosure, Image, Story
from .history import numbered, snapshot
from .parsing import text_digest
from .store import (
    SCHEMA_VERSION,
    Problem,
    connect_writer,
    files,
    meta,
    set_meta,
    transaction,
)
from .store.historytable import add_lines
from .store.schema import create_tables

log = logging.getLogger(__name__)

UNREADABLE = "catalog.unreadable.sqlite3"  # where a catalogue that cannot be read is kept


@dataclass(frozen=True, slots=True)
class Migration:
    """One step: the version it makes, what it does, and the function that does it."""

    version: int
    change: str
    run: Callable[[sqlite3.Connection], None]


def _history(db: sqlite3.Connection) -> None:
    """Keep the publication history in the catalogue, and write down what the catalogue
    knows so far: every story published (when is unknown: the catalogue's birth stands
    for it), every place left and story removed at its second. The next start appends
    these lines to ``history/``."""
    create_tables(db)
    born = int(meta(db, "born", 0))  # type: ignore[call-overload]
    add_lines(db, numbered(db, snapshot(db, born), born))
    set_meta(db, "history_files", "")  # the files have none of it yet


def _keyed_stories(db: sqlite3.Connection) -> None:
    """Keep each story as keyed JSON (every field by its name: a field added later needs no
    migration), and its digest again: the digest is of the text, and a file read again
    after the upgrade must not look edited (its documents would all change their dates)."""
    after = 0
    while rows := files.texts_after(db, after, 1000):
        files.rewrite_texts(db, [(text, text_digest(text), rowid, source)
                                 for rowid, source, old in rows
                                 for text in (_positional(old).to_json(),)])
        after = rows[-1][0]


def _positional(text: str) -> Story:
    """Read a story as schema 2 wrote it: its fields in a list, in the record's order."""
    (path, source, title, story_id, date, updated, authors, section, tags, summary, body,
     image, enclosures, link, draft, aliases) = json.loads(text)
    return Story(
        path=path, source=source, title=title, id=story_id,
        date=datetime.fromisoformat(date), updated=datetime.fromisoformat(updated),
        authors=tuple(Author(*a) for a in authors), section=section, tags=tuple(tags),
        summary=summary, body=body, image=Image(*image) if image else None,
        enclosures=tuple(Enclosure(*e) for e in enclosures), link=link, draft=draft,
        aliases=tuple(aliases))


MIGRATIONS = (
    Migration(2, "the publication history (history/ in the site folder, and in the catalogue)",
              _history),
    Migration(3, "stories kept as keyed JSON", _keyed_stories),
)


class Unreadable(Exception):
    """The catalogue cannot be read by this feeds; the message says why."""


def migrate(db: sqlite3.Connection) -> list[int]:
    """Bring ``db`` to ``SCHEMA_VERSION``; return the steps run. Raise ``Unreadable``."""
    try:
        version = meta(db, "schema")
    except sqlite3.DatabaseError as error:
        raise Unreadable(f"it is not a catalogue SQLite can read ({error})") from None
    if not isinstance(version, int) or version < 1:
        raise Unreadable(f"it has no schema version feeds knows ({version!r})")
    if version > SCHEMA_VERSION:
        raise Unreadable(f"it was written by a newer feeds (schema {version}; this one "
                         f"knows {SCHEMA_VERSION})")
    steps = [m for m in MIGRATIONS if m.version > version]
    if not steps:
        return []
    try:
        with transaction(db):
            for step in steps:
                log.warning("upgrading the catalogue to schema %d: %s", step.version,
                            step.change)
                step.run(db)
            set_meta(db, "schema", SCHEMA_VERSION)
    except sqlite3.Error as error:
        raise Unreadable(f"upgrading it from schema {version} failed ({error})") from None
    return [step.version for step in steps]


def is_damaged(error: sqlite3.Error) -> bool:
    """Tell whether an error says the catalogue file is damaged (not a full disk, not a lock)."""
    return getattr(error, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def open_catalog(path: Path) -> tuple[sqlite3.Connection | None, Problem | None]:
    """Open and migrate the catalogue at ``path`` for the publisher; when it cannot be read,
    move it aside and return (None, a warning saying so): the caller builds a new one."""
    db = None
    try:
        db = connect_writer(path)
        migrate(db)
        return db, None
    except Unreadable as error:
        reason = str(error)
    except sqlite3.DatabaseError as error:
        if not is_damaged(error):
            raise  # a full disk or a lock: reported and retried, never a rebuild
        reason = str(error)
    if db is not None:
        db.close()
    return None, set_aside(path, reason)


def set_aside(path: Path, reason: str) -> Problem:
    """Move a catalogue that cannot be read out of the way, keeping it; return the warning that
    says so until it is deleted."""
    aside = path.with_name(UNREADABLE)
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            os.replace(source, f"{aside}{suffix}")
    log.error("%s cannot be read (%s): rebuilding it from the story files and history/",
              path, reason)
    return Problem(f"{path.parent.name}/{path.name}", None, (
        f"the catalogue could not be read ({reason}), so it was rebuilt from the story files "
        f"and history/; the old one is kept as {path.parent.name}/{UNREADABLE}: delete it "
        "once you no longer need it."), warning=True)
