"""Write a permanent id into each live story that has none, a few at a time, between changes.

A story without ``id:`` is served under one made from its path and date; the id writer
(``feeds.site.idwrite``) writes that id into its file once the file is quiet, so a rename
keeps it. An archive of 100,000 stories without ids is written a budget at a time
(resuming where the last turn stopped), so a story published meanwhile waits at most one
budget. With ``write_ids: false`` each such story is a warning instead.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from ..site.config import SafeLoader
from ..site.idwrite import Attempt, IdWriter, Outcome, id_line
from .store import files, problems, transaction

log = logging.getLogger(__name__)

ID_RETRY = 5.0  # seconds before trying again to write an id into a busy file
ID_BATCH = 256


class IdBackfill:
    """The publisher's id writer: which files to write an id into next, and what came of it."""

    def __init__(self, root: Path, state: Path):
        self.root = root
        self.state = state
        self.writer = IdWriter(root, state, SafeLoader)
        self._retry: dict[str, float] = {}
        self._cursor = ""  # the last file the id writer looked at

    def renew(self) -> None:
        """Start a new writer (``.feeds/`` was made again: its journal goes there)."""
        self.writer = IdWriter(self.root, self.state, SafeLoader)

    def write_missing(self, db: sqlite3.Connection, budget: float = 0.2) -> int:
        """Write ids into live stories that have none, for up to ``budget`` seconds."""
        deadline = time.monotonic() + budget
        written = 0
        while time.monotonic() < deadline:
            rows = files.without_own_id(db, self._cursor, ID_BATCH)
            if not rows:
                self._cursor = ""  # round again: files that were busy may be quiet now
                break
            self._cursor = rows[-1][0]
            now = time.monotonic()
            chunk = [r for r in rows if self._retry.get(r[0], 0) <= now]
            if chunk:
                results = self.writer.write([(s, i, (m, z, n)) for s, i, m, z, n in chunk])
                written += self._record(db, chunk, results)
        return written

    def _record(self, db: sqlite3.Connection, chunk: list[tuple[str, str, int, int, int]],
                results: dict[str, Attempt]) -> int:
        updates, warnings = [], []
        retry_at = time.monotonic() + ID_RETRY
        for source, story_id, *_ in chunk:
            attempt = results.get(source)
            outcome = attempt.outcome if attempt is not None else None
            if attempt is not None and attempt.signature is not None:
                mtime, size, ino = attempt.signature
                updates.append((mtime, size, ino, source))
            elif outcome is Outcome.REFUSED:
                self._retry[source] = float("inf")
                reason = attempt.reason if attempt is not None else ""
                warnings.append(problems.row(source, (
                    f"it has no id, and feeds does not write into this file ({reason}): add the "
                    f"line {id_line(story_id).strip()} to its front matter."), "id", line=1,
                    warning=True))
            else:
                self._retry[source] = retry_at
        with transaction(db):
            files.ids_written(db, updates)
            problems.clear(db, ("id",), [s for s, *_ in chunk])
            problems.add(db, warnings)
        for *_, source in updates:
            log.info("%s: wrote its permanent id", source)
        return len(updates)


def warn_without_ids(db: sqlite3.Connection, write_ids: bool) -> None:
    """With ``write_ids: false``, warn about each live story without an id of its own."""
    rows = [] if write_ids else files.without_own_id(db)
    with transaction(db):
        problems.clear(db, ("noid",))
        problems.add(db, [problems.row(source, (
            "no id, so readers know it by one made from its path and date, which changes if "
            f"the file moves: add the line {id_line(story_id).strip()} to keep it."), "noid",
            line=1, warning=True) for source, story_id, *_ in rows])
