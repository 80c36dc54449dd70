"""Hold what one source gives on disk until it has been read whole, in bounded memory.

A source is imported whole or not at all (a history cut short would import as if
the rest had been deleted), so its items must wait somewhere until its last page
or line has been read. Held in memory they grew without bound: a paged feed that
kept giving 200 new items a page reached 794 MB in 40 s. Here they wait in a
SQLite file in a private temporary folder (removed when the import ends), each
item once (the first met wins: a feed's first page is its newest), with SQLite's
own small page cache as the only memory they cost. Readers also keep here what
they must join later (a WordPress post's attachments, a Ghost post's tags).
"""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from typing import Any

from .items import Item

_SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -4000;
CREATE TABLE items (seq INTEGER PRIMARY KEY, key TEXT UNIQUE, data BLOB);
CREATE TABLE notes (seq INTEGER PRIMARY KEY, kind TEXT, key TEXT, data BLOB);
CREATE INDEX notes_by_key ON notes (kind, key);
"""
_BATCH = 256


class Spool:
    """The items of one source (and its readers' notes), on disk, in the order met."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="feeds-import-")  # (mode 700: ours alone)
        self.db = sqlite3.connect(os.path.join(self.folder, "spool.sqlite3"),
                                  isolation_level=None)
        self.db.executescript(_SCHEMA)
        self.db.execute("BEGIN")
        self.count = 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, item: Item) -> bool:
        """Keep ``item`` unless one with the same id (or link) is already kept; say which."""
        key = item.id or item.link or item.position
        cursor = self.db.execute("INSERT OR IGNORE INTO items (key, data) VALUES (?, ?)",
                                 (key, pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)))
        added = cursor.rowcount == 1
        self.count += added
        return added

    def items(self) -> Iterator[Item]:
        """Yield the items kept, in the order they were met."""
        last = 0
        while True:
            rows = self.db.execute("SELECT seq, data FROM items WHERE seq > ? ORDER BY seq "
                                   "LIMIT ?", (last, _BATCH)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            for _, data in rows:
                yield pickle.loads(data)  # noqa: S301 - written by this process, just now

    def note(self, kind: str, key: str, value: Any) -> None:
        """Keep ``value`` under ``kind`` and ``key`` for a reader to look up later."""
        self.db.execute("INSERT INTO notes (kind, key, data) VALUES (?, ?, ?)",
                        (kind, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))

    def notes(self, kind: str, key: str | None = None) -> Iterator[tuple[str, Any]]:
        """Yield (key, value) of the notes of ``kind`` (of one ``key``), in the order kept."""
        last = 0
        where = "kind = ? AND seq > ?" + (" AND key = ?" if key is not None else "")
        while True:
            arguments: tuple[Any, ...] = (kind, last) + ((key,) if key is not None else ())
            rows = self.db.execute(f"SELECT seq, key, data FROM notes WHERE {where} "
                                   "ORDER BY seq LIMIT ?", (*arguments, _BATCH)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            for _, found, data in rows:
                yield found, pickle.loads(data)  # noqa: S301 - written by this process

    def first_note(self, kind: str, key: str) -> Any:
        """The first value kept under ``kind`` and ``key``, or None."""
        return next((value for _, value in self.notes(kind, key)), None)

    def close(self) -> None:
        self.db.close()
        shutil.rmtree(self.folder, ignore_errors=True)
