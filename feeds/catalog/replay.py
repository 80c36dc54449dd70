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
from .history import seconds
from .rules import sections
from .rules.events import EVENTS, Event
from .store import Problem

FIELDS = {kind: frozenset(("n", "at", *fields)) for kind, fields in EVENTS.items()}

# Replay state, as lists (a whole archive's history is a million places): a story is
# [recorded seq, time, n, id, file, path, live, removed_at, places, changed]: ``places`` maps
# each group it ever joined to its recorded place, ``changed`` (None for most) each group
# whose place it joined or left after its publication to [time, n, live, removed_at, taken].
_Story = list[Any]
_PLACES, _CHANGED = 8, 9


@dataclass(slots=True)
class Restored:
    """The ledger a history describes, ready for the catalogue's tables."""

    stories: list[tuple[str, int, str | None, str, int, int | None, str]] = field(
        default_factory=list)  # id, seq, source, path, live, removed_at, groups (JSON)
    members: list[tuple[str, int, str, int, int | None, int | None]] = field(
        default_factory=list)  # grp, pos, id, live, removed_at, removed_pos
    paths: list[tuple[str, str, int]] = field(default_factory=list)  # path, id, alias
    moved: list[tuple[str, str, int]] = field(default_factory=list)  # section, to, when
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
            if not event.keys() >= FIELDS[event["event"]] or not _valid(event):
                raise KeyError(event["event"])
            events.append((int(event["n"]), at, text, event))
        except (ValueError, KeyError, TypeError):
            restored.problems.append(Problem(where, line_number, (
                "this line is not a history event (cut short by a crash, or edited by hand), "
                "so it is left out: restore it from git, or delete it."), warning=True))
    events.sort(key=lambda e: e[:3])
    stories: dict[str, _Story] = {}
    paths: dict[str, tuple[str, int]] = {}
    moved: dict[str, tuple[str, int]] = {}
    for n, at, text, event in events:
        restored.lines.append(text)
        restored.next_n = max(restored.next_n, n + 1)
        restored.newest = max(restored.newest, at)
        if event["event"] == "section":
            _move(event, at, moved)
        else:
            _apply(event, n, at, stories, paths)
    _resolve(restored, stories, paths)
    restored.moved = sorted((group, to, at) for group, (to, at) in moved.items())
    return restored


def _move(event: Event, at: int, moved: dict[str, tuple[str, int]]) -> None:
    """Apply a section's move by the ledger's rule (``rules.sections``): the sections that
    had moved to it follow it; a section with stories again (``to`` null) is itself."""
    group, to = str(event["group"]), event["to"]
    if to is None:
        moved.pop(group, None)
        return
    now = sections.follow({g: there for g, (there, _) in moved.items()}, group, str(to))
    moved.update((g, (there, at if g == group else moved[g][1])) for g, there in now.items())


def _valid(event: Event) -> bool:
    """Tell whether an event's fields have the types replay relies on."""
    if event["event"] == "section":
        return isinstance(event["group"], str) and (event["to"] is None
                                                    or isinstance(event["to"], str))
    if event["event"] == "published":
        places = event["places"]
        return isinstance(places, dict) and set(map(type, places.values())) <= {int} and \
            min(places.values(), default=0) >= 0
    return event["event"] not in ("joined", "left") or type(event["place"]) is int


def _apply(event: Event, n: int, at: int, stories: dict[str, _Story],
           paths: dict[str, tuple[str, int]]) -> None:
    kind, story_id = event["event"], str(event["id"])
    story = stories.get(story_id)
    if kind == "published":
        if story is not None:
            return  # published in two copies: the first publication is kept
        path = str(event["path"])
        stories[story_id] = [int(event["seq"]), at, n, story_id, event["file"], path, True,
                             None, event["places"], None]
        paths[path] = (story_id, 0)
    elif kind == "address":
        paths[str(event["path"])] = (story_id, int(bool(event["alias"])))
    elif story is None:
        return  # about a story this history never saw published: nothing to place
    elif kind in ("joined", "left"):
        group = str(event["group"])
        changed = story[_CHANGED] = story[_CHANGED] or {}
        state = changed.get(group)
        if state is None:
            if group not in story[_PLACES]:  # a group joined after its publication
                story[_PLACES] = {**story[_PLACES], group: event["place"]}
                state = changed[group] = [at, n, True, None, None]
            else:
                state = changed[group] = [story[1], story[2], True, None, None]
        state[2:] = [True, None, None] if kind == "joined" else [False, at, int(event["taken"])]
    elif kind == "removed":
        story[4], story[6], story[7] = event["file"], False, at
    else:  # returned, moved
        story[4], story[5], story[6], story[7] = event["file"], str(event["path"]), True, None
        paths[story[5]] = (story_id, 0)


def _resolve(restored: Restored, stories: dict[str, _Story],
             paths: dict[str, tuple[str, int]]) -> None:
    """Number stories and places densely in their recorded order: one copy's are already so,
    and kept as they are; two copies' are sorted by (recorded number, time, n, id)."""
    ordered = list(stories.values())
    if not all(story[0] == seq for seq, story in enumerate(ordered, start=1)):
        ordered.sort(key=lambda story: (story[0], story[1], story[2], story[3]))
    sizes: dict[str, int] = {}
    for story in ordered:
        for group in story[_PLACES]:
            sizes[group] = sizes.get(group, 0) + 1
    slots: dict[str, list[Any]] = {group: [None] * size for group, size in sizes.items()}
    merged: set[str] = set()  # groups whose recorded places collide or leave gaps
    for story in ordered:
        for group, place in story[_PLACES].items():
            taken = slots[group]
            if place < len(taken) and taken[place] is None:
                taken[place] = story
            else:
                merged.add(group)
    rows = restored.members
    for group in sorted(slots):
        if group in merged:
            _renumber(rows, group, ordered)
            continue
        for pos, story in enumerate(slots[group]):
            state = story[_CHANGED] and story[_CHANGED].get(group)
            rows.append((group, pos, story[3], 1, None, None) if not state else
                        (group, pos, story[3], int(state[2]), state[3], state[4]))
    for seq, story in enumerate(ordered, start=1):
        changed = story[_CHANGED] or {}
        live = sorted(group for group in story[_PLACES]
                      if group not in changed or changed[group][2])
        restored.stories.append((story[3], seq, story[4], story[5], int(story[6]), story[7],
                                 compact_json(live)))
    restored.paths = [(path, story_id, alias) for path, (story_id, alias) in paths.items()
                      if story_id in stories]


def _renumber(rows: list[tuple[str, int, str, int, int | None, int | None]], group: str,
              stories: list[_Story]) -> None:
    """Number a group's places that two copies recorded (colliding, or with gaps): in the
    order of (recorded place, time, n, id), and each ``taken`` counted in that order."""
    entries = []
    for story in stories:
        place = story[_PLACES].get(group)
        if place is not None:
            state = (story[_CHANGED] or {}).get(group) or [story[1], story[2], True, None, None]
            entries.append((place, state[0], state[1], story[3], state))
    entries.sort(key=lambda entry: entry[:4])
    recorded = [entry[0] for entry in entries]
    for pos, (_, _, _, story_id, (_, _, live, removed_at, taken)) in enumerate(entries):
        if taken is not None:
            taken = bisect.bisect_left(recorded, taken)
        rows.append((group, pos, story_id, int(live), removed_at, taken))
