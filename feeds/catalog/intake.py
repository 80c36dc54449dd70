"""Take the files a change read into the catalogue, as their results arrive from the parse pool.

Every file read is written at once (its version, its last good parse, its text), a chunk
at a time while the pool is still at work, and what the decisions then need is kept:
each good file's claims, what the files said before (to tell an edit from a save), the
ids and paths whose holders must be decided again, and the problems met reading them.

A file read again that says exactly what its last good parse said, and stood clean (an
id of its own, its media there, no problem), only has its new version written: a deploy
that replaces ``content/`` (new inodes for every file) or a checkout that touches every
file decides nothing again for the files it did not change.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from .parsing import Parsed
from .records import FileRow
from .rules.claims import standing
from .store import files
from .store.problems import Row, row

CHUNK = 512  # results written at once
MISSING_MEDIA = ("a media file it names is not under content/: add it there, or fix the "
                 "path.")


@dataclass(slots=True)
class Intake:
    """What the files read in one change said, as the decisions need it."""

    now: float
    first: bool = False  # a first build: nothing was there before, so nothing is looked up
    files: dict[str, FileRow] = field(default_factory=dict)  # every good file read
    before: dict[str, tuple[str | None, float]] = field(default_factory=dict)  # digest, date
    ids: set[str] = field(default_factory=set)  # ids whose holder must be decided again
    paths: set[str] = field(default_factory=set)  # ... and permalinks
    sources: set[str] = field(default_factory=set)  # every file read
    problems: list[Row] = field(default_factory=list)  # what reading them met

    def take(self, db: sqlite3.Connection, parsed: Iterable[Parsed]) -> None:
        """Write every result into the catalogue, ``CHUNK`` at a time."""
        chunk: list[Parsed] = []
        for item in parsed:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                self._write(db, chunk)
                chunk = []
        self._write(db, chunk)
        self.ids.discard("")
        self.paths.discard("")

    def _write(self, db: sqlite3.Connection, parsed: list[Parsed]) -> None:
        previous = {} if self.first else {
            old.source: old for old in files.load(db, "source", [p.source for p in parsed])}
        gone, broken, good, texts = [], [], [], []
        versions = self._unchanged(db, parsed, previous)
        for item in parsed:
            if item.source in versions:
                continue
            self.sources.add(item.source)
            old = previous.get(item.source)
            if old is not None:
                self.before[item.source] = (old.digest, old.date)
                if old.claims:
                    self.ids.add(old.id or "")
                    self.paths.add(old.path or "")
            if item.problem:
                self.problems.append(row(item.source, item.problem, "parse", item.line))
            if item.missing:
                self.problems.append(row(item.source, MISSING_MEDIA, "media"))
            if item.signature is None:
                gone.append((item.source,))
            elif item.story is None:  # broken now: the last good parse, if any, stays
                mtime = -1 if item.transient else item.signature[0]  # -1: read again next scan
                broken.append((item.source, mtime, *item.signature[1:], item.problem, item.line))
            else:
                self.ids.add(item.id)
                self.paths.add(item.path)
                found = FileRow(item.source, item.id, item.path, item.date, item.draft,
                                item.digest, item.groups, item.media, item.aliases)
                found.state = standing(found, found, self.now)  # if it holds what it claims
                self.files[item.source] = found
                good.append((item.source, *item.signature, item.id, item.path, item.date,
                             int(item.draft), int(item.own_id), item.digest, *item.encoded,
                             found.state))
                texts.append((item.source, item.story))
        files.write(db, gone, broken, good, texts)
        files.set_versions(db, list(versions.values()))

    @staticmethod
    def _unchanged(db: sqlite3.Connection, parsed: list[Parsed],
                   previous: dict[str, FileRow]) -> dict[str, tuple[int, int, int, str]]:
        """Return the files read again that say what they said, by source, with their new
        versions (see the module)."""
        same = [item for item in parsed
                if item.story is not None and item.signature is not None
                and item.own_id and not item.missing
                and (old := previous.get(item.source)) is not None
                and old.digest == item.digest
                and tuple(map(tuple, old.groups)) == item.groups
                and tuple(old.media) == item.media and tuple(old.aliases) == item.aliases]
        clean = files.settled(db, [item.source for item in same]) if same else set()
        return {item.source: (*item.signature, item.source)  # type: ignore[misc]
                for item in same if item.source in clean}
