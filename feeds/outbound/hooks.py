"""Publication hooks: what the publisher does after each commit, off its own thread.

The publisher calls a hook with the keys a commit changed and returns at once;
the hook's thread takes the commits (those that arrive within ``delay`` of the
first go together), reads the catalogue as a serving worker would, and acts:
announce changed feeds to WebSub hubs (``websub``), purge shared caches
(``purge``). A hook that fails logs it and takes the next commit.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from pathlib import Path

from ..catalog.store import catalog_path, connect_reader

log = logging.getLogger(__name__)


class CommitHook:
    """Follow the publisher's commits in a background thread; subclasses ``handle`` them."""

    name = "hook"

    def __init__(self, root: Path, delay: float = 0.0):
        self.root = root
        self.delay = delay
        self._commits: queue.SimpleQueue[set[str]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=f"feeds-{self.name}", daemon=True)
        self._thread.start()

    def __call__(self, keys: set[str], version: int) -> None:
        self._commits.put(set(keys))

    def handle(self, db: sqlite3.Connection, keys: set[str]) -> None:
        """Act on the keys changed by one or more commits."""
        raise NotImplementedError

    def _run(self) -> None:
        db: sqlite3.Connection | None = None
        while True:
            keys = self._commits.get()
            deadline = time.monotonic() + self.delay
            while True:
                try:
                    keys |= self._commits.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
            try:
                db = db or connect_reader(catalog_path(self.root))
                self.handle(db, keys)
            except Exception:  # noqa: BLE001 - one failure must not stop the next commits
                log.exception("%s: cannot act on a publication", self.name)
                db = None
