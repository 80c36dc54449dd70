"""Read story files for the publisher: in child processes, one file once however many names it has.

The parse pool (``feeds.catalog.parsing``) reads files in child processes, so no file can
stop the publisher; ``links`` tells the names of one file apart, so a hard link or a
symlink is never a second story.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ..site.config import Settings
from .links import Names
from .parsing import FILE_DEADLINE, Parsed, ParsePool


class Reading:
    """The publisher's parse pool, and the second names of files it leaves out."""

    def __init__(self, root: Path, settings: Settings, processes: int | None,
                 deadline: float | None):
        self.root = root
        self.processes = processes
        self.deadline = deadline or FILE_DEADLINE
        self.names = Names()
        self.pool = ParsePool(root, settings, processes, deadline=self.deadline)

    def parse(self, db: sqlite3.Connection, sources: list[str]) -> Iterator[Parsed]:
        """Parse ``sources`` in the pool; a second name of one file is as if absent, and the
        names of a file whose name went are decided again."""
        sources = self.names.sort(db, self.root, sources)
        for twin in [s for s in sources if s in self.names.twins]:
            yield Parsed(twin, None)
        yield from self.pool.parse([s for s in sources if s not in self.names.twins])

    def restart(self, settings: Settings) -> None:
        """Start new children (what a story means changed, or a batch failed: they may hold
        results of it)."""
        self.pool.close()
        self.pool = ParsePool(self.root, settings, self.processes, deadline=self.deadline)

    def close(self) -> None:
        self.pool.close()
