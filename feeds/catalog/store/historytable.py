"""The ``history`` table: every line of the publication history the catalogue wrote or was
built from (``feeds.catalog.history``), and the ledger as rows to write it down from."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

import orjson


def add_lines(db: sqlite3.Connection, lines: Iterable[str]) -> None:
    db.executemany("INSERT INTO history (line) VALUES (?)", [(line,) for line in lines])


def lines(db: sqlite3.Connection) -> Iterator[str]:
    """Yield every line the catalogue holds, in the order it wrote them."""
    for (line,) in db.execute("SELECT line FROM history ORDER BY rowid"):
        yield line


# The whole ledger, for a catalogue from before the history existed (its migration) ----------

def published(db: sqlite3.Connection,
              chunk: int = 20_000) -> Iterator[list[tuple[str, int, str, str, object]]]:
    """Yield, ``chunk`` at a time in publication order, each story's id, number, file, path
    and every place it has (live or left) as a JSON object (aggregated by SQLite)."""
    rows = db.execute(
        "SELECT s.id, s.seq, s.source, s.path, p.places FROM stories s LEFT JOIN "
        "(SELECT id, json_group_object(grp, pos) AS places FROM members GROUP BY id) p "
        "ON p.id = s.id ORDER BY s.seq")
    while found := rows.fetchmany(chunk):
        yield [(story_id, seq, source, path, orjson.Fragment(places or "{}"))
               for story_id, seq, source, path, places in found]


def paths(db: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """Return every path the ledger knows: (path, story id, alias), by path."""
    return db.execute("SELECT path, id, alias FROM paths ORDER BY path").fetchall()


def left(db: sqlite3.Connection) -> list[tuple[str, int, str, int, int]]:
    """Return the places left: (group, place, story id, when, places the group had)."""
    return db.execute("SELECT grp, pos, id, removed_at, removed_pos FROM members WHERE live = 0 "
                      "AND removed_at IS NOT NULL").fetchall()


def removed(db: sqlite3.Connection) -> list[tuple[str, str | None, int]]:
    """Return the stories removed: (id, file, when)."""
    return db.execute("SELECT id, source, removed_at FROM stories WHERE live = 0").fetchall()
