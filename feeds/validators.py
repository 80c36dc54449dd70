"""Last-Modified dates that only move forward, shared by every worker and kept across restarts.

A feed's own date (its newest story's ``updated``) goes backward when a story is
removed and stays put when a story is edited without touching ``updated``; a
reader that polls with If-Modified-Since alone would then miss the change. So
the date served is *when this exact body was first served*: remembered per URL
with the ETag it belongs to, in a small SQLite file beside the content.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)

STATE_FOLDER = ".feeds"
STATE_FILE = "validators.sqlite3"
OPEN_TIMEOUT = 10.0  # seconds
SCHEMA = ("CREATE TABLE IF NOT EXISTS validators "
          "(path TEXT PRIMARY KEY, etag TEXT NOT NULL, last_modified INTEGER NOT NULL)")


class ValidatorStore:
    """Map (URL path, ETag) to a Last-Modified second that never moves backward."""

    def __init__(self, root: Path):
        self._lock = threading.Lock()
        self._db = self._open(root)

    @staticmethod
    def _open(root: Path) -> sqlite3.Connection:
        folder = root / STATE_FOLDER
        deadline = time.monotonic() + OPEN_TIMEOUT
        while True:
            try:
                folder.mkdir(exist_ok=True)
                db = sqlite3.connect(folder / STATE_FILE, timeout=10, check_same_thread=False,
                                     isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(SCHEMA)
                return db
            except sqlite3.OperationalError as exc:
                # Workers starting together race to switch the file to WAL, and SQLite
                # answers "locked" at once rather than waiting: try again shortly.
                if "locked" in str(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                reason: Exception = exc
            except (OSError, sqlite3.Error) as exc:
                reason = exc
            break
        # A read-only site still serves; dates then restart with the process.
        log.warning("cannot keep validators in %s (%s): Last-Modified will not survive "
                    "a restart; make the folder writable to fix this", folder, reason)
        db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        db.execute(SCHEMA)
        return db

    def known(self, path: str) -> bool:
        """Tell whether a body was ever served at ``path``."""
        with self._lock:
            row = self._db.execute("SELECT 1 FROM validators WHERE path = ?", (path,)).fetchone()
        return row is not None

    def last_modified(self, path: str, etag: str, content_date: datetime) -> tuple[int, bool]:
        """Return the Last-Modified second for this body of ``path``, and whether it is a change.

        The first body ever served at a path gets its content's own date (so a
        fresh start on any machine agrees); each new body after that gets now,
        and always at least one second more than the body before it. Only the
        one process that records a new body is told it changed: that is the
        one that announces it (WebSub), so each change is announced once.
        """
        now = int(time.time())
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # serialises the workers' read-modify-write
            try:
                row = self._db.execute("SELECT etag, last_modified FROM validators WHERE path = ?",
                                       (path,)).fetchone()
                if row is not None and row[0] == etag:
                    self._db.execute("COMMIT")
                    return int(row[1]), False
                if row is None:
                    stamp = min(math.floor(content_date.timestamp()), now)
                else:
                    stamp = max(now, int(row[1]) + 1)
                self._db.execute("INSERT OR REPLACE INTO validators VALUES (?, ?, ?)",
                                 (path, etag, stamp))
                self._db.execute("COMMIT")
                return stamp, row is not None
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
