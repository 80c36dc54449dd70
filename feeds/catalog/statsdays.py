"""The publisher's roll-up of the workers' poll spools into the catalogue's daily counts.

Once a minute the publisher (the catalogue's one writer) reads each day's spool files
(``feeds.stats.spool``), makes the day's counts from all of them (``feeds.stats.rollup``)
and replaces that day's rows: today's numbers are at most a minute old, and rolling a
day up again never counts a poll twice. Ten minutes after a day ends (every worker
has written its last second by then) its counts are made final, and its spool files
and its hashing key are deleted: from then on nothing can tell who its readers were.
A file a worker writes for a final day (a poll held back past those ten minutes) is
deleted unread. Days older than ``stats_retention_days`` are deleted.
"""

from __future__ import annotations

import calendar
import logging
import re
import shutil
import sqlite3
import time
from pathlib import Path

from ..site.config import Settings
from ..stats.rollup import roll_up
from ..stats.spool import SUFFIX, day_of, key_file, read_day, spool_folder
from .store import stats, transaction

log = logging.getLogger(__name__)

ROLL_EVERY = 60.0  # seconds between roll-ups
FINAL_AFTER = 600.0  # seconds after a day's end before its counts are final
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def day_end(day: str) -> float:
    """Return the moment a UTC day ends."""
    return calendar.timegm(time.strptime(day, "%Y-%m-%d")) + 86400.0


def spool_days(state: Path) -> list[tuple[str, Path]]:
    """Return (day, folder) of every day with spool files, oldest first."""
    folder = spool_folder(state)
    if not folder.is_dir():
        return []
    return sorted((p.name, p) for p in folder.iterdir() if DAY.fullmatch(p.name) and p.is_dir())


class StatsDays:
    """Roll the spools up into the catalogue (see the module)."""

    def __init__(self, state: Path):
        self.state = state
        self._seen: dict[str, tuple[tuple[str, int], ...]] = {}  # day -> its files' sizes
        self._last = float("-inf")

    def maybe(self, db: sqlite3.Connection, settings: Settings, now: float) -> None:
        """Roll up when a minute has passed since the last time."""
        if now - self._last >= ROLL_EVERY or now < self._last:
            self.roll(db, settings, now)

    def roll(self, db: sqlite3.Connection, settings: Settings, now: float) -> None:
        """Roll every day's spool up, make the days that are over final, keep the retention."""
        self._last = now
        for day, folder in spool_days(self.state):
            self._roll_day(db, settings, day, folder, now)
        for old in (self.state / "stats" / "keys").glob("*"):
            if DAY.fullmatch(old.name) and day_end(old.name) + FINAL_AFTER <= now - 86400:
                old.unlink(missing_ok=True)  # a day that had no poll to roll up
        with transaction(db):
            stats.forget_before(db, day_of(now - settings.stats_retention_days * 86400.0))

    def _roll_day(self, db: sqlite3.Connection, settings: Settings, day: str, folder: Path,
                  now: float) -> None:
        final = now >= day_end(day) + FINAL_AFTER
        if stats.is_final(db, day):
            log.info("statistics of %s are final: polls written after that are left out", day)
            self._forget(day, folder)
            return
        sizes = tuple(sorted((p.name, p.stat().st_size) for p in folder.glob(f"*{SUFFIX}")))
        if sizes == self._seen.get(day) and not final:
            return
        counts = roll_up(read_day(folder), settings.cache_max_age)
        with transaction(db):
            stats.put_day(db, day, counts, final)
        self._seen[day] = sizes
        if final:
            self._forget(day, folder)

    def _forget(self, day: str, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        key_file(self.state, day).unlink(missing_ok=True)
        self._seen.pop(day, None)
