"""The problems table: what cannot be used as it stands, and the warnings, by file.

Each problem has a *kind*, which says who replaces it: ``parse`` and ``media`` (the
file as read), ``claim`` (an id or permalink another file holds), ``clash`` and
``shadow`` (a group spelled two ways, a page a section's page hides: by group),
``id`` and ``noid`` (the id writer's warnings), ``history`` and ``rebuilt`` (a line
left out, a catalogue rebuilt).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from .schema import in_chunks

Row = tuple[str, int | None, str, str, str | None, int]  # source, line, message, kind, grp, warning


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


def add(db: sqlite3.Connection, rows: Iterable[Row]) -> None:
    db.executemany("INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?)", rows)


def row(source: str, message: str, kind: str, line: int | None = None, group: str | None = None,
        warning: bool = False) -> Row:
    """Return a problem as the table holds it."""
    return (source, line, message, kind, group, int(warning))


def clear(db: sqlite3.Connection, kinds: Iterable[str], sources: Iterable[str] | None = None,
          group: str | None = None) -> None:
    """Delete the problems of ``kinds`` (of ``sources`` only, of ``group`` only, when given)."""
    listed = list(kinds)
    marks = ",".join("?" * len(listed))
    if sources is None:
        where, args = f"kind IN ({marks})", listed
        if group is not None:
            where, args = where + " AND grp = ?", [*listed, group]
        db.execute(f"DELETE FROM problems WHERE {where}", args)
        return
    for _ in in_chunks(db, f"DELETE FROM problems WHERE kind IN ({marks}) AND source IN ({{}})",
                       sorted(sources), before=listed):
        pass


def clear_one(db: sqlite3.Connection, kind: str, group: str, source: str) -> None:
    """Delete one file's problem of ``kind`` about ``group``."""
    db.execute("DELETE FROM problems WHERE kind = ? AND grp = ? AND source = ?",
               (kind, group, source))


def listed(db: sqlite3.Connection) -> list[Problem]:
    """Return every problem and warning, sorted by file and line (and message)."""
    return [Problem(source, line, message, bool(warning))
            for source, line, message, warning in db.execute(
                "SELECT source, line, message, warning FROM problems "
                "ORDER BY source, coalesce(line, 0), message")]


def raw(db: sqlite3.Connection) -> list[tuple[str, int | None, str]]:
    """Return every problem as (source, line, message), in the order they were written."""
    return db.execute("SELECT source, line, message FROM problems").fetchall()
