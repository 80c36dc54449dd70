"""What the catalogue's rules decide on: a file's claims, a ledger entry, a place, a group.

Plain records, shared by the rules (``feeds.catalog.rules``), which decide on them, and
the store (``feeds.catalog.store``), which reads and writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(slots=True)
class FileRow:
    """A story file as the catalogue knows it: its last good parse's claims and digest."""

    source: str
    id: str | None
    path: str | None
    date: float
    draft: bool
    digest: str | None
    groups: Sequence[tuple[str, str]]  # (group key, the name this story spells it)
    media: Sequence[str]
    aliases: Sequence[str]
    state: str | None = None  # its standing as the catalogue holds it (None: not known)

    @property
    def claims(self) -> bool:
        """Tell whether the file claims its id and path: a good parse, not a draft."""
        return self.digest is not None and not self.draft

    @property
    def rank(self) -> tuple[float, str]:
        """Return what orders claimants: the earliest date, then the file."""
        return (self.date, self.source)


@dataclass(slots=True)
class Entry:
    """A story in the ledger: its file and path now, and the groups it is in."""

    id: str
    source: str | None
    path: str | None
    live: bool
    groups: list[str]
    digest: str | None = None  # of the live version, to tell an edit from a save
    date: float = 0.0


@dataclass(slots=True)
class Place:
    """A story's place in one group: its position, whether it is there now, its spelling."""

    pos: int
    live: bool
    name: str


@dataclass(slots=True)
class GroupCount:
    """A group's name and counts: live members, and places ever taken."""

    key: str
    name: str
    live: int
    slots: int
