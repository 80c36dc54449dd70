"""Read the statistics back: the catalogue's days, and today's from the spools as they stand.

The publisher rolls the spools up once a minute; what ``feeds stats`` and ``/stats/``
show of the days not final yet is rolled up again on the spot from the spool files
(nothing is written), so a poll is in the numbers a second after it is answered.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import FeedsError
from ..site import formats
from ..stats.report import FeedSummary, summarise
from ..stats.rollup import FeedDay, roll_up
from ..stats.spool import day_of, read_day
from .statsdays import spool_days
from .store import STATE_FOLDER, catalog_path, connect_reader, meta, parse_settings, stats

DAY_SECONDS = 86400.0


def load(db: sqlite3.Connection, state: Path, now: float, days: int, max_age: int,
         feed: str | None = None) -> dict[str, list[FeedDay]]:
    """Return the counts of the last ``days`` days (today included), by day: each feed's
    whole, or with ``feed`` that feed's whole and each of its formats."""
    first = day_of(now - (days - 1) * DAY_SECONDS)
    found = stats.days(db, first, feed)
    for day, folder in spool_days(state):
        if day < first or stats.is_final(db, day):
            continue
        counts = [c for c in roll_up(read_day(folder), max_age)
                  if (c.feed == feed if feed is not None else c.format == "")]
        if counts:
            found[day] = counts
    return dict(sorted(found.items()))


def feed_path(given: str) -> str:
    """Return the feed a ``--feed`` names: a group's path (``/world/``, ``world``) or one of
    its feeds' (``/world/atom.xml``) both name the group's feed."""
    path = "/" + given.strip().strip("/")
    last = path.rpartition("/")[2]
    if formats.by_file(last) is not None:
        path = path.rpartition("/")[0]
    return path.rstrip("/") + "/"


def site_report(root: Path, days: int, feed: str | None, now: float) -> list[FeedSummary]:
    """Return the summaries ``feeds stats`` prints, reading the site's catalogue."""
    path = catalog_path(root)
    if not path.exists():
        raise FeedsError("there is no catalogue to read statistics from: run feeds serve "
                         "first (it counts the polls it answers).", STATE_FOLDER)
    db = connect_reader(path)
    try:
        raw = meta(db, "settings")
        max_age = parse_settings(str(raw)).cache_max_age if raw is not None else 900
        found = load(db, root / STATE_FOLDER, now, days, max_age, feed)
    except sqlite3.Error as exc:
        raise FeedsError(f"the catalogue cannot be read ({exc}): is feeds serve running "
                         "a newer version? Try again.", STATE_FOLDER) from None
    finally:
        db.close()
    return summarise(found)
