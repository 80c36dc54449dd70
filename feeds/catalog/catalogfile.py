"""The catalogue as files: put a new one in place, or write it again, without mixing generations.

SQLite keeps a WAL catalogue in three files, ``catalog.sqlite3`` and its
``-wal`` and ``-shm``, and finds the other two by name. Nothing in a WAL says
which database it belongs to, so a WAL left beside a *new* catalogue file (one
deleted by hand while the publisher wrote, one left by a ``kill -9`` before
the catalogue was deleted and rebuilt) is replayed into it: pages of another
generation, "database disk image is malformed", "UNIQUE constraint failed".
So a catalogue file is only ever put in place after its name's ``-wal`` and
``-shm`` are gone, with the connection that wrote them closed; and a side file
(``catalog.sqlite3.new``) left by a failed attempt is removed before the next.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .store.schema import copy_into

SIDE_FILES = ("-wal", "-shm", "-journal")


def discard(path: Path | str) -> None:
    """Remove a catalogue file that is not in use, and its WAL, index and journal."""
    for suffix in ("", *SIDE_FILES):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def discard_stray(path: Path | str) -> None:
    """Remove the WAL, index and journal of a catalogue that is not there (they can only be
    a previous generation's, which must not be read into the next)."""
    if not Path(path).exists():
        discard(path)


def put_in_place(new: Path | str, path: Path | str) -> None:
    """Make the finished, closed catalogue ``new`` the one at ``path``, without the old one's
    WAL (a reader that still has the old one open keeps it, by its open file)."""
    for suffix in SIDE_FILES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    for suffix in SIDE_FILES:
        Path(f"{new}{suffix}").unlink(missing_ok=True)
    os.replace(new, path)


def write_again(db: sqlite3.Connection, path: Path) -> None:
    """Write the open catalogue ``db`` into a new file at ``path`` (the old one was deleted
    while it was open); ``db`` is closed, and the caller opens ``path`` again."""
    side = Path(f"{path}.new")
    discard(side)  # a failed attempt's: VACUUM INTO refuses to write over a file
    try:
        copy_into(db, side)
    except BaseException:
        discard(side)
        raise
    db.close()  # before its WAL's name is freed: closing may write it
    put_in_place(side, path)
