"""The statistics tables: each day's counts per feed, written whole by the publisher's
roll-up (``feeds.catalog.statsdays``) and read by ``/stats/`` and ``feeds stats``."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable

from ...stats.rollup import FeedDay

COLUMNS = ("polls", "not_modified", "sent", "full", "readers", "pollers", "impolite")


def is_final(db: sqlite3.Connection, day: str) -> bool:
    """Tell whether a day's counts are final (its spool files were rolled up and deleted)."""
    row = db.execute("SELECT final FROM stats_days WHERE day = ?", (day,)).fetchone()
    return bool(row and row[0])


def put_day(db: sqlite3.Connection, day: str, counts: Iterable[FeedDay], final: bool) -> None:
    """Replace a day's counts (inside the caller's transaction)."""
    for table in ("stats_feeds", "stats_subscribers"):
        db.execute(f"DELETE FROM {table} WHERE day = ?", (day,))  # noqa: S608 - two names
    for found in counts:
        db.execute("INSERT INTO stats_feeds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (day, found.feed, found.format, *(getattr(found, c) for c in COLUMNS)))
        db.executemany("INSERT INTO stats_subscribers VALUES (?, ?, ?, ?, ?)",
                       [(day, found.feed, found.format, name, count)
                        for name, count in found.subscribers.items()])
    db.execute("INSERT OR REPLACE INTO stats_days VALUES (?, ?)", (day, int(final)))


def forget_before(db: sqlite3.Connection, day: str) -> None:
    """Delete every count of the days before ``day`` (retention)."""
    for table in ("stats_feeds", "stats_subscribers", "stats_days"):
        db.execute(f"DELETE FROM {table} WHERE day < ?", (day,))  # noqa: S608


def days(db: sqlite3.Connection, first: str, feed: str | None = None,
         whole: bool = True) -> dict[str, list[FeedDay]]:
    """Return the counts from day ``first`` on, by day in order: every feed's whole (or,
    with ``whole`` false, its formats too), or one feed's whole and formats."""
    where = "day >= ?"
    values: list[object] = [first]
    if feed is not None:
        where += " AND feed = ?"
        values.append(feed)
    elif whole:
        where += " AND format = ''"
    subscribers: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for day, name, fmt, aggregator, count in db.execute(
            f"SELECT day, feed, format, aggregator, subscribers FROM stats_subscribers "  # noqa: S608
            f"WHERE {where} ORDER BY aggregator", values):
        subscribers[day, name, fmt][aggregator] = count
    found: dict[str, list[FeedDay]] = defaultdict(list)
    for row in db.execute(f"SELECT day, feed, format, {', '.join(COLUMNS)} FROM stats_feeds "  # noqa: S608
                          f"WHERE {where} ORDER BY day, feed, format", values):
        day, name, fmt = row[:3]
        found[day].append(FeedDay(name, fmt, **dict(zip(COLUMNS, row[3:], strict=True)),
                                  subscribers=subscribers.get((day, name, fmt), {})))
    return dict(found)
