"""The groups' tables: ``groups`` (names and counts), ``members`` (every place a story took
in a group, in the order they were taken) and ``moved`` (sections whose stories all went to
another)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ..records import GroupCount, Place
from .schema import in_chunks

MemberRow = tuple[str, int, str, float, str]  # grp, pos, id, date, name (a new, live place)

# Groups' counts, and each one's name as its first live story spells it, from their members;
# ``where`` picks the groups.
_COUNTS = """
INSERT OR REPLACE INTO groups (grp, kind, slug, name, live, slots)
    SELECT grp, substr(grp, 1, instr(grp, ':') - 1), substr(grp, instr(grp, ':') + 1),
           coalesce((SELECT first.name FROM members AS first WHERE first.grp = m.grp
                     AND first.live = 1 ORDER BY first.pos LIMIT 1), ''),
           sum(live), count(*)
    FROM members m {where} GROUP BY grp
"""


def count(db: sqlite3.Connection, key: str) -> GroupCount | None:
    """Return a group's name and counts, or None when it has none yet."""
    found = db.execute("SELECT name, live, slots FROM groups WHERE grp = ?", (key,)).fetchone()
    return None if found is None else GroupCount(key, *found)


def counts(db: sqlite3.Connection, keys: Iterable[str]) -> dict[str, GroupCount]:
    return {key: GroupCount(key, name, live, slots) for key, name, live, slots in in_chunks(
        db, "SELECT grp, name, live, slots FROM groups WHERE grp IN ({})", keys)}


def put(db: sqlite3.Connection, group: GroupCount) -> None:
    """Write a group's name and counts."""
    kind, _, slug = group.key.partition(":")
    db.execute("INSERT OR REPLACE INTO groups VALUES (?, ?, ?, ?, ?, ?)",
               (group.key, kind, slug, group.name, group.live, group.slots))


def count_from_members(db: sqlite3.Connection, site: bool | None = None) -> None:
    """Write groups' counts and names from their members: the site's (``site``), every
    other group's (``site`` False), or every group's (None)."""
    where = "" if site is None else "WHERE grp = 'site:'" if site else "WHERE grp != 'site:'"
    db.execute(_COUNTS.format(where=where))


def live_total(db: sqlite3.Connection) -> int:
    """Return how many stories are live (the site group's count)."""
    row = db.execute("SELECT live FROM groups WHERE grp = 'site:'").fetchone()
    return int(row[0]) if row else 0


def first_live_name(db: sqlite3.Connection, key: str) -> str | None:
    """Return how a group's first live member (by place) spells it, or None with none live."""
    row = db.execute("SELECT name FROM members WHERE grp = ? AND live = 1 ORDER BY pos LIMIT 1",
                     (key,)).fetchone()
    return None if row is None else str(row[0])


# Members ------------------------------------------------------------------------------------

def place(db: sqlite3.Connection, key: str, story_id: str) -> Place | None:
    """Return a story's place in a group, or None if it never had one."""
    found = db.execute("SELECT pos, live, name FROM members WHERE grp = ? AND id = ?",
                       (key, story_id)).fetchone()
    return None if found is None else Place(found[0], bool(found[1]), found[2])


def add_members(db: sqlite3.Connection, rows: Iterable[MemberRow]) -> None:
    """Add new places (live), in key order (appended, not spread)."""
    db.executemany("INSERT INTO members (grp, pos, id, live, date, name) "
                   "VALUES (?, ?, ?, 1, ?, ?)", rows)


def add_restored(db: sqlite3.Connection, rows: Iterable[tuple[object, ...]]) -> None:
    """Add places read from the history: (grp, pos, id, live, date, name, removed_at,
    removed_pos)."""
    db.executemany("INSERT INTO members (grp, pos, id, live, date, name, removed_at, "
                   "removed_pos) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def rejoin(db: sqlite3.Connection, key: str, story_id: str, date: float, name: str) -> None:
    """Record a story in its place again (back, or with a new date or spelling)."""
    db.execute("UPDATE members SET live = 1, date = ?, name = ?, removed_at = NULL, "
               "removed_pos = NULL, expired = 0 WHERE grp = ? AND id = ?",
               (date, name, key, story_id))


def leave(db: sqlite3.Connection, key: str, story_id: str, at: int, taken: int) -> None:
    """Record a story leaving its place at ``at``, when the group had ``taken`` places."""
    db.execute("UPDATE members SET live = 0, removed_at = ?, removed_pos = ? "
               "WHERE grp = ? AND id = ?", (at, taken, key, story_id))


def live_members(db: sqlite3.Connection, key: str) -> list[str]:
    return [i for (i,) in db.execute("SELECT id FROM members WHERE grp = ? AND live = 1", (key,))]


def spelling(db: sqlite3.Connection, key: str,
             story_id: str) -> tuple[str | None, bool, str, str] | None:
    """Return (file, live, spelling, group's name) of a story's place in a group."""
    return db.execute(
        "SELECT s.source, m.live, m.name, g.name FROM members m "
        "JOIN stories s ON s.id = m.id JOIN groups g ON g.grp = m.grp "
        "WHERE m.grp = ? AND m.id = ?", (key, story_id)).fetchone()


def spelled_apart(db: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    """Return (group, file, spelling, group's name) of every live place spelled otherwise
    than its group is named (the exact comparison, in SQL: the rule then folds case)."""
    return db.execute(
        "SELECT m.grp, s.source, m.name, g.name FROM members m "
        "JOIN groups g ON g.grp = m.grp JOIN stories s ON s.id = m.id "
        "WHERE m.grp != 'site:' AND m.live = 1 AND m.name != g.name").fetchall()


def shadowed(db: sqlite3.Connection, name: str | None = None) -> list[tuple[str, str]]:
    """Return (file, section name) of live stories whose page is a live section's page (of the
    section ``name`` only, when given)."""
    sql = ("SELECT s.source, s.path FROM stories s JOIN groups g ON g.grp = 'section:' || s.path "
           "AND g.live > 0 WHERE s.live = 1")
    if name is None:
        return db.execute(sql).fetchall()
    return db.execute(sql + " AND s.path = ?", (name,)).fetchall()


# Tombstones ---------------------------------------------------------------------------------

def next_expiry(db: sqlite3.Connection) -> int | None:
    """Return when the oldest place left that is still listed was left."""
    found = db.execute("SELECT min(removed_at) FROM members WHERE live = 0 AND expired = 0 "
                       "AND removed_at IS NOT NULL").fetchone()[0]
    return None if found is None else int(found)


def expire(db: sqlite3.Connection, left_by: float) -> list[str]:
    """Stop listing places left at ``left_by`` or before; return their groups."""
    where = "live = 0 AND expired = 0 AND removed_at IS NOT NULL AND removed_at <= ?"
    found = [g for (g,) in db.execute(f"SELECT DISTINCT grp FROM members WHERE {where}",
                                      (left_by,))]
    db.execute(f"UPDATE members SET expired = 1 WHERE {where}", (left_by,))
    return found


# The news window ----------------------------------------------------------------------------
# Google News takes stories published in the last two days. The window's start is kept in the
# catalogue (moved by the publisher as stories age out of it: ``Ledger.expire``), so every
# worker and the static build list the same stories from the catalogue alone, with no clock.

NEWS_SECONDS = 2 * 86400
NEWS_SINCE = "news_since"  # meta: stories dated after this second are in the window
SITE_KEY = "site:"


def news_since(db: sqlite3.Connection) -> float | None:
    """Return the start of the news window (None until the publisher first sets it)."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (NEWS_SINCE,)).fetchone()
    return None if row is None else float(row[0])


def next_news_expiry(db: sqlite3.Connection) -> float | None:
    """Return when the oldest story in the news window leaves it (None: the window is empty;
    0 when no window is set yet: at once)."""
    since = news_since(db)
    if since is None:
        return 0.0
    found = db.execute("SELECT min(date) FROM members WHERE grp = ? AND live = 1 AND date > ?",
                       (SITE_KEY, since)).fetchone()[0]
    return None if found is None else float(found) + NEWS_SECONDS


def move_news_window(db: sqlite3.Connection, now: float) -> bool:
    """Start the news window two days before ``now``; tell whether that changed what it holds
    (a story left it; or, the first time, one is in it): only then has the news sitemap
    changed, and a catalogue an earlier feeds wrote keeps its version when none is recent."""
    since, start = news_since(db), now - NEWS_SECONDS
    sql = "SELECT 1 FROM members WHERE grp = ? AND live = 1 AND date > ?"
    found = (db.execute(sql + " LIMIT 1", (SITE_KEY, start)) if since is None else
             db.execute(sql + " AND date <= ? LIMIT 1", (SITE_KEY, since, start)))
    changed = found.fetchone() is not None
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (NEWS_SINCE, start))
    return changed


# Moved sections -----------------------------------------------------------------------------

def forget_move(db: sqlite3.Connection, key: str) -> bool:
    """Forget that a section moved (it has stories again); tell whether it had."""
    return db.execute("DELETE FROM moved WHERE grp = ?", (key,)).rowcount > 0


def moved_here(db: sqlite3.Connection, key: str) -> list[str]:
    """Return the sections that moved to the section ``key``."""
    return [old for (old,) in db.execute("SELECT grp FROM moved WHERE moved_to = ?", (key,))]


def record_moves(db: sqlite3.Connection, moves: dict[str, str], key: str, at: int) -> None:
    """Record where sections go now (``moves``): ``key`` moved at ``at``, the others keep
    when they moved."""
    for group, to in moves.items():
        if group == key:
            db.execute("INSERT OR REPLACE INTO moved VALUES (?, ?, ?)", (group, to, at))
        else:
            db.execute("UPDATE moved SET moved_to = ? WHERE grp = ?", (to, group))


def add_moves(db: sqlite3.Connection, rows: Iterable[tuple[str, str, int]]) -> None:
    db.executemany("INSERT INTO moved VALUES (?, ?, ?)", rows)


def named(db: sqlite3.Connection) -> list[str]:
    """Return the key of every group but the site's."""
    return [key for (key,) in db.execute("SELECT grp FROM groups WHERE grp != 'site:'")]
