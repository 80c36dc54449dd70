"""What is live, and where each story stands in each of its groups: the third decision.

A holder of its id and permalink whose date has come is live. A story first goes live
with the next publication number (stories that arrive in one change, in (date, file)
order); in each of its groups it takes the next place, and a place once taken is never
reused or moved, so a full archive page never changes because of later stories. A story
that stops being live (deleted, drafted, refused, moved to a future date) keeps its
places as tombstones, and its page answers 410; if it comes back, it comes back to its
places. Joining a group later takes that group's next place; leaving one leaves a
tombstone there.

``Publication`` applies these rules to what the ledger knows (a ``Known``: the entries,
places and groups a change concerns, read from the catalogue for a live change, or
nothing for a first build) and records what changed, for the store to write and the
history to keep. It reads and writes nothing itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from ..records import Entry, FileRow, GroupCount, Place
from . import events
from .events import Event

STORIES = "stories"  # stamped with any story's change: what lists every story depends on


class Known(Protocol):
    """What the ledger knows, as far as one change needs it."""

    def entry(self, story_id: str) -> Entry | None: ...

    def group(self, key: str, name: str) -> GroupCount: ...

    def place(self, key: str, story_id: str) -> Place | None: ...

    def media(self, story_id: str) -> set[str]: ...

    def still_there(self, source: str) -> bool: ...


@dataclass(slots=True)
class Changes:
    """What a change decided, for the store to write, and what it changed (``keys``)."""

    now: float
    next_seq: int
    track: bool = True  # record the keys that changed (a first build announces nothing)
    new_stories: list[tuple[str, int, str, str | None, list[str]]] = field(default_factory=list)
    again: list[tuple[str, str, str | None, list[str]]] = field(default_factory=list)
    removed: list[tuple[str, int, str | None]] = field(default_factory=list)  # id, at, file
    new_places: list[tuple[str, int, str, float, str]] = field(default_factory=list)
    rejoined: list[tuple[str, str, float, str]] = field(default_factory=list)  # grp, id, date, name
    left_places: list[tuple[str, str, int, int]] = field(default_factory=list)  # +at, taken
    media: dict[str, set[str]] = field(default_factory=dict)  # id -> its media files now
    pointed: list[tuple[str, str, int]] = field(default_factory=list)  # path, id, alias
    groups: dict[str, GroupCount] = field(default_factory=dict)  # every group touched
    left: dict[str, list[str]] = field(default_factory=dict)  # group -> ids that left it
    fresh: set[str] = field(default_factory=set)  # ids published for the first time
    spellings: set[tuple[str, str]] = field(default_factory=set)  # (group, id) to check
    unpublished: list[str] = field(default_factory=list)  # files of stories removed
    events: list[Event] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)

    def touch(self, key: str, pos: int, feed_size: int) -> None:
        """Record that a group's documents, and the archive page holding ``pos``, changed."""
        if self.track:
            self.keys.update((f"group:{key}", f"page:{key}:{pos // feed_size + 1}"))

    def changed(self, *keys: str) -> None:
        if self.track:
            self.keys.update(keys)
            if any(key.startswith("story:") for key in keys):
                self.keys.add(STORIES)  # what lists every story reads (the sitemaps)


class Publication:
    """Apply the publication rules to one change (see the module)."""

    def __init__(self, known: Known, changes: Changes, feed_size: int):
        self.known = known
        self.changes = changes
        self.feed_size = feed_size

    def reconcile(self, publishing: list[tuple[str, FileRow]], concerned: Iterable[str]) -> None:
        """Unpublish the live stories among ``concerned`` ids that are not ``publishing``,
        then publish these, in order."""
        live = {story_id for story_id, _ in publishing}
        for story_id in concerned:
            entry = self.known.entry(story_id)
            if entry is not None and entry.live and story_id not in live:
                self.unpublish(entry)
        for story_id, row in publishing:
            self.publish(story_id, row)

    def publish(self, story_id: str, row: FileRow) -> None:
        entry = self.known.entry(story_id)
        changes = self.changes
        groups = [key for key, _ in row.groups]
        if entry is None:
            self._first(story_id, row, groups)
        else:
            edited = not entry.live or entry.digest != row.digest or entry.source != row.source
            if edited:
                changes.changed(f"story:{story_id}", f"path:{row.path}")
            if entry.live and entry.path != row.path:
                changes.changed(f"path:{entry.path}")
            if not entry.live or entry.path != row.path or entry.source != row.source:
                changes.events.append(events.came_back(story_id, row.source, row.path,
                                                       entry.live))
            changes.again.append((story_id, row.source, row.path, groups))
            self._media(story_id, row.media, self.known.media(story_id))
            moved = not entry.live or entry.date != row.date
            for key, name in row.groups:
                self._join(key, story_id, name, row.date, moved)
            for key in set(entry.groups if entry.live else []) - set(groups):
                self._leave(key, story_id)
        changes.pointed.append((row.path or "", story_id, 0))
        changes.pointed.extend((alias, story_id, 1) for alias in row.aliases)

    def _first(self, story_id: str, row: FileRow, groups: list[str]) -> None:
        """A story's first publication: the next number, and the next place in each group."""
        changes = self.changes
        places: dict[str, int] = {}
        changes.events.append(events.published(story_id, changes.next_seq, row.source, row.path,
                                               places))
        changes.new_stories.append((story_id, changes.next_seq, row.source, row.path, groups))
        changes.next_seq += 1
        changes.fresh.add(story_id)
        changes.changed(f"story:{story_id}", f"path:{row.path}")
        self._media(story_id, row.media, set())
        for key, name in row.groups:
            group = self.known.group(key, name)
            changes.groups[key] = group
            changes.new_places.append((key, group.slots, story_id, row.date, name))
            places[key] = group.slots
            changes.touch(key, group.slots, self.feed_size)
            group.slots += 1
            group.live += 1

    def unpublish(self, entry: Entry) -> None:
        changes = self.changes
        still = entry.source is not None and self.known.still_there(entry.source)
        source = entry.source if still else None
        changes.removed.append((entry.id, int(changes.now), source))
        changes.events.append(events.removed(entry.id, source))
        changes.changed(f"story:{entry.id}", f"path:{entry.path}")
        if entry.source is not None:
            changes.unpublished.append(entry.source)
        for key in entry.groups:
            self._leave(key, entry.id)
        self._media(entry.id, [], self.known.media(entry.id))

    def _join(self, key: str, story_id: str, name: str, date: float, moved: bool) -> None:
        changes = self.changes
        group = self.known.group(key, name)
        changes.groups[key] = group
        place = self.known.place(key, story_id)
        if place is None:
            pos = group.slots
            changes.new_places.append((key, pos, story_id, date, name))
            group.slots += 1
            group.live += 1
            changes.events.append(events.joined(story_id, key, pos))
        else:
            pos = place.pos
            if place.live and not moved and place.name == name:
                return
            if not place.live:
                group.live += 1
                changes.events.append(events.joined(story_id, key, pos))
            place.live, place.name = True, name
            changes.rejoined.append((key, story_id, date, name))
        changes.spellings.add((key, story_id))
        changes.touch(key, pos, self.feed_size)

    def _leave(self, key: str, story_id: str) -> None:
        place = self.known.place(key, story_id)
        if place is None or not place.live:
            return
        changes = self.changes
        group = self.known.group(key, "")
        changes.groups[key] = group
        group.live -= 1
        place.live = False
        changes.left_places.append((key, story_id, int(changes.now), group.slots))
        changes.left.setdefault(key, []).append(story_id)
        changes.events.append(events.left(story_id, key, place.pos, group.slots))
        changes.spellings.add((key, story_id))
        changes.touch(key, place.pos, self.feed_size)

    def _media(self, story_id: str, files: Iterable[str], old: set[str]) -> None:
        new = set(files)
        if old != new:
            self.changes.media[story_id] = new
            self.changes.changed(*(f"media:{f}" for f in old ^ new))
