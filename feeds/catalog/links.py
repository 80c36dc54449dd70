"""One file is one story, however many names it has under ``content/``.

A hard link (``ln world/shared.md mirror/shared.md``) or a symlink to another
story file gives one file two names. Published as two stories, they would share
whatever the id writer writes through either name: the same id in two files,
and after a restart one of the two pages answering 410. So the names of one
file are told apart before parsing: the one the catalogue already publishes
keeps the story (or, when none does, the first by path), and each other name
is left out, as if absent, with a problem naming the one that holds it. When
the holding name goes, the others are read again, and one takes over.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..site.files import shown
from .store import Problem, file_identity, files

Identity = tuple[int, int]  # (device, inode)


class Names:
    """The names of shared files that are left out, and the name holding each file."""

    def __init__(self) -> None:
        self.twins: dict[str, str] = {}  # left-out name -> the name that holds the file

    def sort(self, db: sqlite3.Connection, root: Path, sources: list[str]) -> list[str]:
        """Return ``sources`` with the other names of files whose name went (to be decided
        again); afterwards ``twins`` says which of them are left out."""
        folder = str(root)  # (a string join: half the cost of a Path's, 100,000 times a start)
        identities = {s: file_identity(os.path.join(folder, s)) for s in sources}
        inodes = {i[1] for i in identities.values() if i is not None}
        gone = [s for s, i in identities.items() if i is None]
        known: dict[str, tuple[int, bool]] = {}  # the catalogue's names of these inodes
        wanted = sorted(inodes | set(files.inodes(db, gone)))
        for source, ino, live in files.with_inodes(db, wanted):
            known[source] = (ino, live)
        for name in self.twins:  # (left out, so not in the catalogue)
            if name not in identities:
                found = file_identity(root / name)
                if found is not None and found[1] in wanted:
                    known[name] = (found[1], False)
        extra = [s for s in known if s not in identities]
        for source in extra:
            identities[source] = file_identity(root / source)
        groups: dict[Identity, list[str]] = {}
        for source, identity in identities.items():
            if identity is not None:
                groups.setdefault(identity, []).append(source)
        for source in identities:
            self.twins.pop(source, None)
        for names in groups.values():
            if len(names) > 1:
                holder = min(names, key=lambda n: (not known.get(n, (0, False))[1], n))
                self.twins.update((n, holder) for n in names if n != holder)
        return sources + [s for s in extra if identities[s] is not None]

    def problems(self) -> list[Problem]:
        return [Problem(shown(name), None, (
            f"this is another name of the file {shown(holder)} (a hard link or a symlink), "
            "which is published: one file is one story, so this name is left out; remove it, "
            "or copy the file to make a second story.")) for name, holder in sorted(
                self.twins.items())]

