"""What stops the publisher from publishing, and the status every worker's ``/healthz`` shows.

Faults are survived (a broken ``config.yaml``, ``content/`` missing, ``.feeds/`` lost or
full or read-only, the watcher failing): the last committed version keeps being served,
the fault is kept here by kind until it clears, and the status board (shared memory,
``feeds.catalog.status``) shows it with the publisher's heartbeat.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..site.config import Settings
from ..site.files import CONTENT
from .siteconfig import problem
from .status import StatusBoard
from .store import Problem, number
from .watch import Watcher

if TYPE_CHECKING:  # (the publisher owns this; only its type is needed)
    from .publisher import Publisher

log = logging.getLogger(__name__)


class Faults:
    """The publisher's own problems, by kind, and its status board (None: not shown)."""

    def __init__(self, publisher: Publisher, root: Path | None):
        self.publisher = publisher
        self.problems: dict[str, Problem] = {}  # what stops publishing, by kind
        self.watcher: Watcher | None = None
        self._board = StatusBoard(root) if root is not None else None

    def config(self, found: Settings | Problem) -> Settings | None:
        """Keep the problem of a broken config.yaml (logged once); return good settings."""
        if isinstance(found, Problem):
            if self.problems.get("config") != found:
                log.error("%s (the last good config keeps serving)", found)
            self.problems["config"] = found
            return None
        self.problems.pop("config", None)
        return found

    def content_missing(self) -> bool:
        """Tell whether content/ is gone (a fault: nothing is unpublished meanwhile)."""
        missing = self.publisher.scanner.content_missing()
        if missing is None:
            self.problems.pop("content", None)
            return False
        self.problems["content"] = missing
        return True

    def own(self) -> list[Problem]:
        """Return the publisher's own problems: files it could not walk or publish, second
        names of files, then the faults."""
        return self._files() + list(self.problems.values())

    def _files(self) -> list[Problem]:
        publisher = self.publisher
        found = [problem(error) for error in publisher.scanner.walk_problems.values()]
        return found + publisher.failures.problems() + publisher.reading.names.problems()

    def status(self, state: str = "running") -> dict[str, Any]:
        """Return what the status board shows: state and the publisher's own problems."""
        found = list(self.problems.values())
        watching = None
        if self.watcher is not None:
            if self.watcher.problem:
                found.append(Problem(CONTENT, None, self.watcher.problem))
            watching = self.watcher.watching
        found += self._files()
        return {"state": state, "problems": [
                    {"file": p.source, "line": p.line, "message": p.message} for p in found],
                "version": number(self.publisher.db, "version"),
                "queue": self.publisher.scanner.queued,
                "watching": list(watching) if watching else None}

    def report(self, state: str = "running") -> None:
        if self._board is not None:
            self._board.write(self.status(state))

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        if self._board is not None:
            self._board.close()
