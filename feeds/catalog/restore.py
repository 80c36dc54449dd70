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

from .replay import Restored
from .store import set_meta

# A claim as a first build collects it: (date, source, id, path, group keys, groups with
# names, aliases), the last three as JSON.
Claim = tuple[float, str, str, str, str, str, str]
SITE_KEY = "site:"


Fill = dict[str, tuple[float, dict[str, str]]]  # id -> its file's date, and group -> name


def restore(db: sqlite3.Connection, restored: Restored, claims: list[Claim],
            now: float) -> set[str]:
    """Write the restored ledger into ``db`` (its files already written); return the ids to
    decide again (the touched ones).

    What the site's own feeds and pages need goes in now (stories, paths, the site's
    places); the other groups' places and the history's lines wait for ``restore_rest``
    in the first build's second step, unless a story must be decided again (its groups
    must be there for that)."""
    by_source = {claim[1]: claim for claim in claims}
    addresses: dict[str, set[str]] = {}
    for path, story_id, alias in restored.paths:
        if alias:
            addresses.setdefault(story_id, set()).add(path)
    touched: set[str] = set()
    owners: dict[str, str | None] = {}  # id -> the file holding it while live and kept
    filled: Fill = {}  # id -> what its file says of its places: date, and names
    for story_id, _, source, path, live, _, groups in restored.stories:
        claim = by_source.get(source or "")
        holds = claim is not None and claim[2] == story_id
        if claim is not None and holds:
            filled[story_id] = (claim[0], dict(orjson.loads(claim[5])))
        kept = (live and claim is not None and holds and claim[3] == path and claim[0] <= now
                and sorted(orjson.loads(claim[4])) == orjson.loads(groups)  # (sorted: replay)
                and (claim[6] == "[]" or set(orjson.loads(claim[6])) <= addresses.get(
                    story_id, set())))
        owners[story_id] = source if kept else None
        if live and not kept:
            touched.add(story_id)
    for claim in claims:  # another file with a known id, or a removed story's file back
        if claim[2] in owners and owners[claim[2]] != claim[1]:
            touched.add(claim[2])
    db.executemany("INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?, ?)", sorted(restored.stories))
    db.executemany("INSERT INTO paths VALUES (?, ?, ?)", sorted(restored.paths))
    db.executemany("INSERT INTO moved VALUES (?, ?, ?)", restored.moved)
    _members(db, restored, filled, site=True)
    set_meta(db, "next_seq", len(restored.stories) + 1)
    set_meta(db, "history_n", restored.next_n)
    if touched:
        restore_rest(db, restored, filled)
    else:
        set_meta(db, "restore_pending", 1)
    return touched


def restore_rest(db: sqlite3.Connection, restored: Restored, filled: Fill | None = None) -> None:
    """Put in what ``restore`` left for later: the other groups' places, the history's lines."""
    if filled is None:
        filled = {story_id: (date, dict(orjson.loads(groups))) for story_id, date, groups in
                  db.execute("SELECT s.id, f.date, f.groups FROM stories s JOIN files f "
                             "ON f.source = s.source AND f.id = s.id "
                             "WHERE f.digest IS NOT NULL AND f.draft = 0")}
    _members(db, restored, filled, site=False)
    db.executemany("INSERT INTO history (line) VALUES (?)", [(line,) for line in restored.lines])
    set_meta(db, "restore_pending", 0)


def _members(db: sqlite3.Connection, restored: Restored, filled: Fill, site: bool) -> None:
    """Insert the site's places (``site``) or every other group's, with the date and name of
    each live story's file (what the ledger keeps beside each place)."""
    nothing: tuple[float, dict[str, str]] = (0.0, {})
    db.executemany(
        "INSERT INTO members (grp, pos, id, live, date, name, removed_at, removed_pos) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(group, pos, story_id, live, fill[0], fill[1].get(group, ""), removed_at, taken)
         for group, pos, story_id, live, removed_at, taken in restored.members
         if (group == SITE_KEY) == site
         for fill in (filled.get(story_id, nothing),)])
    db.execute(GROUP_COUNTS.format(where="WHERE grp = ?" if site else "WHERE grp != ?"),
               (SITE_KEY,))


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
