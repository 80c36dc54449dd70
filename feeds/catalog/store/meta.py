"""The catalogue's small values (``meta``), and the version-and-stamp protocol every change follows.

Every commit that changes what a document can show is a new *version*: the keys it
changed are stamped with that version and a second (the change's ``stamp``), and a
worker drops exactly the documents that read one of them; a document's Last-Modified is
the newest stamp among its keys. Seconds never go back and two versions never share
one: a stamp is the clock's second, or the last stamp plus one when the clock has not
moved on (or went back). The clock is the publisher's (``Publisher(clock=...)``), so a
test can drive time instead of waiting for it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .schema import in_chunks


def meta(db: sqlite3.Connection, key: str, default: object = None) -> object:
    """Return one value of the meta table."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return default if row is None else row[0]


def number(db: sqlite3.Connection, key: str, default: int = 0) -> int:
    """Return one whole number of the meta table (a version, a stamp, a count)."""
    return int(meta(db, key, default))  # type: ignore[call-overload]


def set_meta(db: sqlite3.Connection, key: str, value: object) -> None:
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def next_stamp(db: sqlite3.Connection, now: float) -> int:
    """Return the second a change made at ``now`` is stamped with: never before the last."""
    return max(int(now), number(db, "stamp") + 1)


def commit_version(db: sqlite3.Connection, keys: Iterable[str], stamp: int) -> int | None:
    """Make the next version, stamping ``keys`` with it and ``stamp``; return it, or None
    when nothing changed. A catalogue's first version stamps no key: every key starts at
    its birth (``born``)."""
    version = number(db, "version") + 1
    keys = list(keys)
    if not keys and version > 1:
        return None
    if version == 1:
        set_meta(db, "born", stamp)
    else:
        db.executemany("INSERT OR REPLACE INTO keys VALUES (?, ?, ?)",
                       [(key, version, stamp) for key in keys])
    set_meta(db, "version", version)
    set_meta(db, "stamp", stamp)
    return version


def stamp_of(db: sqlite3.Connection, deps: Iterable[str]) -> int:
    """Return the newest change stamp among ``deps`` (the catalogue's birth for unknown keys)."""
    newest = number(db, "born")
    for (stamp,) in in_chunks(db, "SELECT max(stamp) FROM keys WHERE key IN ({})", deps):
        if stamp is not None:
            newest = max(newest, int(stamp))
    return newest


def changed_keys(db: sqlite3.Connection, since: int) -> Iterable[str]:
    """Yield the keys changed in versions after ``since``."""
    for (key,) in db.execute("SELECT key FROM keys WHERE version > ?", (since,)):
        yield key
