"""The publisher: the one process that reads story files, decides, writes ids and commits.

::

    content/ ──events──▶ Watcher ──▶ Loop (feeds.catalog.loop) ──▶ Publisher
    config.yaml ─stat─┘                       │   ├──▶ ParsePool (child processes)
                                              │   └──▶ IdBackfill (ids into story files)
                                              ▼
               Ledger / FirstBuild ──▶ .feeds/catalog.sqlite3 (CatalogOwner) ──▶ workers
                                   └──▶ on_commit hooks (feeds.outbound: WebSub, purges)

A ``Publisher`` brings the catalogue up to date with the folder: ``sync`` compares
every file once (a start, ``feeds check``, ``feeds build``); ``feeds serve`` then runs
its ``Loop``, which publishes what each file event names. Its parts, one job each:
``CatalogOwner`` (the file: lock, open, build beside, put in place), ``Scanner`` (what
to read), ``ParsePool`` (reading, in child processes), ``Ledger`` and ``FirstBuild``
(deciding and writing), ``IdBackfill`` (ids into files), ``siteconfig`` (settings),
``Faults`` (what stops publishing, for ``/healthz``).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..site.config import Settings
from ..site.files import shown
from . import siteconfig
from .failures import Failures
from .faults import Faults
from .firstbuild import FirstBuild
from .history import HistoryLog
from .idfill import IdBackfill, warn_without_ids
from .ledger import Ledger
from .migrations import is_damaged
from .owner import LOCK_FILE, CatalogOwner, PublisherBusy
from .reading import Reading
from .scanning import Scanner
from .store import STATE_FOLDER, Problem, meta, problems, transaction
from .store.groups import live_total
from .store.schema import add_publisher_indexes

__all__ = ["LOCK_FILE", "Publisher", "PublisherBusy"]

log = logging.getLogger(__name__)

SETTLE = 0.1  # seconds a file must be quiet before it is read
OnCommit = Callable[[set[str], int], None]


class Publisher:
    """Keep a site's catalogue current with its folder (see the module).

    Its jobs are its parts'; what is left here is how they are wired: what a pass does
    (``sync``, ``scan``, ``publish``, ``tick``), what a new version or new settings mean
    (``committed``, ``store_settings``), and what ``feeds check`` and ``feeds build`` ask.
    """

    def __init__(self, root: Path, processes: int | None = None, settle: float = SETTLE,
                 write_ids: bool | None = None, on_commit: Iterable[OnCommit] = (),
                 status: bool = True, parse_deadline: float | None = None,
                 state: Path | None = None, clock: Callable[[], float] = time.time,
                 history: bool = True):
        self.root = root
        self.history = HistoryLog(root, write=history)  # history/: what the files cannot say
        self.clock = clock  # what "now" is for publishing: schedules, removals, stamps
        self.state = state or root / STATE_FOLDER
        self.settle = settle
        self.hooks = list(on_commit)
        self.noticed: float | None = None  # while publishing files: when their change was
        # first noticed (wall clock), for the hooks that time publications (feeds.metrics)
        self._write_ids = write_ids
        self.scanner = Scanner(root, settle)
        self.failures = Failures()
        self.settings, problem = siteconfig.first(root, self.state / "catalog.sqlite3")
        self.owner = CatalogOwner(self.state)
        self.faults = Faults(self, root if status else None)  # (never a busy publisher's)
        if problem is not None:
            self.faults.problems["config"] = problem
        self.ids = IdBackfill(root, self.state)
        self._ledger: Ledger | None = None
        self.first_build = FirstBuild()
        self.reading = Reading(root, self.settings, processes, parse_deadline)
        if self.owner.building:
            self.reading.pool.warm()  # the children start while the folder is walked

    @property
    def db(self) -> sqlite3.Connection:
        return self.owner.db

    @property
    def ledger(self) -> Ledger:
        """Return the ledger on the catalogue as it is open now."""
        if self._ledger is None or self._ledger.db is not self.owner.db:
            self._ledger = Ledger(self.owner.db, self.settings, self.history)
        self._ledger.settings = self.settings
        return self._ledger

    # One pass --------------------------------------------------------------------------------

    def sync(self) -> set[str]:
        """Bring the catalogue up to date with the folder (every file compared), once."""
        try:
            return self._sync()
        except sqlite3.DatabaseError as error:
            if self.owner.building or not is_damaged(error):
                raise
            self.owner.set_aside(str(error))  # found damaged only now: rebuilt like at start
            return self._sync()

    def _sync(self) -> set[str]:
        keys = self.store_settings(self.settings, first=True)
        if not self.owner.building:
            with transaction(self.db):
                self.history.ensure(self.db)  # write back lines the folder lost
                if not self.owner.unreadable_kept():
                    problems.clear(self.db, ("rebuilt",))
        keys |= self.scan()
        keys |= self.tick()
        warn_without_ids(self.db, self.settings.write_ids)
        if self.owner.building:
            self._put_in_place()
        return keys

    def scan(self) -> set[str]:
        """Compare every file with the catalogue; parse and apply what changed."""
        if self.faults.content_missing():
            return set()
        return self.publish(self.scanner.scan(self.db))

    def publish(self, sources: Iterable[str], ids: Iterable[str] = ()) -> set[str]:
        """Parse ``sources`` and apply them with ``ids`` as one transaction; a failure that is
        not the catalogue's (a bug met by one file) is narrowed down to the files and ids that
        cause it, which become problems until they change, and the rest is published."""
        sources = [s for s in sorted(set(sources)) if self.failures.retry(s, self.root)]
        ids = [i for i in ids if self.failures.retry(i)]
        try:
            return self._apply(sources, ids)
        except (sqlite3.OperationalError, OSError, MemoryError):
            raise  # the catalogue's own faults: reported and retried whole (Loop.guarded)
        except Exception:
            self.reading.restart(self.settings)  # (it may hold results of the batch that failed)
            if len(sources) + len(ids) > 1 and meta(self.db, "version", 0):
                half_s, half_i = len(sources) // 2, len(ids) // 2
                return (self.publish(sources[:half_s], ids[:half_i])
                        | self.publish(sources[half_s:], ids[half_i:]))
            for item in sources or ids:
                log.exception("%s could not be published", shown(item))
                self.failures.add(item, self.root if sources else None)
            return set()

    def _apply(self, sources: list[str], ids: list[str]) -> set[str]:
        parsed = self.reading.parse(self.db, sources)
        if not meta(self.db, "version", 0):  # a new catalogue: its first version, whole
            started = time.monotonic()
            self.first_build.run(self.ledger, parsed, self.clock(), self.owner.rebuilt)
            log.info("first build: %d files read and decided in %.1f s", len(sources),
                     time.monotonic() - started)
            return set()
        if not sources and not ids:
            return set()
        keys = self.ledger.apply(parsed, self.clock(), ids)
        self.committed(keys)
        return keys

    def _put_in_place(self) -> None:
        """Put a first build in place (workers start serving it), then complete it and make
        the publisher's own indexes, which it needs only for changes."""
        self.owner.put_in_place()
        log.info("first build: live (the stories and the site's own feeds)")
        self.faults.report("completing")
        started = time.monotonic()
        self.first_build.complete(self.ledger, self.clock())  # no change: announced nowhere
        add_publisher_indexes(self.db)
        log.info("first build: sections, tags and authors live %.1f s later",
                 time.monotonic() - started)
        self.committed(self.first_build.restored_keys)  # what the files changed since the
        # history: caches are told

    def committed(self, keys: set[str]) -> None:
        """Run the publication hooks on a commit's keys (a catalogue's first version
        announces nothing: nothing changed)."""
        version = int(meta(self.db, "version", 0))  # type: ignore[call-overload]
        if not keys or version <= 1:
            return
        for hook in self.hooks:
            try:
                hook(keys, version)
            except Exception:  # noqa: BLE001 - a hook's bug must not stop publishing
                log.exception("a publication hook failed")

    def tick(self) -> set[str]:
        """Publish scheduled stories that came due, and expire old tombstones."""
        now = self.clock()
        keys: set[str] = set()
        due = self.ledger.due(now)
        if due:
            keys |= self.publish((), due)
        nxt = self.ledger.next_due()
        if nxt is not None and nxt <= now:
            expired = self.ledger.expire(now)
            self.committed(expired)
            keys |= expired
        return keys

    # Settings --------------------------------------------------------------------------------

    def store_settings(self, settings: Settings, first: bool = False) -> set[str]:
        """Store new settings; read every story again when what a story means depends on them."""
        stored = siteconfig.store(self.db, settings, self.clock(), first)
        self.settings = settings
        if stored.reparse:
            self.reading.restart(settings)
        self.committed(stored.keys)
        return stored.keys

    def reload_config(self) -> None:
        """Read config.yaml again (it changed, and is quiet); publish what its change means."""
        found = self.faults.config(siteconfig.read(self.root))
        if found is not None and found != self.settings:
            self.store_settings(found)
            self.scan()

    # What it shows ---------------------------------------------------------------------------

    def write_missing_ids(self, budget: float = 0.2) -> int:
        """Write ids into live stories that have none, for up to ``budget`` seconds."""
        wanted = self.settings.write_ids if self._write_ids is None else self._write_ids
        return self.ids.write_missing(self.db, budget) if wanted else 0

    def problem_list(self) -> list[Problem]:
        """Return every problem and warning: the catalogue's, then the publisher's own."""
        return problems.listed(self.db) + self.faults.own()

    @property
    def published(self) -> int:
        """Return how many stories are live."""
        return live_total(self.db)

    def close(self) -> None:
        self.faults.stop()
        self.reading.close()
        self.owner.close()

