"""Which story files to read: every file that differs from the catalogue, or that an event
named, once it is quiet.

A scan walks ``content/`` and compares every file's version (time, size, inode) with
the catalogue's. Between scans the watcher's events name paths: a story file waits until
its writes have been quiet for ``settle`` seconds (an editor's save, ``rsync``, a ``git
checkout`` of thousands of files settle first); any other path (a folder, a media file)
waits too, then stands for the stories it concerns, since files moved into a folder just
made may bring no event of their own.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from ..errors import StoryError
from ..site.files import (
    CONTENT,
    CONTENT_PREFIX,
    is_ignored_name,
    is_story_file,
    name_problem,
    shown,
    signature,
    walk,
)
from ..site.media import media_suffix
from .store import Problem, files, ledger

CONTENT_MISSING = ("the folder is missing, so nothing is published or removed until it is "
                   "back: create it, or restore it; the last published stories keep being "
                   "served.")


def below(path: str, folders: Iterable[str]) -> bool:
    """Tell whether ``path`` lies below one of ``folders``."""
    return any(path.startswith(folder + "/") for folder in folders)


class Scanner:
    """The story files waiting to be read, and the problems walking the folder met."""

    def __init__(self, root: Path, settle: float):
        self.root = root
        self.settle = settle
        self.pending: set[str] = set()  # story files named by events, not read yet
        self.folders: dict[str, float] = {}  # other paths named by events -> last event
        self.walk_problems: dict[str, StoryError] = {}  # by the path they are about
        self.noticed: dict[str, float] = {}  # path -> wall time of its first event (metrics)

    def content_missing(self) -> Problem | None:
        """Return the problem of a missing content/ (nothing is unpublished then: it may be on
        its way back, a checkout or a restore), or None."""
        if (self.root / CONTENT).is_dir():
            return None
        return Problem(CONTENT, None, CONTENT_MISSING)

    def scan(self, db: sqlite3.Connection) -> list[str]:
        """Return every file that differs from the catalogue (new, changed, gone), and those
        that named a media file that was missing (it may have arrived)."""
        walked = walk(self.root)
        known = files.signatures(db)
        found = set(walked.sources)
        root = str(self.root)
        changed = [s for s in walked.sources
                   if s not in known or signature(os.path.join(root, s)) != known[s]]
        changed += [s for s in known if s not in found and not below(s, walked.unreadable)]
        changed += files.missing_media(db)
        self.walk_problems = {error.path or CONTENT: error for error in walked.problems}
        return changed

    def unchanged_left_out(self, db: sqlite3.Connection, sources: set[str]) -> set[str]:
        """Return ``sources`` without those exactly as the catalogue knows them (the id
        writer's own writes, a save that changed nothing): they need no reading."""
        known = files.signatures(db, sources)
        return {s for s in sources if known.get(s) != signature(str(self.root / s))}

    def take(self, db: sqlite3.Connection, paths: Iterable[str]) -> None:
        """Note the paths events named: story files wait in ``pending``; other paths (a
        folder, a media file) in ``folders``, until quiet."""
        root = str(self.root)
        found: set[str] = set()
        now, wall = time.monotonic(), time.time()
        for raw in paths:
            relative = os.path.relpath(raw, root).replace(os.sep, "/")
            if not relative.startswith(CONTENT_PREFIX):
                continue
            under = relative.removeprefix(CONTENT_PREFIX)
            if is_story_file(under) and not name_problem(relative):
                found.add(relative)
            elif not any(is_ignored_name(part) for part in under.split("/")):
                self.folders[relative] = now  # not a scratch file or hidden folder
                self.noticed.setdefault(relative, wall)
        found = self.unchanged_left_out(db, found)
        for source in found:
            self.noticed.setdefault(source, wall)
        self.pending |= found

    def ready(self, db: sqlite3.Connection) -> set[str]:
        """Return the pending files that are quiet now (``done`` takes them off the list once
        they are published)."""
        now = time.monotonic()
        for relative, seen in list(self.folders.items()):
            if now - seen >= self.settle:
                del self.folders[relative]
                under = self._under(db, relative)
                first = self.noticed.pop(relative, None)
                if first is not None:
                    for source in under:
                        self.noticed.setdefault(source, first)
                self.pending |= under
        wall = time.time()  # (files' times are the wall clock's)
        return {s for s in self.pending if self._settled(s, wall)}

    def done(self, sources: set[str]) -> None:
        self.pending -= sources
        for source in sources:
            self.noticed.pop(source, None)

    def first_noticed(self, sources: set[str]) -> float | None:
        """Return when the first event naming one of ``sources`` came (wall clock), or None
        when none did (a scan found them): the start of a publication's latency."""
        return min((self.noticed[s] for s in sources if s in self.noticed), default=None)

    def _settled(self, source: str, now: float) -> bool:
        try:
            return now - os.stat(self.root / source).st_mtime >= self.settle
        except OSError:
            return True  # gone: its removal is ready to publish

    def _under(self, db: sqlite3.Connection, relative: str) -> set[str]:
        """Return the stories a non-story path concerns: a folder's files (now, and as the
        catalogue knew them), or the stories that use a media file."""
        found: set[str] = set()
        under = relative.removeprefix(CONTENT_PREFIX)
        scope = shown(relative)
        for path in [p for p in self.walk_problems if p == scope or below(p, [scope])]:
            del self.walk_problems[path]  # what is found below it now replaces them
        bad = name_problem(relative)
        if bad:
            if os.path.lexists(self.root / relative):
                self.walk_problems[shown(relative)] = StoryError(bad, shown(relative))
            return found  # (no such name is in the catalogue)
        unreadable: list[str] = []
        if os.path.isdir(self.root / relative):
            walked = walk(self.root, relative)
            found.update(walked.sources)
            unreadable = walked.unreadable
            self.walk_problems.update((e.path or CONTENT, e) for e in walked.problems)
        found.update(s for s in files.below(db, relative) if not below(s, unreadable))
        if media_suffix(under):
            found.update(ledger.sources_using(db, under))
            found.update(files.naming_missing(db, under))
        return found

    @property
    def queued(self) -> int:
        """Return how many paths wait to be read: story files, and folders or media files
        that stand for the stories they concern."""
        return len(self.pending) + len(self.folders)

    @property
    def busy(self) -> bool:
        """Tell whether events wait to be read."""
        return bool(self.pending or self.folders)
