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
   by the rules of a first build (``feeds.catalog.firstbuild``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import orjson

from .records import FileRow, GroupCount
from .replay import Restored
from .rules.naming import SITE_KEY
from .store import files, groups, historytable, ledger
from .store.meta import set_meta

Fill = dict[str, tuple[float, dict[str, str]]]  # id -> its file's date, and group -> name


def restore(db: sqlite3.Connection, restored: Restored, claims: Iterable[FileRow],
            now: float) -> set[str]:
    """Write the restored ledger into ``db`` (its files already written); return the ids to
    decide again (the touched ones).

    What the site's own feeds and pages need goes in now (stories, paths, the site's
    places); the other groups' places and the history's lines wait for ``restore_rest``
    in the first build's second step, unless a story must be decided again (its groups
    must be there for that)."""
    by_source = {claim.source: claim for claim in claims if claim.claims}
    addresses: dict[str, set[str]] = {}
    for path, story_id, alias in restored.paths:
        if alias:
            addresses.setdefault(story_id, set()).add(path)
    touched: set[str] = set()
    owners: dict[str, str | None] = {}  # id -> the file holding it while live and kept
    filled: Fill = {}  # id -> what its file says of its places: date, and names
    for story_id, _, source, path, live, _, keys in restored.stories:
        claim = by_source.get(source or "")
        holds = claim is not None and claim.id == story_id
        if claim is not None and holds:
            filled[story_id] = (claim.date, dict(claim.groups))
        kept = (live and claim is not None and holds and claim.path == path
                and claim.date <= now
                and sorted(k for k, _ in claim.groups) == orjson.loads(keys)  # (sorted: replay)
                and set(claim.aliases) <= addresses.get(story_id, set()))
        owners[story_id] = source if kept else None
        if live and not kept:
            touched.add(story_id)
    for claim in by_source.values():  # another file with a known id, or a removed story's file
        if claim.id in owners and owners[claim.id] != claim.source:  # back
            touched.add(claim.id)
    ledger.add_restored(db, sorted(restored.stories), sorted(restored.paths))
    groups.add_moves(db, restored.moved)
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
        filled = files.places_filled(db)
    _members(db, restored, filled, site=False)
    historytable.add_lines(db, restored.lines)
    set_meta(db, "restore_pending", 0)


def _members(db: sqlite3.Connection, restored: Restored, filled: Fill, site: bool) -> None:
    """Insert the site's places (``site``) or every other group's, with the date and name of
    each live story's file (what the ledger keeps beside each place)."""
    nothing: tuple[float, dict[str, str]] = (0.0, {})
    groups.add_restored(db, [
        (group, pos, story_id, live, fill[0], fill[1].get(group, ""), removed_at, taken)
        for group, pos, story_id, live, removed_at, taken in restored.members
        if (group == SITE_KEY) == site
        for fill in (filled.get(story_id, nothing),)])
    groups.count_from_members(db, site)


def counts(restored: Restored) -> dict[str, GroupCount]:
    """Return each group's counts as the history leaves them (live places, places taken):
    where a first build's new stories take their places, before those are written."""
    found: dict[str, GroupCount] = {}
    for group, _, _, live, _, _ in restored.members:
        count = found.get(group)
        if count is None:
            count = found[group] = GroupCount(group, "", 0, 0)
        count.live += live
        count.slots += 1
    return found
