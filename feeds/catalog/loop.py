"""The publisher's main loop (``feeds publish``, run by ``feeds serve``): events in, changes out.

The watcher's events name paths; the loop hands them to the scanner, publishes what is
quiet, publishes scheduled stories as they come due, reads ``config.yaml`` again when it
changed, writes ids into files between changes, and every second checks that the
catalogue is still there and beats the status board. A fault in any step is reported
and retried, never the end of publishing: the last committed version keeps being served.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable

from ..site.files import CONTENT
from .idfill import warn_without_ids
from .migrations import is_damaged
from .publisher import Publisher
from .siteconfig import ConfigWatch
from .statsdays import StatsDays
from .store import STATE_FOLDER, Problem
from .watch import RESCAN, Watcher

log = logging.getLogger(__name__)

CONFIG_POLL = 0.25  # seconds between looks at config.yaml
WATCH_START = 10.0  # seconds the first scan waits for the watch to be in place
FAULT_PAUSE = 0.5  # seconds before a failed step is tried again


class Loop:
    """Run a publisher until told to stop (see the module)."""

    def __init__(self, publisher: Publisher):
        self.publisher = publisher
        self.events: queue.SimpleQueue[set[str]] = queue.SimpleQueue()
        self.config = ConfigWatch(publisher.root, publisher.settle)
        self.rescan = False  # read everything at the next step (the watcher lost track)
        self.stats = StatsDays(publisher.state)

    def run(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set, then close the publisher."""
        publisher = self.publisher
        watcher = Watcher(publisher.root / CONTENT, self.events, publisher.settle)
        publisher.faults.watcher = watcher
        watcher.start()  # before the first scan: nothing written meanwhile is missed
        publisher.faults.report("scanning")
        if watcher.ready.wait(WATCH_START):
            self._drain()  # what happened so far, the first scan reads anyway
        self.guarded(publisher.sync)
        self.config.start()
        last_status = 0.0
        watch_problem = watcher.problem
        while not stop.is_set():
            batches: list[set[str]] = []
            try:
                batches = [self.events.get(timeout=self._timeout())]
                while True:
                    batches.append(self.events.get_nowait())
            except queue.Empty:
                pass
            for paths in batches:
                self.guarded(lambda paths=paths: self._take(paths))  # type: ignore[misc]
            if self.config.ready():
                self.guarded(publisher.reload_config)
            self.guarded(self._step)
            if time.monotonic() - last_status >= 1.0 or watch_problem != watcher.problem:
                self._check_catalog()
                self._roll_up_stats()
                publisher.faults.report()
                last_status = time.monotonic()
                watch_problem = watcher.problem
        publisher.close()

    def _drain(self) -> None:
        while True:
            try:
                self.events.get_nowait()
            except queue.Empty:
                return

    def _take(self, paths: set[str]) -> None:
        if RESCAN in paths:
            self.rescan = True
            return
        self.publisher.scanner.take(self.publisher.db, paths)  # not the id writer's writes

    def _step(self) -> None:
        publisher = self.publisher
        if publisher.faults.content_missing():
            self.rescan = True  # read everything once it is back
            return
        if self.rescan:
            self.rescan = False
            publisher.scan()
        scanner = publisher.scanner
        ready = scanner.ready(publisher.db)
        if ready:
            publisher.noticed = scanner.first_noticed(ready)
            try:
                publisher.publish(scanner.unchanged_left_out(publisher.db, ready))
            finally:
                publisher.noticed = None
            scanner.done(ready)
            if not publisher.settings.write_ids:
                warn_without_ids(publisher.db, False)
        publisher.tick()
        if not scanner.busy:
            publisher.write_missing_ids()

    def guarded(self, step: Callable[[], object]) -> None:
        """Run one step; a fault is reported and retried, never the end of publishing."""
        problems = self.publisher.faults.problems
        try:
            step()
            problems.pop("catalog", None)
        except sqlite3.Error as exc:
            if is_damaged(exc) and not self.publisher.owner.building:
                self.publisher.owner.set_aside(str(exc))
                self.guarded(self.publisher.sync)  # a new catalogue from the files and history
                return
            self._fault("catalog", f"the catalogue cannot be written ({exc}): free disk space "
                        "or make the folder writable; the last published version keeps being "
                        "served.")
        except OSError as exc:
            self._fault("catalog", f"{exc.strerror or exc}: free disk space or make the folder "
                        "writable; the last published version keeps being served.")
        except Exception:  # noqa: BLE001 - a bug must not stop publishing for good
            log.exception("publishing failed; the last good state keeps serving")
            self._fault("bug", "publishing failed (see the log); retrying.", logged=True)

    def _fault(self, kind: str, message: str, logged: bool = False) -> None:
        found = self.publisher.faults.problems[kind] = Problem(STATE_FOLDER, None, message)
        if not logged:
            log.error("%s", found)
        time.sleep(FAULT_PAUSE)

    def _timeout(self) -> float:
        publisher = self.publisher
        timeout = CONFIG_POLL
        if publisher.scanner.busy or self.config.settling:
            timeout = min(timeout, publisher.settle / 2)
        due = publisher.ledger.next_due()
        if due is not None:
            timeout = min(timeout, max(0.0, due - publisher.clock()))
        return max(timeout, 0.005)

    def _roll_up_stats(self) -> None:
        """Roll the workers' poll spools up (a failure is logged and tried again in a minute:
        statistics never stop publishing, nor count as its problem)."""
        publisher = self.publisher
        if publisher.owner.building:
            return
        try:
            self.stats.maybe(publisher.db, publisher.settings, publisher.clock())
        except (sqlite3.Error, OSError) as exc:
            log.warning("cannot roll up the poll statistics (%s); trying again in a minute", exc)
        except Exception:  # noqa: BLE001 - a bug in counting must not stop publishing
            log.exception("cannot roll up the poll statistics")

    def _check_catalog(self) -> None:
        """Notice a catalogue deleted under the running publisher, and put it back whole."""
        publisher = self.publisher
        before = publisher.db
        problem = publisher.owner.check()
        if publisher.db is not before:
            publisher.ids.renew()  # (.feeds/ may be a new folder: the journal goes there)
        if problem is not None:
            publisher.faults.problems["catalog"] = problem
        elif publisher.db is not before:
            publisher.faults.problems.pop("catalog", None)
