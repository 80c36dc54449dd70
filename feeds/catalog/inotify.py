"""Linux inotify watches on ``content/``, as deep as the publisher reads and no deeper.

watchfiles (the notify crate) watches every folder of a tree however deep, in one
thread, following symlinks, and stops on a name that is not UTF-8: 10,000 folders
nested while the server ran kept it busy for fifteen seconds and lost the events
of every file written meanwhile, and one file name from another system made it
fail for good. Watches here are exactly the folders ``files.walk`` reads (at most
``MAX_DEPTH`` deep, never through a symlinked folder), paths are bytes (any name
the file system allows), and a lost event is never silent: the kernel's queue
overflowing asks for a rescan. A folder made or moved in gets its watches at once,
and is reported itself, so the files it brought are read too (``Publisher._under``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import select
import struct
import time
from collections.abc import Iterator

from ..site.files import MAX_DEPTH, is_ignored_name

IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
IN_DELETE_SELF, IN_MOVE_SELF = 0x400, 0x800
IN_Q_OVERFLOW, IN_IGNORED, IN_ISDIR = 0x4000, 0x8000, 0x40000000
IN_ONLYDIR, IN_DONT_FOLLOW, IN_EXCL_UNLINK = 0x01000000, 0x02000000, 0x04000000
IN_NONBLOCK, IN_CLOEXEC = 0o4000, 0o2000000
MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE
        | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then the name, NUL-padded)
STEP = 0.02  # seconds of quiet that end a batch of events
MAX_BATCH = 0.25  # seconds a batch may gather events before it is handed on

OVERFLOW = b""  # a path meaning "events were lost: compare everything"


class WatchLimit(OSError):
    """The system's limit of watches (fs.inotify.max_user_watches) is reached."""


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.inotify_init1, libc.inotify_add_watch, libc.inotify_rm_watch  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()


def available() -> bool:
    """Tell whether this system has inotify."""
    return _LIBC is not None


class Inotify:
    """Watches on a folder tree; ``events`` yields batches of changed paths (bytes)."""

    def __init__(self, root: bytes):
        if _LIBC is None:
            raise OSError(errno.ENOSYS, "inotify is not available here")
        self.root = root
        fd = _LIBC.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self.fd = fd
        self._paths: dict[int, bytes] = {}  # watch -> folder
        self._watches: dict[bytes, int] = {}  # folder -> watch
        self.root_gone = False
        self._add_tree(root, 0, follow=True)

    def close(self) -> None:
        os.close(self.fd)

    def _add(self, folder: bytes, follow: bool = False) -> bool:
        """Watch one folder; False if it is gone or cannot be read (the walk reports it)."""
        assert _LIBC is not None
        wd = _LIBC.inotify_add_watch(self.fd, folder, MASK | (0 if follow else IN_DONT_FOLLOW))
        if wd < 0:
            code = ctypes.get_errno()
            if code == errno.ENOSPC:
                raise WatchLimit(code, "too many folders to watch: raise "
                                       "fs.inotify.max_user_watches")
            if code in (errno.ENOMEM,):
                raise OSError(code, os.strerror(code))
            return False  # gone, unreadable, not a folder, a name too long
        old = self._paths.get(wd)
        if old is not None and old != folder:
            self._watches.pop(old, None)
        self._paths[wd] = folder
        self._watches[folder] = wd
        return True

    def _add_tree(self, top: bytes, depth: int, follow: bool = False) -> list[bytes]:
        """Watch ``top`` and the folders below it that the walk reads; return them."""
        found: list[bytes] = []
        stack = [(top, depth, follow)]
        while stack:
            folder, level, link = stack.pop()
            if not self._add(folder, link):
                continue
            found.append(folder)
            if level >= MAX_DEPTH:
                continue
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if is_ignored_name(os.fsdecode(entry.name)):
                            continue
                        try:
                            if entry.is_dir(follow_symlinks=False):
                                stack.append((entry.path, level + 1, False))
                        except OSError:
                            continue
            except OSError:
                continue
        return found

    def _forget(self, top: bytes) -> None:
        """Drop the watches of ``top`` and below (moved out of the tree, or away)."""
        assert _LIBC is not None
        prefix = top + b"/"
        for folder in [f for f in self._watches if f == top or f.startswith(prefix)]:
            wd = self._watches.pop(folder)
            self._paths.pop(wd, None)
            _LIBC.inotify_rm_watch(self.fd, wd)

    def _depth(self, folder: bytes) -> int:
        return folder[len(self.root):].count(b"/")

    def events(self, timeout: float) -> list[bytes]:
        """Wait up to ``timeout`` for events; return the paths they concern (a batch)."""
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        if not poller.poll(timeout * 1000):
            return []
        found: list[bytes] = []
        started = time.monotonic()
        while True:
            found.extend(self._read())
            if time.monotonic() - started > MAX_BATCH or not poller.poll(STEP * 1000):
                return found

    def _read(self) -> Iterator[bytes]:
        try:
            data = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return
        offset = 0
        while offset + _EVENT.size <= len(data):
            wd, mask, _, length = _EVENT.unpack_from(data, offset)
            name = data[offset + _EVENT.size:offset + _EVENT.size + length].rstrip(b"\0")
            offset += _EVENT.size + length
            yield from self._event(wd, mask, name)

    def _event(self, wd: int, mask: int, name: bytes) -> Iterator[bytes]:
        if mask & IN_Q_OVERFLOW:
            yield OVERFLOW
            return
        folder = self._paths.get(wd)
        if folder is None:
            return
        if mask & IN_IGNORED:
            if self._paths.get(wd) == folder:
                self._paths.pop(wd, None)
                if self._watches.get(folder) == wd:
                    del self._watches[folder]
            if folder == self.root:
                self.root_gone = True
            return
        if mask & (IN_DELETE_SELF | IN_MOVE_SELF):
            if folder == self.root:
                self.root_gone = True  # the folder was deleted or moved away
            return
        path = folder + b"/" + name if name else folder
        if mask & IN_ISDIR:
            if mask & (IN_CREATE | IN_MOVED_TO) and self._depth(path) <= MAX_DEPTH \
                    and not is_ignored_name(os.fsdecode(name)):
                self._add_tree(path, self._depth(path))
            elif mask & IN_MOVED_FROM:
                self._forget(path)
        yield path
