"""Put a ledger read from the history into a new catalogue, and say which stories to decide again.

A first build with a history (a new server, ``.feeds/`` deleted or unreadable) starts
from the ledger the history describes, then decides the files with the catalogue's
usual rules, as a restart does after files changed while it was stopped:

1. The history's stories, places and paths go in as they were (this module), and each
   story whose file still says what the ledger says (the same id, path, groups and
   aliases, its date come) is **kept**: nothing is decided again for it, which is what
   makes a first start with a history as fast as one without.
2. The others are **touched**: a story whose file is gone, changed its groups or path,
   turned draft or future; a file claiming an id the ledger knows from elsewhere (two
   files, one id), or a removed story's id (it returns to its places). ``Ledger.apply``
   decides them, with every rule of a live change.
3. Stories the history does not know are published after them, in (date, file) order,
   as a first build does (``Ledger.publish_new``).
"""

from __future__ import annotations

import sqlite3

import orjson

from .history import Restored
from .store import set_meta

# A claim as a first build collects it: (date, source, id, path, group keys, groups with
# names, aliases), the last three as JSON.
Claim = tuple[float, str, str, str, str, str, str]


def restore(db: sqlite3.Connection, restored: Restored, claims: list[Claim],
            now: float) -> set[str]:
    """Write the restored ledger into ``db`` (its files already written); return the ids to
    decide again (the touched ones)."""
    by_source = {claim[1]: claim for claim in claims}
    live_groups: dict[str, set[str]] = {}
    for group, _, story_id, live, _, _ in restored.members:
        if live:
            live_groups.setdefault(story_id, set()).add(group)
    addresses: dict[str, set[str]] = {}
    for path, story_id, _ in restored.paths:
        addresses.setdefault(story_id, set()).add(path)
    touched: set[str] = set()
    owners: dict[str, str | None] = {}  # id -> the file holding it while live and kept
    filled: dict[str, Claim] = {}  # id -> its file's claim: the dates and names of its places
    for story_id, _, source, path, live, _, _ in restored.stories:
        claim = by_source.get(source or "")
        holds = claim is not None and claim[2] == story_id
        if claim is not None and holds:
            filled[story_id] = claim
        kept = (live and claim is not None and holds and claim[3] == path and claim[0] <= now
                and set(orjson.loads(claim[4])) == live_groups.get(story_id, set())
                and set(orjson.loads(claim[6])) <= addresses.get(story_id, set()))
        owners[story_id] = source if kept else None
        if live and not kept:
            touched.add(story_id)
    for claim in claims:  # another file with a known id, or a removed story's file back
        if claim[2] in owners and owners[claim[2]] != claim[1]:
            touched.add(claim[2])
    _insert(db, restored, filled)
    return touched


def _insert(db: sqlite3.Connection, restored: Restored, filled: dict[str, Claim]) -> None:
    db.executemany("INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?, ?)", sorted(restored.stories))
    names = {story_id: dict(orjson.loads(claim[5])) for story_id, claim in filled.items()}
    db.executemany(
        "INSERT INTO members (grp, pos, id, live, date, name, removed_at, removed_pos) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(group, pos, story_id, live, filled[story_id][0] if story_id in filled else 0.0,
          names.get(story_id, {}).get(group, ""), removed_at, taken)
         for group, pos, story_id, live, removed_at, taken in restored.members])
    db.executemany("INSERT INTO paths VALUES (?, ?, ?)", sorted(restored.paths))
    db.executemany("INSERT INTO history (line) VALUES (?)", [(line,) for line in restored.lines])
    db.execute(GROUP_COUNTS.format(where=""))
    set_meta(db, "next_seq", len(restored.stories) + 1)
    set_meta(db, "history_n", restored.next_n)


# Groups' counts, and each one's name as its first live story spells it (as the ledger keeps
# it), from their members; ``where`` picks the groups.
GROUP_COUNTS = """
INSERT OR REPLACE INTO groups (grp, kind, slug, name, live, slots)
    SELECT grp, substr(grp, 1, instr(grp, ':') - 1), substr(grp, instr(grp, ':') + 1),
           coalesce((SELECT first.name FROM members AS first WHERE first.grp = m.grp
                     AND first.live = 1 ORDER BY first.pos LIMIT 1), ''),
           sum(live), count(*)
    FROM members m {where} GROUP BY grp
"""
