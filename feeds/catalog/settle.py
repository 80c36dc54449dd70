"""The last decisions of a change, made once its places are written: the paths it points,
the groups' names and counts, the sections that moved, and the problems.

Each asks the catalogue for what the change concerns and applies a rule of
``feeds.catalog.rules``; a first build asks for everything (``everything``), so its
problems are exactly those a story-by-story history would have left.
"""

from __future__ import annotations

import sqlite3

from .records import GroupCount
from .rules import events, naming, sections
from .rules.places import Changes
from .store import groups, ledger, problems
from .store.problems import Row, row
from .writing import write_paths


def paths(db: sqlite3.Connection, changes: Changes) -> None:
    """Write down the paths the change points somewhere new (an alias, a permalink claimed
    back: their documents change), then record every path it points."""
    known = ledger.paths_now(db, {path for path, _, _ in changes.pointed})
    found = events.addresses(changes.events, known, changes.pointed)
    changes.events += found
    changes.changed(*(f"path:{event['path']}" for event in found))
    write_paths(db, changes)


def names(db: sqlite3.Connection, changes: Changes) -> set[str]:
    """Write each changed group's counts and name; record sections that moved or came back;
    return the groups whose name changed."""
    renamed = set()
    for key, group in changes.groups.items():
        group.name = naming.group_name(groups.first_live_name(db, key), group.name)
        before = groups.count(db, key)
        groups.put(db, group)
        if before is None or before.name != group.name or bool(before.live) != bool(group.live):
            changes.changed(f"name:{key}", "groups")
            if key.startswith("section:"):
                changes.changed("sections")
                _moved(db, changes, group, had=bool(before and before.live))
            if before is not None and before.name != group.name:
                renamed.add(key)
    return renamed


def _moved(db: sqlite3.Connection, changes: Changes, group: GroupCount, had: bool) -> None:
    """Record where a section's stories went when its last ones left in this change (see
    ``rules.sections``), or that a section that had moved has stories again."""
    key = group.key
    if group.live > 0:
        if groups.forget_move(db, key):
            changes.changed(f"group:{key}")
            changes.events.append(events.section(key, None))
        return
    if not had:
        return
    to = sections.target(key, ledger.groups_of(db, changes.left.get(key, []), live=True))
    if to is None:
        return
    followers = groups.moved_here(db, key)
    groups.record_moves(db, sections.moves(key, to, followers), key, int(changes.now))
    changes.events.append(events.section(key, to))
    changes.changed(*(f"group:{old}" for old in followers), f"group:{key}")


def found(db: sqlite3.Connection, changes: Changes, read: set[str], decided: set[str],
          refusals: dict[str, str], met: list[Row], renamed: set[str],
          everything: bool = False) -> list[Row]:
    """Replace the problems of the files read (parse, media, claim) and the claim problems
    of every file decided on; check clashes and shadows. Return what was found."""
    problems.clear(db, ("parse", "media", "claim"), read)
    problems.clear(db, ("claim",), decided - read)
    problems.clear(db, ("clash",), changes.unpublished)
    rows = met + [row(source, message, "claim") for source, message in refusals.items()]
    rows += _clashes(db, changes, renamed, everything)
    rows += _shadows(db, changes, everything)
    problems.add(db, rows)
    return rows


def _clashes(db: sqlite3.Connection, changes: Changes, renamed: set[str],
             everything: bool) -> list[Row]:
    """Check the members a change made or changed, and every member of a group whose name
    changed (so a change costs the same in a group of ten stories or of ten thousand)."""
    if everything:
        problems.clear(db, ("clash",))
        return [row(source, naming.clash_message(key), "clash", group=key)
                for key, source in naming.clashing(groups.spelled_apart(db))]
    named: dict[str, str] = {}
    sources = {story_id: source for story_id, _, source, _, _ in changes.new_stories}
    found = [row(source, naming.clash_message(key), "clash", group=key)
             for key, source in naming.clashing(
                 (key, sources[story_id], spelled, _name(db, named, key))
                 for key, _, story_id, _, spelled in changes.new_places
                 if story_id in changes.fresh and key not in renamed)]
    pairs = {p for p in changes.spellings if p[0] != naming.SITE_KEY and p[0] not in renamed}
    for key in renamed:
        problems.clear(db, ("clash",), group=key)
        pairs |= {(key, story_id) for story_id in groups.live_members(db, key)}
    for key, story_id in sorted(pairs):
        member = groups.spelling(db, key, story_id)
        if member is None:
            continue
        source, live, spelled, name = member
        problems.clear_one(db, "clash", key, source or "")
        if live and source and naming.clashes(spelled, name):
            found.append(row(source, naming.clash_message(key), "clash", group=key))
    return found


def _name(db: sqlite3.Connection, named: dict[str, str], key: str) -> str:
    if key not in named:
        found = groups.count(db, key)
        named[key] = found.name if found else ""
    return named[key]


def _shadows(db: sqlite3.Connection, changes: Changes, everything: bool) -> list[Row]:
    """Report the stories whose page is a live section's page: of the sections and top-level
    pages a change touched (of all, ``everything``)."""
    if everything:
        problems.clear(db, ("shadow",))
        return [row(source, naming.shadow_message(name), "shadow", group=f"section:{name}")
                for source, name in groups.shadowed(db)]
    found: list[Row] = []
    pages = [key.partition(":")[2] for key in changes.keys if key.startswith("path:")]
    for name in sorted(naming.shadow_candidates(changes.groups, pages)):
        key = f"section:{name}"
        problems.clear(db, ("shadow",), group=key)
        found += [row(source, naming.shadow_message(name), "shadow", group=key)
                  for source, _ in groups.shadowed(db, name)]
    return found
