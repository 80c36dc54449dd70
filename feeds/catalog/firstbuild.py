"""A new catalogue's first version: every file of the site decided at once, by the ledger's rules.

A first build is one change with every file in it and a ledger that knows nothing yet
(or that a history restored): the same rules as a live change (``feeds.catalog.rules``),
applied to the whole site in one pass, in memory, and written in two steps, so the site
is served as soon as it can be:

1. ``start``: every file is written as its parse arrives; then the ids, permalinks,
   publication numbers and every place are decided, and the stories and the site's own
   places are written. The catalogue can go live: the stories and the site's own feeds
   and pages are served (a section, tag or author answers 503 until step 2).
2. ``complete``: every other group's places, the media, the paths, the groups' names,
   the problems; a second version, and the history's lines.

With a history (``restored``), the ledger starts as the history left it
(``feeds.catalog.restore``): stories whose files changed since are decided again as a
live change (``Ledger.apply``), and the stories it does not know are then published after
every one it does, in (date, file) order, as above. A build whose second step never ran
(the process was killed between the two) is not trusted: the next start builds again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from sqlite3 import Connection

from .intake import Intake
from .known import NothingKnown
from .ledger import Ledger, recorded, write_standing
from .parsing import Parsed
from .records import FileRow, GroupCount
from .replay import Restored, replay
from .restore import counts, restore, restore_rest
from .rules import claims
from .rules.naming import SITE_KEY
from .rules.places import Changes, Publication
from .store import Problem, files, groups, problems, transaction
from .store import ledger as stories
from .store.meta import meta, number, set_meta
from .store.schema import add_publisher_indexes
from .writing import write_media, write_places, write_stories

log = logging.getLogger(__name__)

HISTORY_CHUNK = 20_000  # events written down at once (a whole archive's would double the memory)


@dataclass(slots=True)
class Pending:
    """What step 1 decided and step 2 writes."""

    intake: Intake
    changes: Changes
    decided: set[str]  # the files decided on
    refusals: dict[str, str]


class FirstBuild:
    """Build a new catalogue (see the module); ``restored_keys`` is what a history's
    stories changed since it was written, for caches to be told."""

    def __init__(self) -> None:
        self.pending: Pending | None = None
        self.restored: Restored | None = None
        self.restored_keys: set[str] = set()

    def run(self, ledger: Ledger, parsed: Iterable[Parsed], now: float,
            rebuilt: Problem | None = None) -> None:
        """Step 1, from the history if the site has one (read in a thread while the files
        are parsed); ``rebuilt``: why a catalogue is being rebuilt (a warning kept)."""
        history = ledger.history
        warnings = [rebuilt] if rebuilt else []
        if history is None or not history.files():
            self.start(ledger, parsed, now)
        else:
            with ThreadPoolExecutor(1, thread_name_prefix="feeds-history") as reader:
                restored = reader.submit(replay, history.lines())
                self.start(ledger, parsed, now, restored.result)
            warnings += restored.result().problems
            log.info("first build: %d history lines read", len(restored.result().lines))
        with transaction(ledger.db):
            problems.add(ledger.db, [problems.row(p.source, p.message, "history" if p.line
                                                  else "rebuilt", p.line, warning=True)
                                     for p in warnings])

    def start(self, ledger: Ledger, parsed: Iterable[Parsed], now: float,
              restored: Callable[[], Restored] | None = None) -> None:
        """Step 1, on the new catalogue's ``ledger``. ``restored`` gives the history's
        ledger once the files are in (it is read meanwhile)."""
        db = ledger.db
        touched: set[str] = set()
        with transaction(db, "BEGIN"):
            intake = Intake(now, first=True)
            intake.take(db, parsed)
            history = self.restored = restored() if restored is not None else None
            stamp = ledger.next_stamp(now)
            if history is not None:  # the new catalogue's seconds start after the history's
                stamp = max(stamp, history.newest + 1)
            ledger.stamp_at((), stamp)  # version 1, born now: every key starts here
            set_meta(db, "complete", 0)
            if history is not None:
                touched = restore(db, history, intake.files.values(), now)
        if touched:  # files changed since the history was written: decided as live changes
            add_publisher_indexes(db)
            self.restored_keys = ledger.apply([], now, touched)
        with transaction(db, "BEGIN"):
            self.pending = self._decide(ledger, intake, now)

    def _decide(self, ledger: Ledger, intake: Intake, now: float) -> Pending:
        """Decide the stories the ledger does not know (all, without a history) and write
        them with the site's places."""
        db, history = ledger.db, self.restored
        rows: list[FileRow] = (list(intake.files.values()) if history is None
                               else files.claims_of_unknown_ids(db))
        live_at = {} if history is None else stories.live_at(db, {r.path or "" for r in rows})
        holding = claims.hold(rows, {r.id or "" for r in rows if r.claims}, {}, live_at)
        write_standing(db, rows, holding, now)
        changes = Changes(now, number(db, "next_seq", 1), track=False)
        publication = Publication(NothingKnown(self._counts(db, rows)), changes,
                                  ledger.settings.feed_size)
        publication.reconcile(claims.publishing(holding, now), ())
        write_stories(db, changes)
        write_places(db, changes, site=True)
        if SITE_KEY in changes.groups:
            groups.put(db, changes.groups[SITE_KEY])
        return Pending(intake, changes, {r.source for r in rows}, holding.refusals)

    def _counts(self, db: Connection, rows: list[FileRow]) -> dict[str, GroupCount]:
        """Return the counts of the groups the new stories join, as the ledger has them
        (a history's groups may not be written yet)."""
        found = counts(self.restored) if self.restored is not None and meta(
            db, "restore_pending", 0) else {}
        found.update(groups.counts(db, {key for r in rows for key, _ in r.groups}))
        return found

    def complete(self, ledger: Ledger, now: float) -> set[str]:
        """Step 2, on the catalogue put in place (``ledger``): every other group, the media,
        paths and problems; a second version stamping what workers may have answered 503
        for; the history's lines."""
        db, pending = ledger.db, self.pending
        assert pending is not None, "start first"
        changes = pending.changes
        with recorded(ledger.history), transaction(db):
            if self.restored is not None:  # its stories kept as they were: their places, media
                if meta(db, "restore_pending", 0):
                    restore_rest(db, self.restored)
                stories.media_from_files(db)
            write_places(db, changes, site=False)
            write_media(db, changes)
            ledger.finish(changes, pending.intake, pending.decided, pending.refusals,
                               everything=True)
            # What changed: the groups that now exist, by name and members, and the lists of
            # them (documents of the site alone, such as its archive pages, keep their date).
            keys = {"sections", "groups"} | {f"{part}:{key}" for key in groups.named(db)
                                             for part in ("name", "group")}
            keys |= {f"path:{path}" for path in stories.aliases(db)}
            set_meta(db, "complete", 1)
            ledger.stamp(keys, now)
            for start in range(0, len(changes.events), HISTORY_CHUNK):
                ledger.record(changes.events[start:start + HISTORY_CHUNK], int(now))
        self.pending = None
        return keys
