"""What the ledger knows, as far as one change needs it: read from the catalogue, or nothing.

The rules (``feeds.catalog.rules.places``) ask a ``Known`` for the entries, places and
groups a change concerns. A live change reads them from the catalogue as they are asked
for (each once); a first build knows no story yet, and at most the groups' counts a
history brought.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from .records import Entry, GroupCount, Place
from .store import files, groups, ledger


class StoredKnown:
    """The catalogue's ledger, read as a change asks (by index: a change costs the same at
    any size). ``before`` is what the files read in this change said before it (their rows
    are already rewritten), to tell an edit from a save."""

    def __init__(self, db: sqlite3.Connection, ids: Iterable[str],
                 before: Mapping[str, tuple[str | None, float]]):
        self.db = db
        self.entries = ledger.entries(db, ids)
        for entry in self.entries.values():
            if entry.source is not None and entry.source in before:
                entry.digest, entry.date = before[entry.source]
        self._groups: dict[str, GroupCount] = {}
        self._places: dict[tuple[str, str], Place | None] = {}

    def entry(self, story_id: str) -> Entry | None:
        return self.entries.get(story_id)

    def group(self, key: str, name: str) -> GroupCount:
        found = self._groups.get(key)
        if found is None:
            found = self._groups[key] = groups.count(self.db, key) or GroupCount(key, name, 0, 0)
        return found

    def place(self, key: str, story_id: str) -> Place | None:
        pair = (key, story_id)
        if pair not in self._places:
            self._places[pair] = groups.place(self.db, key, story_id)
        return self._places[pair]

    def media(self, story_id: str) -> set[str]:
        return ledger.media_of(self.db, story_id)

    def still_there(self, source: str) -> bool:
        return bool(files.existing(self.db, [source]))


class NothingKnown:
    """A first build's ledger: no story yet; the groups' counts ``seed`` gives (a history's),
    else none."""

    def __init__(self, seed: Mapping[str, GroupCount] | None = None):
        self._groups = dict(seed or {})

    def entry(self, story_id: str) -> Entry | None:
        return None

    def group(self, key: str, name: str) -> GroupCount:
        found = self._groups.get(key)
        if found is None:
            found = self._groups[key] = GroupCount(key, name, 0, 0)
        return found

    def place(self, key: str, story_id: str) -> Place | None:
        return None

    def media(self, story_id: str) -> set[str]:
        return set()

    def still_there(self, source: str) -> bool:
        return False
