"""Turn file-system events under ``content/`` into paths for the publisher, whatever happens.

One thread waits on watchfiles (inotify, or polling where the OS has no events:
``FEEDS_FORCE_POLLING=1`` forces it) and hands each batch of changed paths to
the publisher's queue. When the watch fails (``content/`` removed, too many
watches, a network file system) it falls back to polling, waits for ``content/``
to come back, and tells the publisher to rescan, so nothing is missed.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from pathlib import Path

import watchfiles

log = logging.getLogger(__name__)

POLLING_VARIABLE = "FEEDS_FORCE_POLLING"
RESCAN = "<rescan>"  # a batch holding this means "compare every file again"


class Watcher:
    """A thread that puts sets of changed paths (absolute strings) on ``events``."""

    def __init__(self, content: Path, events: queue.SimpleQueue[set[str]], settle: float,
                 force_polling: bool | None = None):
        self.content = content
        self.events = events
        self.settle = settle
        self.polling = (os.environ.get(POLLING_VARIABLE) == "1"
                        if force_polling is None else force_polling)
        self.problem: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="feeds-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.content.is_dir():  # (the publisher reports it)
                self._stop.wait(0.25)
                continue
            try:
                self._watch()
            except Exception as exc:  # noqa: BLE001 - watching must never stop for good
                if not self.polling:
                    log.warning("no file-system events for %s (%s): polling instead",
                                self.content, exc)
                    self.polling = True
                else:
                    log.error("cannot watch %s (%s); retrying in 1 s", self.content, exc)
                    self.problem = "content/ cannot be watched; retrying."
                    self._stop.wait(1)
            self.events.put({RESCAN})  # the watch ended: whatever happened meanwhile is read

    def _watch(self) -> None:
        first = True
        for changes in watchfiles.watch(
            self.content, watch_filter=None, debounce=1000, step=max(1, int(self.settle * 1000)),
            stop_event=self._stop, rust_timeout=500, yield_on_timeout=True,
            force_polling=self.polling, poll_delay_ms=100, raise_interrupt=False,
        ):
            if first:
                self.problem = None
                first = False
            if changes:
                self.events.put({path for _, path in changes})
            if not self.content.is_dir():
                return  # content/ went away: wait for it and start again
