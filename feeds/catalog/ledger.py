"""Apply what was read from the files to the catalogue, as one transaction, and say what changed.

Decisions, in order, each a rule of ``feeds.catalog.rules`` applied to the files read and
what the ledger knows of them:

1. **Who holds an id** and **who holds a permalink** (``rules.claims``); the others are
   refused, with a message naming the file that holds it.
2. **What is live**, and each story's places in its groups (``rules.places``).
3. **What the groups are called**, which sections moved (``rules.naming``,
   ``rules.sections``), and the problems: refusals, clashes, shadows.
4. **What changed**: every key (``story:<id>``, ``path:<p>``, ``group:<g>``,
   ``page:<g>:<n>``, ``name:<g>``, ``sections``, ``groups``, ``media:<f>``, ``stories`` with
   any story's) whose meaning moved, stamped with this commit's version and second; and the
   events the history keeps (``rules.events``).

A first build (``feeds.catalog.firstbuild``) applies the same rules to every file at
once. The cost of a change grows with the files in it, not with the site: every read is
by index.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from sqlite3 import Connection

from ..site.config import Settings
from . import settle, writing
from .history import HistoryLog
from .intake import Intake
from .known import StoredKnown
from .parsing import Parsed
from .records import FileRow
from .rules import claims
from .rules.events import Event
from .rules.places import Changes, Publication
from .store import files, groups, ledger, transaction
from .store.meta import commit_version, next_stamp, number
from .store.problems import Row

log = logging.getLogger(__name__)

TOMBSTONE_DAYS = 30
NEWS = "news"  # the key of the news window: stamped when a story ages out of it
LOGGED = 50  # problems logged one by one at a time; the rest are counted


class Ledger:
    """Apply changes to the catalogue, the publisher's (its one writer) one at a time."""

    def __init__(self, db: Connection, settings: Settings, history: HistoryLog | None = None):
        self.db = db
        self.settings = settings
        self.history = history  # where each decision is written down (None: nowhere)

    def apply(self, parsed: Iterable[Parsed], now: float, ids: Iterable[str] = ()) -> set[str]:
        """Write the parsed files and decide again every id and path they touch.

        ``ids`` are decided again too (a scheduled story coming due). One
        transaction; returns the keys that changed.
        """
        db = self.db
        with recorded(self.history), transaction(db):
            intake = Intake(now)
            intake.ids.update(ids)
            intake.take(db, parsed)
            known_files = _concerned(db, intake)
            known = StoredKnown(db, intake.ids, intake.before)
            holding = claims.hold(
                known_files.values(), intake.ids,
                {i: e.source for i, e in known.entries.items()},
                ledger.live_at(db, {r.path or "" for r in known_files.values() if r.claims}))
            write_standing(db, known_files.values(), holding, now)
            changes = Changes(now, number(db, "next_seq", 1))
            Publication(known, changes, self.settings.feed_size).reconcile(
                claims.publishing(holding, now), intake.ids)
            writing.write(db, changes)
            self.finish(changes, intake, set(known_files), holding.refusals)
            self.stamp(changes.keys, now)
            self.record(changes.events, int(now))
        return changes.keys

    def finish(self, changes: Changes, intake: Intake, decided: set[str],
               refusals: dict[str, str], everything: bool = False) -> None:
        """Make a change's last decisions: paths, groups, sections, problems (logged)."""
        settle.paths(self.db, changes)
        renamed = settle.names(self.db, changes)
        log_problems(settle.found(self.db, changes, intake.sources, decided, refusals,
                                  intake.problems, renamed, everything))

    def next_stamp(self, now: float) -> int:
        """Return the second a change at ``now`` is stamped with (never before the last)."""
        return next_stamp(self.db, now)

    def stamp(self, keys: Iterable[str], now: float) -> int | None:
        """Commit a version stamping ``keys`` (none: no new version), at ``now``'s second."""
        return self.stamp_at(keys, self.next_stamp(now))

    def stamp_at(self, keys: Iterable[str], stamp: int) -> int | None:
        return commit_version(self.db, keys, stamp)

    def record(self, events: list[Event], at: int) -> None:
        if self.history is not None:
            self.history.record(self.db, events, at)

    # Time ----------------------------------------------------------------------------------

    def due(self, now: float) -> list[str]:
        """Return the ids of scheduled stories whose time has come."""
        return files.due(self.db, now)

    def next_due(self) -> float | None:
        """Return when the next scheduled story, tombstone expiry or news expiry is due."""
        expiry = groups.next_expiry(self.db)
        times = [t for t in (files.next_scheduled(self.db),
                             expiry + TOMBSTONE_DAYS * 86400 if expiry else None,
                             groups.next_news_expiry(self.db))
                 if t is not None]
        return min(times) if times else None

    def expire(self, now: float) -> set[str]:
        """Stop listing tombstones older than 30 days (their groups change), and stories older
        than two days in the news sitemap (``news``); return the keys."""
        with transaction(self.db):
            keys = {f"group:{g}" for g in groups.expire(self.db, now - TOMBSTONE_DAYS * 86400)}
            news = groups.next_news_expiry(self.db)
            if news is not None and news <= now and groups.move_news_window(self.db, now):
                keys.add(NEWS)
            self.stamp(keys, now)
        return keys


def _concerned(db: Connection, intake: Intake) -> dict[str, FileRow]:
    """Return every file a change must decide on: those read, every other file claiming a
    path they touch (whose ids are then decided too), and every file claiming an id."""
    found = dict(intake.files)
    for row in _others(db, found, "path", intake.paths):
        if row.claims:
            intake.ids.add(row.id or "")
    _others(db, found, "id", intake.ids)
    return found


def _others(db: Connection, found: dict[str, FileRow], column: str,
            values: Iterable[str]) -> list[FileRow]:
    unknown = [s for s in files.sources(db, column, values) if s not in found]
    rows = files.load(db, "source", unknown)
    found.update((row.source, row) for row in rows)
    return rows


def write_standing(db: Connection, rows: Iterable[FileRow], holding: claims.Holding,
                   now: float) -> None:
    """Record each file's standing (live, scheduled, draft, refused) where it changed."""
    updates = []
    for row in rows:
        state = claims.standing(row, holding.decided.get(row.id or ""), now)
        if state != row.state:
            row.state = state
            updates.append((state, row.source))
    files.set_states(db, updates)


@contextlib.contextmanager
def recorded(history: HistoryLog | None) -> Iterator[None]:
    """Keep the history lines a transaction appended only if it commits."""
    try:
        yield
    except BaseException:
        if history is not None:
            history.undo()
        raise
    if history is not None:
        history.committed()


def log_problems(rows: Iterable[Row]) -> None:
    """Log problems found (path:line: message), at most ``LOGGED`` of a change one by one."""
    rows = list(rows)
    for source, line, message, *_ in rows[:LOGGED]:
        log.warning("%s:%s: %s", source, line or 1, message)
    if len(rows) > LOGGED:
        log.warning("... and %d more problems (feeds check lists them all)", len(rows) - LOGGED)
