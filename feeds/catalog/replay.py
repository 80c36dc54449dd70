"""Read a publication history back into the ledger it describes (see ``feeds.catalog.history``).

A first build with no catalogue starts from this ledger. Every line of ``history/`` is
read, whatever order and duplicates a git union merge of two copies left: lines are
replayed in the order of their numbers (then time, then text), a story's first
publication is kept, and each group's places, and the stories' numbers, are ordered by
(recorded number, time, line number, id) and numbered without gaps. One copy's history
is already so numbered, and comes back exactly as its catalogue had it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..site.story import compact_json
from .history import EVENTS, Event, seconds
from .store import Problem

# Replay state, as lists (a whole archive's history is a million of them): a story is
# [recorded seq, time, n, id, file, path, live, removed_at, its places by group], a place
# [recorded place, time, n, id, live, removed_at, taken]; the first four are the order.
_Story = list[Any]
_Place = list[Any]
_LIVE, _REMOVED_AT, _TAKEN = 4, 5, 6  # (of a place)


@dataclass(slots=True)
class Restored:
    """The ledger a history describes, ready for the catalogue's tables."""

    stories: list[tuple[str, int, str | None, str, int, int | None, str]] = field(
        default_factory=list)  # id, seq, source, path, live, removed_at, groups (JSON)
    members: list[tuple[str, int, str, int, int | None, int | None]] = field(
        default_factory=list)  # grp, pos, id, live, removed_at, removed_pos
    paths: list[tuple[str, str, int]] = field(default_factory=list)  # path, id, alias
    lines: list[str] = field(default_factory=list)  # every line, in the order replayed
    next_n: int = 1
    newest: int = 0  # the latest time in it: a new catalogue's seconds start after it
    problems: list[Problem] = field(default_factory=list)  # lines that could not be read


def replay(found: Iterator[tuple[str, int, str]]) -> Restored:
    """Return the ledger the history lines describe (see the module for the rules)."""
    restored = Restored()
    events: list[tuple[int, int, str, Event]] = []
    seen: set[str] = set()
    for where, line_number, text in found:
        if text in seen:
            continue  # a union merge keeps both copies of a shared line
        seen.add(text)
        try:
            event = orjson.loads(text)
            at = seconds(event["at"])
            if not all(k in event for k in EVENTS[event["event"]]):
                raise KeyError(event["event"])
            events.append((int(event["n"]), at, text, event))
        except (ValueError, KeyError, TypeError):
            restored.problems.append(Problem(where, line_number, (
                "this line is not a history event (cut short by a crash, or edited by hand), "
                "so it is left out: restore it from git, or delete it."), warning=True))
    events.sort(key=lambda e: e[:3])
    stories: dict[str, _Story] = {}
    groups: dict[str, list[_Place]] = {}  # each group's places, in the order they were made
    paths: dict[str, tuple[str, int]] = {}
    for n, at, text, event in events:
        restored.lines.append(text)
        restored.next_n = max(restored.next_n, n + 1)
        restored.newest = max(restored.newest, at)
        _apply(event, n, at, stories, groups, paths)
    _resolve(restored, stories, groups, paths)
    return restored


def _apply(event: Event, n: int, at: int, stories: dict[str, _Story],
           groups: dict[str, list[_Place]], paths: dict[str, tuple[str, int]]) -> None:
    kind, story_id = event["event"], str(event["id"])
    story = stories.get(story_id)
    if kind == "published":
        if story is not None:
            return  # published in two copies: the first publication is kept
        own: dict[str, _Place] = {}
        path = str(event["path"])
        stories[story_id] = [int(event["seq"]), at, n, story_id, event["file"], path, True,
                             None, own]
        for group, place in dict(event["places"]).items():
            own[group] = entry = [int(place), at, n, story_id, True, None, None]
            found = groups.get(group)
            if found is None:
                groups[group] = [entry]
            else:
                found.append(entry)
        paths[path] = (story_id, 0)
    elif kind == "address":
        paths[str(event["path"])] = (story_id, int(bool(event["alias"])))
    elif story is None:
        return  # about a story this history never saw published: nothing to place
    elif kind in ("joined", "left"):
        group = str(event["group"])
        entry = story[8].get(group)
        if entry is None:
            story[8][group] = entry = [int(event["place"]), at, n, story_id, True, None, None]
            groups.setdefault(group, []).append(entry)
        entry[_LIVE:] = [True, None, None] if kind == "joined" else [False, at,
                                                                     int(event["taken"])]
    elif kind == "removed":
        story[4], story[6], story[7] = event["file"], False, at
    else:  # returned, moved
        story[4], story[5], story[6], story[7] = event["file"], str(event["path"]), True, None
        paths[story[5]] = (story_id, 0)


def _resolve(restored: Restored, stories: dict[str, _Story], groups: dict[str, list[_Place]],
             paths: dict[str, tuple[str, int]]) -> None:
    """Number stories and places densely in their recorded order: one copy's are already so,
    and kept as they are; two copies' are sorted by (recorded number, time, n, id)."""
    rows = restored.members
    for group in sorted(groups):
        entries = groups[group]
        as_recorded = all(entry[0] == pos for pos, entry in enumerate(entries))
        if not as_recorded:
            entries.sort(key=_order)
            recorded = [entry[0] for entry in entries]
        for pos, entry in enumerate(entries):
            taken = entry[_TAKEN]
            if taken is not None and not as_recorded:  # places taken then, in the merged order
                taken = bisect.bisect_left(recorded, taken)
            rows.append((group, pos, entry[3], int(entry[_LIVE]), entry[_REMOVED_AT], taken))
    ordered = list(stories.values())
    if not all(story[0] == seq for seq, story in enumerate(ordered, start=1)):
        ordered.sort(key=_order)
    for seq, story in enumerate(ordered, start=1):
        live = sorted(group for group, entry in story[8].items() if entry[_LIVE])
        restored.stories.append((story[3], seq, story[4], story[5], int(story[6]), story[7],
                                 compact_json(live)))
    restored.paths = [(path, story_id, alias) for path, (story_id, alias) in paths.items()
                      if story_id in stories]


def _order(item: list[Any]) -> tuple[Any, ...]:
    return (item[0], item[1], item[2], item[3])

