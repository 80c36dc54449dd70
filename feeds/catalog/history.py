"""The publication history: what the story files cannot say, as plain text in the site folder.

The order stories were first published (in the site and in each group), where each was
published, what was removed and when: none of it can be read back from the files, so the
publisher writes it down as it decides it, in ``history/YYYY-MM.jsonl`` (a month a file,
by UTC), for the writer to commit with ``content/``. One JSON object a line::

    {"n":7,"at":"2026-01-10T12:00:00Z","event":"published","id":"urn:x:1","seq":7,
     "file":"content/world/a.md","path":"world/a","places":{"site:":6,"section:world":2}}

Events: ``published`` (first publication: its number and its place in each group),
``joined`` and ``left`` (a group, with the place; ``taken``: how many places the group
had when the story left), ``removed`` (the file, if it is still there), ``returned`` and
``moved`` (its file and path now), ``address`` (a path that names a story: an alias, or
a permalink claimed back). ``n`` numbers the lines of one copy of the site.

Lines are appended (``O_APPEND``, whole lines, fsynced) before the catalogue commits the
change they describe, so a crash never leaves the catalogue ahead of the history, and
the catalogue keeps every line too (table ``history``): a history deleted or reverted is
written back from it at the next start. Nothing ever deletes a line.

A catalogue built where there is none (a new server, ``.feeds/`` deleted, a catalogue
that cannot be read) starts from the history: ``feeds.catalog.replay`` reads every line,
tolerating duplicates and the interleaving a git union merge of two copies makes, and
returns the ledger it describes. Two copies that both published are resolved the same way
everywhere: a story's first publication is kept, and each group's places are ordered by
(recorded place, time, line number, id) and numbered densely, so one copy's history
replays to exactly its catalogue, and a merge keeps every story of both.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson

from ..site.story import compact_json
from .rules import events as make
from .rules.events import Event
from .store import historytable
from .store.meta import meta, number, set_meta

log = logging.getLogger(__name__)

FOLDER = "history"
SUFFIX = ".jsonl"


@functools.lru_cache(maxsize=4096)
def iso(seconds: int) -> str:
    """Return a second as the history writes it: ISO 8601 in UTC."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=4096)
def seconds(text: str) -> int:
    """Read a second back (cached: a first build's lines all share one)."""
    if len(text) != 20 or text[10] != "T" or text[19] != "Z":
        raise ValueError(text)
    return int(datetime.fromisoformat(text[:19]).replace(tzinfo=UTC).timestamp())


class HistoryLog:
    """The history files of one site: appended by the publisher, read by a first build.

    ``write`` False (``feeds check``) reads the history but writes nothing into the site.
    """

    def __init__(self, root: Path, write: bool = True):
        self.folder = root / FOLDER
        self.write = write
        self._undo: list[tuple[Path, int]] = []  # what the last append added, until committed

    # Writing ---------------------------------------------------------------------------------

    def record(self, db: sqlite3.Connection, events: list[Event], at: int) -> None:
        """Number ``events`` (each at ``at`` unless it says), keep them in the catalogue and
        append them to the files; call inside the transaction that makes the change."""
        if not events:
            return
        lines = numbered(db, events, at)
        historytable.add_lines(db, lines)
        self.append(db, lines)

    def append(self, db: sqlite3.Connection, lines: list[str]) -> None:
        """Append whole lines to their months' files and fsync them (undone by ``undo``)."""
        if not self.write or not lines:
            return
        by_month: dict[str, list[str]] = {}
        for line in lines:
            by_month.setdefault(line_month(line), []).append(line)
        created = not self.folder.is_dir()
        self.folder.mkdir(exist_ok=True)
        for month, some in by_month.items():
            self._append_file(self.folder / (month + SUFFIX), some)
        if created:
            _fsync_folder(self.folder.parent)
        set_meta(db, "history_files", compact_json(self.signatures()))

    def _append_file(self, path: Path, lines: list[str]) -> None:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        size = 0
        try:
            size = os.fstat(fd).st_size
            self._undo.append((path, size))
            data = "".join(line + "\n" for line in lines).encode()
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data  # a line cut short by a crash stays a line of its own
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)  # never half a line: back to where it was
            raise
        finally:
            os.close(fd)

    def committed(self) -> None:
        """The catalogue committed what was appended: it stays."""
        self._undo.clear()

    def undo(self) -> None:
        """The catalogue did not commit: take back what was appended (lines it never held)."""
        for path, size in reversed(self._undo):
            with contextlib.suppress(OSError):
                os.truncate(path, size)
        self._undo.clear()

    def ensure(self, db: sqlite3.Connection) -> int:
        """Append to the files every line the catalogue holds that they lack (the history was
        deleted, or reverted to an older version); return how many. Cheap when the files are
        as this publisher left them."""
        if not self.write:
            return 0
        recorded = str(meta(db, "history_files") or "")  # empty: not known (a migration)
        if recorded and recorded == compact_json(self.signatures()):
            return 0
        self._take_back_uncommitted(db, orjson.loads(recorded or "{}"))
        present = {text for _, _, text in self.lines()}
        missing = [line for line in historytable.lines(db) if line not in present]
        self.append(db, missing)
        self.committed()
        set_meta(db, "history_files", compact_json(self.signatures()))
        if missing:
            log.warning("%s/: %d lines the catalogue holds were missing: written back",
                        FOLDER, len(missing))
        return len(missing)

    def _take_back_uncommitted(self, db: sqlite3.Connection,
                               recorded: dict[str, list[int]]) -> None:
        """Take back lines a commit that never happened left at the end of a file: the process
        died between writing them and committing. They are exactly the bytes past the size
        the catalogue recorded, in the same file, numbered from the catalogue's next line on;
        a file changed otherwise (a git merge, an edit) is left as it is."""
        first = number(db, "history_n", 1)
        for name, (size, _, inode) in recorded.items():
            path = self.folder / name
            try:
                info = path.stat()
                if info.st_ino != inode or info.st_size <= size:
                    continue
                with open(path, "rb") as handle:
                    handle.seek(size)
                    tail = handle.read().decode("utf-8").splitlines()
                if all(orjson.loads(line)["n"] >= first for line in tail if line.strip()):
                    os.truncate(path, size)
                    log.warning("%s/%s: %d lines of a change that was never committed were "
                                "taken back", FOLDER, name, len(tail))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # not ours to take back

    def signatures(self) -> dict[str, list[int]]:
        """Return each history file's size, time and inode (what says it was changed)."""
        found = {}
        for path in self.files():
            info = path.stat()
            found[path.name] = [info.st_size, info.st_mtime_ns, info.st_ino]
        return found

    # Reading ---------------------------------------------------------------------------------

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if p.name.endswith(SUFFIX) and p.is_file())

    def lines(self) -> Iterator[tuple[str, int, str]]:
        """Yield (file, line number, text) of every non-blank line of the history."""
        for path in self.files():
            with open(path, encoding="utf-8", errors="replace") as handle:
                for number_, text in enumerate(handle, start=1):
                    text = text.rstrip("\n")
                    if text.strip():
                        yield f"{FOLDER}/{path.name}", number_, text


def numbered(db: sqlite3.Connection, events: list[Event], at: int) -> list[str]:
    """Return ``events`` as lines, numbered after the catalogue's last line."""
    first = number(db, "history_n", 1)
    lines = []
    for offset, event in enumerate(events):
        fields = {k: v for k, v in event.items() if k != "at"}
        lines.append(compact_json({"n": first + offset, "at": iso(event.get("at", at)),
                                   **fields}))
    set_meta(db, "history_n", first + len(events))
    return lines


def line_month(line: str) -> str:
    """Return the ``YYYY-MM`` of a line (its file)."""
    start = line.index('"at":"') + 6
    return line[start:start + 7]


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# What a catalogue from before the history holds, as events (its migration) ------------------

def snapshot(db: sqlite3.Connection, at: int) -> list[Event]:
    """Return events that replay to the whole ledger as it is: every story published (at
    ``at``: the catalogue cannot say when), with every place it has, then the paths its
    permalinks do not say, then every place left and story removed, at the second it
    happened."""
    found: list[Event] = []
    implied: dict[str, tuple[str, int]] = {}
    for rows in historytable.published(db):
        found += [make.published(story_id, seq, source, path, places, at)
                  for story_id, seq, source, path, places in rows]
        implied.update((path, (story_id, 0)) for story_id, _, _, path, _ in rows)
    wanted = set(implied.values())
    found += [make.address(path, story_id, bool(alias), at)
              for path, story_id, alias in historytable.paths(db)
              if (story_id, 0) in wanted and implied.get(path) != (story_id, alias)]
    later = [make.left(story_id, group, pos, taken, removed_at)
             for group, pos, story_id, removed_at, taken in historytable.left(db)]
    later += [make.removed(story_id, source, removed_at)
              for story_id, source, removed_at in historytable.removed(db)]
    return found + sorted(later, key=lambda e: (e["at"], e["event"] != "removed", e["id"]))
