"""Write a story's id into its file, safely: nothing an author wrote is ever lost.

An author's file is sacred. The id line is added only to a layout understood
completely (the front matter, or the YAML story, is a block mapping whose keys
start the line; the result is parsed again and must hold exactly the old fields
plus the id), only to a regular file inside the site that has been quiet for a
while, that no process holds open for writing (a read lease), and that is
byte-for-byte what was parsed. It is written in place, so the owner, the mode,
hard links and the target of a symlink are kept; the new bytes are written after
the old end first, so a full disk changes nothing; and a journal in ``.feeds/``
holds the old bytes until the new ones are on disk, so a crash loses nothing.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import signal
import stat
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from .files import YAML_SUFFIXES, Signature
from .frontmatter import FlatReader

log = logging.getLogger(__name__)

QUIET_SECONDS = 2.0  # a file written this recently may still be in an editor's hands
JOURNAL = "id-journal.json"
_FENCE = re.compile(r"---[ \t]*(\r?\n)")


class Outcome(Enum):
    """What one attempt to write an id came to."""

    WRITTEN = "written"
    BUSY = "busy"  # being written, or open for writing: try again later
    CHANGED = "changed"  # not the version that was parsed: it will be read again
    REFUSED = "refused"  # a layout not understood, read-only, or outside the site


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome, why, and the file's new signature when it was written."""

    outcome: Outcome
    reason: str = ""
    signature: Signature | None = None


def id_line(story_id: str, newline: str = "\n") -> str:
    """Return the line that gives a story its id (JSON strings are YAML strings too)."""
    return f"id: {json.dumps(story_id, ensure_ascii=False)}{newline}"


def with_id(raw: bytes, story_id: str, is_yaml: bool, loader: Any) -> bytes | None:
    """Return the file's bytes with the id line inserted, or None if the layout is not understood.

    The line goes just before the first key of the mapping, in the file's own line
    ending; every other byte stays. The result must load (with ``loader``) as the
    old mapping plus the id, else None.
    """
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = raw[len(bom):].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if is_yaml:
        front, start = text, 0
    else:
        opening = _FENCE.match(text)
        closing = re.compile(r"^---[ \t]*\r?$", re.MULTILINE).search(text, opening.end()) \
            if opening else None
        if opening is None or closing is None:
            return None
        front, start = text[opening.end():closing.start()], opening.end()
    flat = FlatReader(loader)
    before = flat.load(front)
    if before is not None:  # flat: its first key starts the first line that is no comment
        at = start + _first_key(front)
    else:
        try:
            node = yaml.compose(front, Loader=loader)
            before = yaml.load(front, Loader=loader)
        except Exception:  # noqa: BLE001 - not understood is all this needs to know
            return None
        if not isinstance(node, yaml.MappingNode) or node.flow_style or not node.value:
            return None
        first = node.value[0][0]
        if first.start_mark.column != 0:
            return None
        at = start + first.start_mark.index
        if text.rfind("\n", 0, at) != at - 1 and at != start:
            return None  # the first key does not start its line
    if not isinstance(before, dict) or "id" in before:
        return None
    newline = "\r\n" if "\r\n" in text[:text.find("\n") + 1] else "\n"
    updated = text[:at] + id_line(story_id, newline) + text[at:]
    new_front = updated[start:start + len(front) + len(id_line(story_id, newline))]
    after = flat.load(new_front)
    if after is None:
        try:
            after = yaml.load(new_front, Loader=loader)
        except Exception:  # noqa: BLE001
            return None
    if not isinstance(after, dict) or after != {"id": story_id, **before} or \
            list(after) != ["id", *before]:
        return None
    return bom + updated.encode("utf-8")


def _first_key(front: str) -> int:
    """Return where the first line that is not blank nor a comment starts."""
    at = 0
    for line in front.splitlines(keepends=True):
        if line.strip() and not line.startswith("#"):
            return at
        at += len(line)
    return at


@dataclass(frozen=True, slots=True)
class _Plan:
    """A file checked and ready: its old and new bytes and the version they were read from."""

    source: str
    real: str
    old: bytes
    new: bytes
    version: tuple[int, int, int]


class IdWriter:
    """Write ids into the story files of one site, in batches journalled in its state folder."""

    def __init__(self, root: Path, state: Path, loader: Any, quiet: float = QUIET_SECONDS):
        self.root = root
        self.real_root = os.path.realpath(root)
        self.journal = state / JOURNAL
        self.loader = loader
        self.quiet = quiet
        self._open: set[str] | None = None
        self.recover()

    def write(self, items: list[tuple[str, str, Signature | None]]) -> dict[str, Attempt]:
        """Insert each ``(source, id, parsed signature)`` where that is safe now (see the module).

        The old bytes of the whole batch are journalled with one fsync, the files
        are rewritten, and one sync of the file system makes them durable before
        the journal goes: a batch costs about what one careful write would.
        """
        results: dict[str, Attempt] = {}
        plans: list[_Plan] = []
        self._open = None  # files open elsewhere: read from /proc once a batch, if needed
        for source, story_id, parsed in items:
            found = self._plan(source, story_id, parsed)
            if isinstance(found, _Plan):
                plans.append(found)
            else:
                results[source] = found
        if not plans:
            return results
        try:
            self._journal(plans)
        except OSError as exc:  # no room, or read-only: without a journal, nothing is written
            reason = f"the old bytes cannot be kept in .feeds/ first ({exc.strerror or exc})"
            self.journal.with_suffix(".tmp").unlink(missing_ok=True)
            return results | {plan.source: Attempt(Outcome.BUSY, reason) for plan in plans}
        try:
            written = []
            for plan in plans:
                results[plan.source] = attempt = _write_in_place(plan)
                if attempt.outcome is Outcome.WRITTEN:
                    written.append(plan.real)
            _sync(written)
        finally:
            self.journal.unlink(missing_ok=True)
        return results

    def _plan(self, source: str, story_id: str, parsed: Signature | None) -> _Plan | Attempt:
        path = os.path.join(self.root, source)
        real = os.path.realpath(path)
        if not real.startswith(self.real_root + os.sep):
            return Attempt(Outcome.REFUSED, "it is a link to a file outside the site")
        try:
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            return Attempt(Outcome.CHANGED, exc.strerror or "cannot open it")
        try:
            return self._check(fd, real, source, story_id, parsed)
        except OSError as exc:
            return Attempt(Outcome.BUSY, exc.strerror or str(exc))
        finally:
            os.close(fd)

    def _check(self, fd: int, real: str, source: str, story_id: str,
               parsed: Signature | None) -> _Plan | Attempt:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return Attempt(Outcome.REFUSED, "it is not a regular file")
        version = (info.st_mtime_ns, info.st_size, info.st_ino)
        if version != parsed:
            return Attempt(Outcome.CHANGED, "it changed since it was read")
        if not info.st_mode & stat.S_IWUSR:
            return Attempt(Outcome.REFUSED, "the file is read-only")
        if time.time() - info.st_mtime < self.quiet:
            return Attempt(Outcome.BUSY, "it was written a moment ago")
        leased = _take_lease(fd)
        if leased is None:
            return Attempt(Outcome.BUSY, "another program has it open for writing")
        try:
            raw = os.pread(fd, info.st_size + 1, 0)
            if len(raw) != info.st_size:
                return Attempt(Outcome.CHANGED, "it changed while it was read")
            updated = with_id(raw, story_id, source.endswith(YAML_SUFFIXES), self.loader)
            if updated is None:
                return Attempt(Outcome.REFUSED, "its layout is not one an id line can be "
                                                "added to safely")
            if leased and fcntl.fcntl(fd, fcntl.F_GETLEASE) != fcntl.F_RDLCK:
                return Attempt(Outcome.BUSY, "another program opened it for writing")
        finally:
            if leased:
                fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        if not leased:
            if self._open is None:
                self._open = _open_elsewhere()
            if real in self._open:
                return Attempt(Outcome.BUSY, "another program has it open")
        return _Plan(source, real, raw, updated, version)

    def _journal(self, plans: list[_Plan]) -> None:
        """Keep the old bytes on disk until the new ones are: a crash can then be undone."""
        records = [{"path": p.real, "old": p.old.decode("utf-8", "surrogateescape"),
                    "new_size": len(p.new)} for p in plans]
        temporary = self.journal.with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8", errors="surrogateescape") as handle:
            json.dump(records, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.journal)

    def recover(self) -> None:
        """Undo writes that a crash cut short (a file neither old nor new, at the new size)."""
        try:
            records = json.loads(self.journal.read_text(encoding="utf-8",
                                                        errors="surrogateescape"))
        except (OSError, ValueError):
            return
        for record in records if isinstance(records, list) else []:
            try:
                _undo_torn(record["path"], record["old"].encode("utf-8", "surrogateescape"),
                           int(record["new_size"]))
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
        self.journal.unlink(missing_ok=True)


def _undo_torn(path: str, old: bytes, new_size: int) -> None:
    try:
        with open(path, "r+b") as handle:
            current = handle.read()
            if len(current) != new_size or current == old or _complete(current, old):
                return  # not written, written whole, or changed since by someone else
            handle.seek(0)
            handle.write(old)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
            log.warning("%s: an id write was cut short; the file is back as it was", path)
    except OSError as exc:
        log.error("cannot check %s after an interrupted id write (%s)", path, exc)


def _complete(current: bytes, old: bytes) -> bool:
    """Tell whether ``current`` is ``old`` with exactly one id line inserted somewhere."""
    extra = len(current) - len(old)
    if extra <= 0:
        return False
    at = len(os.path.commonprefix([current, old]))
    inserted = current[at:at + extra]
    return current[at + extra:] == old[at:] and re.fullmatch(
        rb'id: "[^"\r\n]*"\r?\n', inserted) is not None


def _take_lease(fd: int) -> bool | None:
    """Take a read lease (Linux): True if taken, None if a writer holds the file, False if
    leases are not available here (not the file's owner, or a file system without them).

    The lease-break signal is SIGURG, which is ignored by default: a writer that opens
    the file meanwhile waits until the lease is released, and ``F_GETLEASE`` shows it.
    """
    if not hasattr(fcntl, "F_SETLEASE"):
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETSIG, signal.SIGURG)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EBUSY):
            return None
        return False
    return True


def _open_elsewhere() -> set[str]:
    """Return the files other processes hold open, from /proc (where leases are not had)."""
    proc = "/proc"
    found: set[str] = set()
    if not os.path.isdir(proc):
        return found
    mine = str(os.getpid())
    try:
        pids = [p for p in os.listdir(proc) if p.isdigit() and p != mine]
    except OSError:
        return found
    for pid in pids:
        folder = f"{proc}/{pid}/fd"
        try:
            for name in os.listdir(folder):
                found.add(os.readlink(f"{folder}/{name}"))
        except OSError:
            continue
    return found


def _write_in_place(plan: _Plan) -> Attempt:
    """Rewrite one file in place: first the bytes past the old end (which may fail for lack of
    room, and then the old bytes are all still there), then the changed middle."""
    old, updated = plan.old, plan.new
    at = len(os.path.commonprefix([old, updated]))
    try:
        fd = os.open(plan.real, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        return Attempt(Outcome.BUSY, exc.strerror or str(exc))
    try:
        info = os.fstat(fd)
        if (info.st_mtime_ns, info.st_size, info.st_ino) != plan.version:
            return Attempt(Outcome.CHANGED, "it changed since it was read")
        try:
            _write_all(fd, updated[len(old):], len(old))
        except OSError as exc:
            os.ftruncate(fd, len(old))
            return Attempt(Outcome.BUSY, exc.strerror or str(exc))
        _write_all(fd, updated[at:len(old)], at)
        info = os.fstat(fd)
    finally:
        os.close(fd)
    return Attempt(Outcome.WRITTEN, signature=(info.st_mtime_ns, info.st_size, info.st_ino))


def _sync(paths: list[str]) -> None:
    """Make the written files durable: one ``syncfs`` per file system where Linux has it."""
    libc = _libc()
    done: set[int] = set()
    for path in paths:
        try:
            device = os.stat(path).st_dev
            if device in done:
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if libc is not None and libc.syncfs(fd) == 0:
                done.add(device)
            else:
                os.fsync(fd)
        except OSError:
            continue
        finally:
            os.close(fd)


def _libc() -> Any:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc if hasattr(libc, "syncfs") else None
    except (OSError, AttributeError):
        return None


def _write_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written
