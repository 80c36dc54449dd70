"""Turn file-system events under ``content/`` into paths for the publisher, whatever happens.

One thread waits on inotify (``inotify``: as deep as the publisher reads), or
watchfiles where the OS has no inotify or polling is asked for
(``FEEDS_FORCE_POLLING=1``), and hands each batch of changed paths to the
publisher's queue. A watch follows one folder, not a name: a deploy that
replaces ``content/`` (``rm -rf content && cp -r new content``, ``git checkout``,
an rsync that swaps the folder, ``ln -sfn releases/2/content content``, a mount
that drops and returns) leaves inotify watching the old folder, which nobody
writes into again. So the thread watches again when the watched folder itself is
deleted or moved (an event: the new folder often gets the old one's inode
number), and at each wake-up (at least every ``TICK``) compares what
``content/`` names now (device and inode, through any symlink) with the folder
it watches. Each new
watch, once in place, asks the publisher to compare every file (``RESCAN``), so
nothing written meanwhile is missed. When watching fails (too many watches, a
network file system) it polls instead.

``watching`` says which folder is watched (None while none is): the status board
publishes it, and ``/healthz`` compares it with what ``content/`` names at the
moment it is asked, so it is never "ok" while the watch is on a folder that was
replaced, even in the instant before this thread notices.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from pathlib import Path

import watchfiles

from . import inotify

log = logging.getLogger(__name__)

POLLING_VARIABLE = "FEEDS_FORCE_POLLING"
RESCAN = "<rescan>"  # a batch holding this means "compare every file again"
TICK = 0.25  # seconds between looks at what content/ names, however quiet it is
LOST_AFTER = 3.0  # seconds without a wake-up: the watching thread is stuck or dead

Identity = tuple[int, int]  # (device, inode) of a folder


def folder_identity(path: Path | str) -> Identity | None:
    """Return (device, inode) of the folder ``path`` names now (through symlinks), or None."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino)


class Watcher:
    """A thread that puts sets of changed paths (absolute strings) on ``events``."""

    def __init__(self, content: Path, events: queue.SimpleQueue[set[str]], settle: float,
                 force_polling: bool | None = None):
        self.content = content
        self.events = events
        self.settle = settle
        self.polling = (os.environ.get(POLLING_VARIABLE) == "1"
                        if force_polling is None else force_polling)
        self.failure: str | None = None  # why watching failed last, until it works again
        self.watching: Identity | None = None  # the folder the watch is on, once it is in place
        self.ready = threading.Event()  # set once the first watch is in place
        self._beat = time.monotonic()  # the thread's last wake-up
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="feeds-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def problem(self) -> str | None:
        """Return why new files in content/ may not be seen now, or None while they are."""
        if not self._thread.is_alive() or time.monotonic() - self._beat > LOST_AFTER:
            return ("the publisher's watch on content/ stopped, so new files are not "
                    "published: restart feeds serve.")
        if self.failure:
            return self.failure
        current = folder_identity(self.content)
        if current is not None and current != self.watching:  # (a missing content/ is the
            return ("the publisher is not watching content/ yet (it was replaced, moved or "
                    "mounted again): new files are published once it is.")  # publisher's to say)
        return None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._beat = time.monotonic()
            if not self.content.is_dir():  # (the publisher reports it)
                self.watching = None
                self._stop.wait(TICK)
                continue
            try:
                self._watch()
            except Exception as exc:  # noqa: BLE001 - watching must never stop for good
                self.watching = None
                if not self.polling:
                    log.warning("no file-system events for %s (%s): polling instead",
                                self.content, exc)
                    self.polling = True
                else:
                    log.error("cannot watch %s (%s); retrying in 1 s", self.content, exc)
                    self.failure = "content/ cannot be watched; retrying."
                    self._stop.wait(1)

    def _watch(self) -> None:
        """Watch the folder ``content/`` names now, until it names another (or none)."""
        identity = folder_identity(self.content)
        if self.polling or not inotify.available():
            self._watch_files(identity)
            return
        watch = inotify.Inotify(os.fsencode(self.content))
        try:
            self._in_place(identity)
            while not self._stop.is_set():
                found = watch.events(TICK)
                self._beat = time.monotonic()
                if inotify.OVERFLOW in found:
                    log.warning("the kernel dropped file events: comparing every file")
                    self.events.put({RESCAN})
                paths = {os.fsdecode(path) for path in found if path}
                if paths:
                    self.events.put(paths)
                if self._replaced(watch.root_gone, identity):
                    return
        finally:
            watch.close()

    def _watch_files(self, identity: Identity | None) -> None:
        """Watch with watchfiles: polling, or the events of a system without inotify."""
        names = {os.path.abspath(self.content), os.path.realpath(self.content)}
        first = True
        for changes in watchfiles.watch(
            self.content, watch_filter=None, debounce=1000, step=max(1, int(self.settle * 1000)),
            stop_event=self._stop, rust_timeout=int(TICK * 1000), yield_on_timeout=True,
            force_polling=self.polling, poll_delay_ms=100, raise_interrupt=False,
        ):
            self._beat = time.monotonic()
            if first:
                first = False
                self._in_place(identity)
            paths = {path for _, path in changes}
            if paths - names:
                self.events.put(paths - names)
            gone = any(c == watchfiles.Change.deleted and p in names for c, p in changes)
            if self._replaced(gone, identity):
                return

    def _in_place(self, identity: Identity | None) -> None:
        """A watch is in place: what happened before it is read by a rescan."""
        self.failure = None
        self.watching = identity
        self.events.put({RESCAN})
        self.ready.set()

    def _replaced(self, gone: bool, identity: Identity | None) -> bool:
        """Tell whether the watched folder was deleted or moved away (its inode may be used
        again at once by the folder put in its place: only that event tells the two apart),
        or content/ now names another folder."""
        if not gone and folder_identity(self.content) == identity:
            return False
        log.warning("%s was replaced: watching the new folder", self.content)
        self.watching = None
        self.events.put(set())  # wake the publisher: the status changed
        return True
