"""The publication history's events: what each decision writes down (see ``feeds.catalog.history``).

One constructor per event, used wherever a decision is made (a live change, a first build,
the migration that writes down a catalogue from before the history), and ``EVENTS``, the
fields each event carries, which reading the history checks. ``at`` is the second the
event happened; left out, it is the second of the change that records it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Event = dict[str, Any]
EVENTS = {  # each event's fields, beside n, at and event
    "published": ("id", "seq", "file", "path", "places"),
    "joined": ("id", "group", "place"),
    "left": ("id", "group", "place", "taken"),
    "removed": ("id", "file"),
    "returned": ("id", "file", "path"),
    "moved": ("id", "file", "path"),
    "address": ("path", "id", "alias"),
    "section": ("group", "to"),  # a section's stories all left for another (to: null, back)
}
PATH_EVENTS = ("published", "moved", "returned")  # events that say where a story's page is


def published(story_id: str, seq: int, file: str, path: str | None, places: object,
              at: int | None = None) -> Event:
    """A story's first publication: its number, file, path and place in each group (a
    mapping, filled as it takes them)."""
    return _at({"event": "published", "id": story_id, "seq": seq, "file": file, "path": path,
                "places": places}, at)


def joined(story_id: str, group: str, place: int) -> Event:
    """A published story joined a group (or came back to its place in it)."""
    return {"event": "joined", "id": story_id, "group": group, "place": place}


def left(story_id: str, group: str, place: int, taken: int, at: int | None = None) -> Event:
    """A story left a group; ``taken``: how many places the group had then."""
    return _at({"event": "left", "id": story_id, "group": group, "place": place,
                "taken": taken}, at)


def removed(story_id: str, file: str | None, at: int | None = None) -> Event:
    """A story stopped being published (``file``: its file, while it is still there)."""
    return _at({"event": "removed", "id": story_id, "file": file}, at)


def came_back(story_id: str, file: str, path: str | None, was_live: bool) -> Event:
    """A published story moved to another file or path (``moved``), or a removed one came
    back (``returned``)."""
    return {"event": "moved" if was_live else "returned", "id": story_id, "file": file,
            "path": path}


def address(path: str, story_id: str, alias: bool, at: int | None = None) -> Event:
    """A path names a story from now on: an alias, or a permalink claimed back."""
    return _at({"event": "address", "path": path, "id": story_id, "alias": alias}, at)


def section(group: str, to: str | None) -> Event:
    """A section's stories all left for ``to`` (None: it has stories again)."""
    return {"event": "section", "group": group, "to": to}


def addresses(events: Iterable[Event], known: Mapping[str, tuple[str, int]],
              pointed: Iterable[tuple[str, str, int]]) -> list[Event]:
    """Return the ``address`` events a change needs: for each path it points somewhere
    (``pointed``: path, id, alias), unless the paths ``known`` before it, or its own
    published, moved and returned events, already say so."""
    now = dict(known)
    for event in events:
        if event["event"] in PATH_EVENTS:
            now[event["path"]] = (event["id"], 0)
    found = []
    for path, story_id, alias in pointed:
        if now.get(path) != (story_id, int(alias)):
            now[path] = (story_id, int(alias))
            found.append(address(path, story_id, bool(alias)))
    return found


def _at(event: Event, at: int | None) -> Event:
    if at is not None:
        event["at"] = at
    return event
