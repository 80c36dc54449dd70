"""The catalogue file's one owner: its lock, opening it, building a new one beside it, and
putting it back when it is lost.

Only one publisher runs per site: an exclusive lock in ``.feeds/`` (naming its pid for
the next one's message). The owner opens the catalogue and migrates it to this feeds'
schema; a catalogue that cannot be read, or whose first build never finished, is
replaced by a new one, built beside it (``catalog.sqlite3.new``, with no journal and no
indexes) and put in place whole (``feeds.catalog.catalogfile``). A catalogue deleted
while the publisher runs is written again from its open copy; one found damaged is set
aside (kept, with a warning) and built again.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
from pathlib import Path

from ..errors import FeedsError
from . import catalogfile
from .migrations import UNREADABLE, open_catalog, set_aside
from .store import (
    CATALOG_FILE,
    STATE_FOLDER,
    Problem,
    connect_builder,
    connect_writer,
    file_identity,
    finish_build,
    meta,
)

log = logging.getLogger(__name__)

LOCK_FILE = "publisher.lock"


class PublisherBusy(FeedsError):
    """Another publisher already runs for this site."""


def is_open(db: sqlite3.Connection) -> bool:
    try:
        db.total_changes  # noqa: B018 - raises once the connection is closed
    except sqlite3.ProgrammingError:
        return False
    return True


class CatalogOwner:
    """Hold a site's catalogue file (see the module): ``db`` is the open catalogue, or the
    new one being built beside it while ``building``."""

    def __init__(self, state: Path):
        self.state = state
        self._lock_file: int | None = None
        self._lock()
        self.rebuilt: Problem | None = None  # why a catalogue was rebuilt (a /healthz warning)
        self.building = False
        self.db = self._open()
        self._identity = file_identity(self.path)
        self._db_path = self.path

    @property
    def path(self) -> Path:
        return self.state / CATALOG_FILE

    def _lock(self) -> None:
        self.state.mkdir(exist_ok=True)
        fd = os.open(self.state / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            raise PublisherBusy(
                f"another feeds process (pid {holder or 'unknown'}) is publishing this site: "
                "stop it first, or use it.", STATE_FOLDER) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._lock_file = fd

    def _open(self) -> sqlite3.Connection:
        """Open the catalogue (migrated to this feeds' schema), or start a new one."""
        if self.path.exists():
            opened, self.rebuilt = open_catalog(self.path)
            if opened is not None and meta(opened, "complete", 1):
                return opened
            if opened is not None:  # a first build killed before its second step
                log.warning("%s: its first build did not finish: building it again", self.path)
                opened.close()
        return self._start_building()

    def _start_building(self) -> sqlite3.Connection:
        self.building = True
        catalogfile.discard_stray(self.path)  # a WAL without its catalogue: a past generation's
        catalogfile.discard(f"{self.path}.new")  # a first build that did not finish
        return connect_builder(f"{self.path}.new")

    def put_in_place(self) -> None:
        """Make a first build the site's catalogue (workers start serving it), and open it
        for the publisher, without the indexes only changes need (made after)."""
        finish_build(self.db)
        self.db.close()
        catalogfile.put_in_place(f"{self.path}.new", self.path)
        self.building = False
        self.db = connect_writer(self.path, indexes=False)
        self._identity = file_identity(self.path)
        self._db_path = self.path

    def set_aside(self, reason: str) -> None:
        """Move a catalogue found damaged aside (kept, with a warning) and start a new one."""
        self.db.close()
        self.rebuilt = set_aside(self.path, reason)
        self.db = self._start_building()

    def unreadable_kept(self) -> bool:
        """Tell whether a catalogue set aside is still kept (its warning stays until then)."""
        return self.rebuilt is not None or (self.state / UNREADABLE).exists()

    def check(self) -> Problem | None:
        """Notice a catalogue deleted under the running publisher and put it back whole
        (``db`` is then a new connection); return the problem when it cannot be."""
        path = self.path
        if file_identity(path) == self._identity:
            return None
        try:
            self.state.mkdir(exist_ok=True)
            if self._db_path != path:  # a failed attempt left this publisher on its copy
                self.db.close()
                catalogfile.put_in_place(self._db_path, path)
            else:
                catalogfile.write_again(self.db, path)
            self._reopen(path)
            log.warning("%s was deleted while running: written again from memory",
                        STATE_FOLDER)
            return None
        except (sqlite3.Error, OSError) as exc:
            if not is_open(self.db):  # closed, then not put in place: its copy has it all
                self._reopen(Path(f"{path}.new"))
            return Problem(STATE_FOLDER, None, (
                f"it was lost and cannot be written again ({exc}): free disk space or make the "
                "site folder writable."))

    def _reopen(self, path: Path) -> None:
        if is_open(self.db):
            self.db.close()
        self.db = connect_writer(path)
        self._db_path = path
        self._identity = file_identity(self.path)
        if self._lock_file is not None and not self._holds_lock():
            os.close(self._lock_file)  # .feeds/ itself was deleted: lock the new one
            self._lock_file = None
            self._lock()

    def _holds_lock(self) -> bool:
        """Tell whether the lock file this publisher holds is still the one in .feeds/."""
        assert self._lock_file is not None
        try:
            held, there = os.fstat(self._lock_file), os.stat(self.state / LOCK_FILE)
        except OSError:
            return False
        return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)

    def close(self) -> None:
        if is_open(self.db):
            self.db.close()
        if self._lock_file is not None:
            os.close(self._lock_file)
            self._lock_file = None
