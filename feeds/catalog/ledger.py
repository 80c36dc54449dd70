"""Apply what was read from the files to the catalogue, as one transaction, and say what changed.

Decisions, in order, each a function of the catalogue and the batch only:

1. **Who holds an id** (RFC 4287 4.2.6: one story per id): the file that holds it
   in the ledger keeps it while it claims it; otherwise the earliest claimant by
   (date, file). Drafts claim nothing.
2. **Who holds a permalink** among id holders: the story live there keeps it;
   otherwise the earliest.
3. **What is live**: a holder of both whose date has come. A story first goes
   live with the next publication number (stories that arrive in one batch, in
   date order); in each of its groups it takes the next place, and a place once
   taken is never reused or moved, so a full archive page never changes because
   of later stories. A story that stops being live (deleted, drafted, refused,
   moved to a future date) keeps its places as tombstones, and its page answers
   410; if it comes back, it comes back to its places.
4. **What changed**: every key (``story:<id>``, ``path:<p>``, ``group:<g>``,
   ``page:<g>:<n>``, ``name:<g>``, ``sections``, ``groups``, ``media:<f>``)
   whose meaning moved, stamped with this commit's version and second.

A fresh catalogue given the same ledger and one that followed every change
arrive at the same state: both are these functions. The cost of a batch grows
with the files in it, not with the site: every read is by index.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..site.config import Settings
from ..site.story import compact_json
from .groups import SITE
from .history import Event, HistoryLog, published_events
from .parsing import Parsed
from .replay import Restored, replay
from .restore import GROUP_COUNTS, Claim, restore, restore_rest
from .store import meta, now_stamp, set_meta, transaction

log = logging.getLogger(__name__)

CHUNK = 900  # SQLite variables in one IN (...) list
TOMBSTONE_DAYS = 30


def _chunks(items: Iterable[str]) -> Iterator[list[str]]:
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


@dataclass(slots=True)
class FileRow:
    """A story file as the catalogue knows it: its last good parse's claims and digest."""

    source: str
    id: str | None
    path: str | None
    date: float
    draft: bool
    digest: str | None
    groups: list[list[str]]
    media: list[str]
    aliases: list[str]

    @property
    def claims(self) -> bool:
        return self.digest is not None and not self.draft

    @property
    def rank(self) -> tuple[float, str]:
        return (self.date, self.source)


_FILE_COLUMNS = "source, id, path, date, draft, digest, groups, media, aliases"


def _file_row(row: tuple[object, ...]) -> FileRow:
    source, story_id, path, date, draft, digest, groups, media, aliases = row
    return FileRow(str(source), story_id, path,  # type: ignore[arg-type]
                   float(date or 0.0), bool(draft), digest,  # type: ignore[arg-type]
                   json.loads(groups or "[]"), json.loads(media or "[]"),  # type: ignore[arg-type]
                   json.loads(aliases or "[]"))  # type: ignore[arg-type]


@dataclass(slots=True)
class LedgerRow:
    """A story in the ledger: its file and path now, and the groups it is in."""

    id: str
    source: str | None
    path: str | None
    live: bool
    groups: list[str]
    digest: str | None = None  # of the live version, to tell an edit from a save
    date: float = 0.0


@dataclass(slots=True)
class GroupRow:
    """A group's counts as the batch changes them."""

    key: str
    name: str
    live: int
    slots: int


@dataclass(slots=True)
class Batch:
    """What one apply read, decided and will write; ``keys`` is what it changed."""

    now: float
    stamp: int
    files: dict[str, FileRow] = field(default_factory=dict)  # every file decided on
    before: dict[str, tuple[str | None, float]] = field(default_factory=dict)  # digest, date
    ledger: dict[str, LedgerRow | None] = field(default_factory=dict)
    groups: dict[str, GroupRow] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)  # source -> why
    spellings: set[tuple[str, str]] = field(default_factory=set)  # (group, id) to check
    fresh: list[tuple[str, str, str]] = field(default_factory=list)  # (group, source, name)
    keys: set[str] = field(default_factory=set)
    left: dict[str, list[str]] = field(default_factory=dict)  # group -> ids that left it
    new_members: list[tuple[object, ...]] = field(default_factory=list)
    new_stories: list[tuple[object, ...]] = field(default_factory=list)
    new_paths: list[tuple[str, str, int]] = field(default_factory=list)
    problems: list[tuple[object, ...]] = field(default_factory=list)  # parse and media
    next_seq: int = 0
    claims: list[Claim] = field(default_factory=list)  # a first build's claimants
    events: list[Event] = field(default_factory=list)  # for the history, in order


class Ledger:
    """The catalogue's one writer (owned by the publisher)."""

    def __init__(self, db: sqlite3.Connection, settings: Settings,
                 history: HistoryLog | None = None):
        self.db = db
        self.settings = settings
        self.history = history  # where each decision is written down (None: nowhere)
        self.touched: set[str] = set()  # after a build from a history: the ids to decide again
        self.pending: Restored | None = None  # ... and the history, until complete places it

    def apply(self, parsed: Iterable[Parsed], now: float, ids: Iterable[str] = ()) -> set[str]:
        """Write the parsed files and decide again every id and path they touch.

        ``ids`` are decided again too (a scheduled story coming due). One
        transaction; returns the keys that changed.
        """
        db = self.db
        with self._recorded(), transaction(db):
            batch = Batch(now, self._next_stamp())
            batch.next_seq = int(meta(db, "next_seq", 1))  # type: ignore[call-overload]
            touched_ids, touched_paths = set(ids), set[str]()
            sources = self._write_files(batch, parsed, touched_ids, touched_paths)
            decided = self._decide(batch, touched_ids, touched_paths)
            self._reconcile(batch, decided)
            self._flush(batch)
            renamed = self._settle_groups(batch)
            self._problems(batch, sources, renamed)
            self._stamp(batch)
            self._record(batch.events, int(batch.now))
        return batch.keys

    @contextlib.contextmanager
    def _recorded(self) -> Iterator[None]:
        """Keep the history lines a transaction appended only if it commits."""
        try:
            yield
        except BaseException:
            if self.history is not None:
                self.history.undo()
            raise
        if self.history is not None:
            self.history.committed()

    def _record(self, events: list[Event], at: int) -> None:
        if self.history is not None:
            self.history.record(self.db, events, at)

    def build(self, parsed: Iterable[Parsed], now: float,
              restored: Callable[[], Restored] | None = None) -> None:
        """Make a new catalogue's first version from every file of the site, in set operations.

        The same rules as ``apply`` (see the module), for the case where the ledger
        is empty: the earliest claimant by (date, file) holds an id, then a
        permalink; stories are numbered in that order, and each takes the next
        place in its groups in that order. SQLite does in C what the incremental
        path does story by story. This first part publishes the stories and the
        site's own feeds and pages; ``complete`` adds the other groups.

        With a history (``restored`` gives it once the files are in: it is read meanwhile)
        the ledger starts as the history left it (``feeds.catalog.restore``): ``touched``
        is then what ``apply`` must decide again, and ``publish_new`` publishes the
        stories the history does not know.
        """
        db = self.db
        with transaction(db, "BEGIN"):
            batch = Batch(now, self._next_stamp())
            self._write_files(batch, parsed, set(), set(), first=True)
            history = restored() if restored is not None else None
            if history is not None:  # the new catalogue's seconds start after the history's
                batch.stamp = max(batch.stamp, history.newest + 1)
            set_meta(db, "born", batch.stamp)
            set_meta(db, "version", 1)
            set_meta(db, "stamp", batch.stamp)
            set_meta(db, "complete", 0)
            db.executemany("INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?)", batch.problems)
            if history is not None:
                self.touched = restore(db, history, batch.claims, now)
                self.pending = history
            else:
                self._first_decisions(batch, {}, 1)

    def publish_new(self, now: float) -> None:
        """Publish the files whose ids the ledger does not know, after every story it does, in
        (date, file) order: a first build's rules, after a ledger restored from a history."""
        db = self.db
        with transaction(db):
            batch = Batch(now, self._next_stamp())
            batch.claims = db.execute(
                "SELECT date, source, id, path, keys, groups, aliases FROM files "
                "WHERE digest IS NOT NULL AND draft = 0 "
                "AND id NOT IN (SELECT id FROM stories)").fetchall()
            winners = dict(db.execute("SELECT path, source FROM stories WHERE live = 1"))
            self._first_decisions(batch, winners, int(meta(db, "next_seq", 1)))  # type: ignore[call-overload]

    def _first_decisions(self, batch: Batch, winners: dict[str, str], first: int) -> None:
        """Decide a first build's ids, permalinks and publication order (the rules of
        ``_decide`` with an empty ledger), in memory, numbering from ``first``; ``winners``
        are the paths live stories already hold.

        One pass in (date, file) order: a claim holds its id if no earlier one does,
        and its permalink if no earlier holder does."""
        holders: dict[str, str] = {}  # id -> source
        refused, live = [], []
        for date, source, story_id, path, keys, *_ in sorted(batch.claims):
            holder = holders.setdefault(story_id, source)
            if holder != source:
                refused.append((source, f"its id is already used by {holder}: give this "
                                        "story its own id (feeds new writes one)."))
                continue
            winner = winners.setdefault(path, source)
            if winner != source:
                refused.append((source, f"{winner} already publishes /{path}/: rename one "
                                        "of the two files."))
            elif date <= batch.now:
                live.append((date, source, story_id, path, keys))
        db = self.db
        db.executemany("UPDATE files SET state = 'refused' WHERE source = ?",
                       [(source,) for source, _ in refused])
        db.executemany("INSERT INTO problems VALUES (?, NULL, ?, 'claim', NULL, 0)", refused)
        db.executemany("INSERT INTO stories VALUES (?, ?, ?, ?, 1, NULL, ?)", sorted(
            (story_id, seq, source, path, keys)
            for seq, (_, source, story_id, path, keys) in enumerate(live, start=first)))
        site = db.execute("SELECT live, slots FROM groups WHERE grp = 'site:'").fetchone()
        taken, slots = site if site is not None else (0, 0)
        db.executemany("INSERT INTO members (grp, pos, id, live, date, name) "
                       "VALUES ('site:', ?, ?, 1, ?, '')",
                       [(pos, c[2], c[0]) for pos, c in enumerate(live, start=slots)])
        if live:
            db.execute("INSERT OR REPLACE INTO groups VALUES ('site:', 'site', '', '', ?, ?)",
                       (taken + len(live), slots + len(live)))
        set_meta(db, "next_seq", first + len(live))
        set_meta(db, "build_from", first)  # what complete places in the other groups

    def complete(self, now: float) -> set[str]:
        """Add what a first build left for later: every section, tag and author group, the
        paths, media and problems (a second version; workers answer 503 for a group
        until then, never 404), and write the build's publications down in the history
        (after a history: its other groups' places and its lines first)."""
        db = self.db
        with self._recorded(), transaction(db):
            if meta(db, "restore_pending", 0):
                restored = self.pending
                if restored is None and self.history is not None:  # (after a crash)
                    restored = replay(self.history.lines())
                restore_rest(db, restored or Restored())
                self.pending = None
            first = int(meta(db, "build_from", 1))  # type: ignore[call-overload]
            after = first > 1  # after the places a history gave: the new ones come next
            self._script(_COMPLETE_BUILD.format(
                offset="+ coalesce(g.slots, 0)" if after else "",
                join="LEFT JOIN groups g ON g.grp = x.grp" if after else ""),
                {"now": now, "first": first})
            db.execute(GROUP_COUNTS.format(where="WHERE grp != 'site:'" + (
                "" if first == 1 else " AND grp IN (SELECT grp FROM members m JOIN stories s "
                "ON s.id = m.id WHERE s.seq >= :first)")), {"first": first})
            db.execute("DELETE FROM problems WHERE kind IN ('clash', 'shadow')")
            db.executemany("INSERT INTO problems VALUES (?, NULL, ?, 'clash', ?, 0)", [
                (source, _clash(key.partition(":")[0]), key) for key, source, spelled, name
                in db.execute(_SPELLED_APART) if spelled.casefold() != name.casefold()])
            db.executemany("INSERT INTO problems VALUES (?, NULL, ?, 'shadow', ?, 0)", [
                (source, _shadow(name), f"section:{name}") for source, name in db.execute(
                    "SELECT s.source, s.path FROM stories s JOIN groups g "
                    "ON g.grp = 'section:' || s.path AND g.live > 0 WHERE s.live = 1")])
            _log(db.execute("SELECT source, line, message FROM problems").fetchall())
            # What changed: the groups that now exist, by name and members, and the lists of
            # them (documents of the site alone, such as its archive pages, keep their date).
            keys = {"sections", "groups"} | {
                f"{part}:{grp}" for (grp,) in db.execute("SELECT grp FROM groups WHERE grp != "
                                                         "'site:'") for part in ("name", "group")}
            keys |= {f"path:{p}" for (p,) in db.execute("SELECT path FROM paths WHERE alias")}
            batch = Batch(now, self._next_stamp(), keys=keys)
            set_meta(db, "complete", 1)
            self._stamp(batch)
            for events in published_events(db, first, int(now)):
                self._record(events, int(now))
        return batch.keys

    def _script(self, script: str, values: dict[str, object]) -> None:
        for statement in script.split(";\n"):  # (executescript would commit first)
            if statement.strip():
                self.db.execute(statement, {k: v for k, v in values.items() if f":{k}" in
                                            statement})

    def _next_stamp(self) -> int:
        last = int(meta(self.db, "stamp", 0))  # type: ignore[call-overload]
        return max(now_stamp(), last + 1)

    # 1. Files ------------------------------------------------------------------------------

    def _load(self, column: str, values: Iterable[str]) -> list[FileRow]:
        found = []
        for chunk in _chunks(values):
            marks = ",".join("?" * len(chunk))
            found += [_file_row(r) for r in self.db.execute(
                f"SELECT {_FILE_COLUMNS} FROM files WHERE {column} IN ({marks})", chunk)]
        return found

    def _write_files(self, batch: Batch, parsed: Iterable[Parsed], ids: set[str],
                     paths: set[str], first: bool = False) -> set[str]:
        """Write the files as their results arrive (the parse pool is still at work).

        ``first``: a first build, where there is nothing to look up and the decisions
        are made in SQL afterwards, so no row is kept in memory.
        """
        sources: set[str] = set()
        chunk: list[Parsed] = []
        for item in parsed:
            chunk.append(item)
            if len(chunk) >= 512:
                self._write_chunk(batch, chunk, ids, paths, first)
                sources.update(p.source for p in chunk)
                chunk = []
        self._write_chunk(batch, chunk, ids, paths, first)
        sources.update(p.source for p in chunk)
        ids.discard("")
        paths.discard("")
        return sources

    def _write_chunk(self, batch: Batch, parsed: list[Parsed], ids: set[str],
                     paths: set[str], first: bool = False) -> None:
        previous = {} if first else {
            row.source: row for row in self._load("source", [p.source for p in parsed])}
        gone, broken, good, texts = [], [], [], []
        for item in parsed:
            old = previous.get(item.source)
            if old is not None:
                batch.before[item.source] = (old.digest, old.date)
            if item.problem:
                batch.problems.append((item.source, item.line, item.problem, "parse", None, 0))
            if item.missing:
                batch.problems.append((item.source, None, "a media file it names is not under "
                                       "content/: add it there, or fix the path.", "media",
                                       None, 0))
            if old is not None and old.claims:
                ids.add(old.id or "")
                paths.add(old.path or "")
            if first and item.story is not None and not item.draft:
                batch.claims.append((item.date, item.source, item.id, item.path, item.encoded[4],
                                     item.encoded[0], item.encoded[3]))
            if item.signature is None:
                gone.append((item.source,))
            elif item.story is None:  # broken now: the last good parse, if any, stays
                mtime = -1 if item.transient else item.signature[0]  # -1: read again next scan
                broken.append((item.source, mtime, *item.signature[1:], item.problem, item.line))
            else:
                ids.add(item.id)
                paths.add(item.path)
                if not first:
                    batch.files[item.source] = FileRow(
                        item.source, item.id, item.path, item.date, item.draft, item.digest,
                        [list(g) for g in item.groups], list(item.media), list(item.aliases))
                state = ("draft" if item.draft else "scheduled" if item.date > batch.now
                         else "live")  # (refusals and the ledger's own rules come after)
                good.append((item.source, *item.signature, item.id, item.path, item.date,
                             int(item.draft), int(item.own_id), item.digest, *item.encoded,
                             state))
                texts.append((item.source, item.story))
        db = self.db
        db.executemany("DELETE FROM files WHERE source = ?", gone)
        db.executemany("DELETE FROM texts WHERE source = ?", gone)
        db.executemany(
            "INSERT INTO files (source, mtime_ns, size, ino, problem, line, state) "
            "VALUES (?, ?, ?, ?, ?, ?, 'broken') ON CONFLICT (source) DO UPDATE SET "
            "mtime_ns = excluded.mtime_ns, size = excluded.size, ino = excluded.ino, "
            "problem = excluded.problem, line = excluded.line", broken)
        db.executemany(
            "INSERT OR REPLACE INTO files (source, mtime_ns, size, ino, id, path, date, draft, "
            "own_id, digest, groups, media, missing, aliases, keys, state) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", good)
        db.executemany("INSERT OR REPLACE INTO texts VALUES (?, ?)", texts)

    # 2. Decisions --------------------------------------------------------------------------

    def _decide(self, batch: Batch, ids: set[str], paths: set[str]) -> dict[str, FileRow | None]:
        """Return, for every id concerned, the file that should publish it (None: nobody)."""
        for row in self._others(batch, "path", paths):  # the other claimants of a touched path
            if row.claims:
                ids.add(row.id or "")
        self._others(batch, "id", ids)
        claimants: dict[str, list[FileRow]] = {}
        for row in batch.files.values():
            if row.claims and row.id in ids:
                claimants.setdefault(row.id or "", []).append(row)
        self._load_ledger(batch, ids)
        holders: dict[str, FileRow] = {}
        for story_id in ids:
            rows = claimants.get(story_id)
            if rows:
                entry = batch.ledger.get(story_id)
                kept = [r for r in rows if entry is not None and r.source == entry.source]
                holders[story_id] = kept[0] if kept else min(rows, key=lambda r: r.rank)
        by_path: dict[str, list[FileRow]] = {}
        for row in holders.values():
            by_path.setdefault(row.path or "", []).append(row)
        live_at = self._live_at(list(by_path))
        decided: dict[str, FileRow | None] = dict.fromkeys(ids)
        for path, rows in by_path.items():
            kept = [r for r in rows if r.id == live_at.get(path)]
            winner = kept[0] if kept else min(rows, key=lambda r: r.rank)
            decided[winner.id or ""] = winner
            for row in rows:
                if row is not winner:
                    batch.refusals[row.source] = (
                        f"{winner.source} already publishes /{path}/: rename one of the two "
                        "files.")
        for story_id, rows in claimants.items():
            holder = holders.get(story_id)
            for row in rows:
                if holder is not None and row is not holder:
                    batch.refusals[row.source] = (
                        f"its id is already used by {holder.source}: give this story its own "
                        "id (feeds new writes one).")
        self._states(batch, decided)
        return decided

    def _others(self, batch: Batch, column: str, values: Iterable[str]) -> list[FileRow]:
        """Load the files whose ``column`` is one of ``values`` that the batch does not hold
        yet (on a first build: none, so only indexes are read)."""
        unknown = []
        for chunk in _chunks(values):
            marks = ",".join("?" * len(chunk))
            unknown += [s for (s,) in self.db.execute(
                f"SELECT source FROM files WHERE {column} IN ({marks})", chunk)
                if s not in batch.files]
        rows = self._load("source", unknown)
        for row in rows:
            batch.files[row.source] = row
        return rows

    def _load_ledger(self, batch: Batch, ids: Iterable[str]) -> None:
        wanted = [i for i in ids if i not in batch.ledger]
        batch.ledger.update(dict.fromkeys(wanted))
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            for story_id, source, path, live, groups, digest, date in self.db.execute(
                    "SELECT s.id, s.source, s.path, s.live, s.groups, f.digest, f.date "
                    "FROM stories s LEFT JOIN files f ON f.source = s.source AND s.live = 1 "
                    f"WHERE s.id IN ({marks})", chunk):
                batch.ledger[story_id] = LedgerRow(story_id, source, path, bool(live),
                                                   json.loads(groups), digest, date or 0.0)

    def _live_at(self, paths: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(paths):
            marks = ",".join("?" * len(chunk))
            found.update(self.db.execute(
                f"SELECT path, id FROM stories WHERE live = 1 AND path IN ({marks})", chunk))
        return found

    def _states(self, batch: Batch, decided: dict[str, FileRow | None]) -> None:
        """Record each file's standing: live, scheduled, draft or refused."""
        updates = []
        for row in batch.files.values():
            if row.digest is None:
                state = "broken"
            elif row.draft:
                state = "draft"
            elif decided.get(row.id or "") is row:
                state = "scheduled" if row.date > batch.now else "live"
            else:
                state = "refused"
            updates.append((state, row.source))
        self.db.executemany("UPDATE files SET state = ? WHERE source = ?", updates)

    # 3. The ledger and the groups ----------------------------------------------------------

    def _reconcile(self, batch: Batch, decided: dict[str, FileRow | None]) -> None:
        publishing = sorted(
            ((story_id, row) for story_id, row in decided.items()
             if row is not None and row.date <= batch.now),
            key=lambda pair: pair[1].rank)
        live = {story_id for story_id, _ in publishing}
        for story_id, entry in batch.ledger.items():
            if entry is not None and entry.live and story_id not in live:
                self._unpublish(batch, entry)
        for story_id, row in publishing:
            self._publish(batch, story_id, row)

    def _group(self, batch: Batch, key: str, name: str) -> GroupRow:
        group = batch.groups.get(key)
        if group is None:
            found = self.db.execute("SELECT name, live, slots FROM groups WHERE grp = ?",
                                    (key,)).fetchone()
            group = GroupRow(key, name, 0, 0) if found is None else GroupRow(key, *found)
            batch.groups[key] = group
        return group

    def _publish(self, batch: Batch, story_id: str, row: FileRow) -> None:
        entry = batch.ledger.get(story_id)
        keys = batch.keys
        groups = [g for g, _ in row.groups]
        if entry is None:  # a story's first publication
            places: dict[str, int] = {}
            batch.events.append({"event": "published", "id": story_id, "seq": batch.next_seq,
                                 "file": row.source, "path": row.path, "places": places})
            batch.new_stories.append((story_id, batch.next_seq, row.source, row.path,
                                      compact_json(groups)))
            batch.next_seq += 1
            keys.update((f"story:{story_id}", f"path:{row.path}"))
            self._media(batch, story_id, row.media, fresh=True)
            for key, name in row.groups:
                group = self._group(batch, key, name)
                batch.new_members.append((key, group.slots, story_id, row.date, name))
                places[key] = group.slots
                self._touch(batch, key, group.slots)
                group.slots += 1
                group.live += 1
                batch.fresh.append((key, row.source, name))
        else:
            digest, date = batch.before.get(entry.source or "", (entry.digest, entry.date))
            edited = not entry.live or digest != row.digest or entry.source != row.source
            if edited:
                keys.update((f"story:{story_id}", f"path:{row.path}"))
            if entry.live and entry.path != row.path:
                keys.add(f"path:{entry.path}")
            if not entry.live or entry.path != row.path or entry.source != row.source:
                batch.events.append({"event": "moved" if entry.live else "returned",
                                     "id": story_id, "file": row.source, "path": row.path})
            self.db.execute("UPDATE stories SET source = ?, path = ?, live = 1, removed_at = NULL, "
                            "groups = ? WHERE id = ?",
                            (row.source, row.path, compact_json(groups), story_id))
            self._media(batch, story_id, row.media)
            moved = not entry.live or date != row.date
            for key, name in row.groups:
                self._join(batch, key, story_id, name, row.date, moved)
            for key in set(entry.groups if entry.live else []) - set(groups):
                self._leave(batch, key, story_id)
        batch.new_paths.append((row.path or "", story_id, 0))
        for alias in row.aliases:
            batch.new_paths.append((alias, story_id, 1))
            keys.add(f"path:{alias}")

    def _unpublish(self, batch: Batch, entry: LedgerRow) -> None:
        still = entry.source is not None and self.db.execute(
            "SELECT 1 FROM files WHERE source = ?", (entry.source,)).fetchone() is not None
        self.db.execute("UPDATE stories SET live = 0, removed_at = ?, source = ? WHERE id = ?",
                        (int(batch.now), entry.source if still else None, entry.id))
        batch.events.append({"event": "removed", "id": entry.id,
                             "file": entry.source if still else None})
        batch.keys.update((f"story:{entry.id}", f"path:{entry.path}"))
        self.db.execute("DELETE FROM problems WHERE kind = 'clash' AND source = ?",
                        (entry.source,))
        for key in entry.groups:
            self._leave(batch, key, entry.id)
        self._media(batch, entry.id, [])

    def _join(self, batch: Batch, key: str, story_id: str, name: str, date: float,
              moved: bool) -> None:
        group = self._group(batch, key, name)
        member = self.db.execute("SELECT pos, live, name FROM members WHERE grp = ? AND id = ?",
                                 (key, story_id)).fetchone()
        if member is None:
            batch.new_members.append((key, group.slots, story_id, date, name))
            pos = group.slots
            group.slots += 1
            group.live += 1
            batch.events.append({"event": "joined", "id": story_id, "group": key, "place": pos})
        else:
            pos, live, spelled = member
            if live and not moved and spelled == name:
                return
            group.live += 0 if live else 1
            if not live:
                batch.events.append({"event": "joined", "id": story_id, "group": key,
                                     "place": pos})
            self.db.execute("UPDATE members SET live = 1, date = ?, name = ?, removed_at = NULL, "
                            "removed_pos = NULL, expired = 0 WHERE grp = ? AND id = ?",
                            (date, name, key, story_id))
        batch.spellings.add((key, story_id))
        self._touch(batch, key, pos)

    def _leave(self, batch: Batch, key: str, story_id: str) -> None:
        member = self.db.execute("SELECT pos, live FROM members WHERE grp = ? AND id = ?",
                                 (key, story_id)).fetchone()
        if member is None or not member[1]:
            return
        group = self._group(batch, key, "")
        group.live -= 1
        self.db.execute("UPDATE members SET live = 0, removed_at = ?, removed_pos = ? "
                        "WHERE grp = ? AND id = ?", (int(batch.now), group.slots, key, story_id))
        batch.left.setdefault(key, []).append(story_id)
        batch.events.append({"event": "left", "id": story_id, "group": key, "place": member[0],
                             "taken": group.slots})
        batch.spellings.add((key, story_id))
        self._touch(batch, key, member[0])

    def _touch(self, batch: Batch, key: str, pos: int) -> None:
        batch.keys.update((f"group:{key}", f"page:{key}:{pos // self.settings.feed_size + 1}"))

    def _media(self, batch: Batch, story_id: str, files: list[str], fresh: bool = False) -> None:
        old = set() if fresh else {f for (f,) in self.db.execute(
            "SELECT file FROM media WHERE id = ?", (story_id,))}
        new = set(files)
        if old == new:
            return
        self.db.execute("DELETE FROM media WHERE id = ?", (story_id,))
        self.db.executemany("INSERT INTO media VALUES (?, ?)", [(f, story_id) for f in new])
        batch.keys.update(f"media:{f}" for f in old ^ new)

    def _flush(self, batch: Batch) -> None:
        self.db.executemany("INSERT INTO stories VALUES (?, ?, ?, ?, 1, NULL, ?)",
                            batch.new_stories)
        batch.new_members.sort(key=lambda m: (m[0], m[1]))  # in key order: appended, not spread
        self.db.executemany("INSERT INTO members (grp, pos, id, live, date, name) "
                            "VALUES (?, ?, ?, 1, ?, ?)", batch.new_members)
        self._path_events(batch)
        self.db.executemany("INSERT OR REPLACE INTO paths VALUES (?, ?, ?)", batch.new_paths)
        set_meta(self.db, "next_seq", batch.next_seq)

    def _path_events(self, batch: Batch) -> None:
        """Write down the paths the batch points somewhere new: those its published, moved
        and returned stories do not already say (an alias, a permalink claimed back)."""
        now: dict[str, tuple[str, int]] = {}
        for chunk in _chunks({p for p, _, _ in batch.new_paths}):
            now.update((p, (i, a)) for p, i, a in self.db.execute(
                f"SELECT path, id, alias FROM paths WHERE path IN ({','.join('?' * len(chunk))})",
                chunk))
        for event in batch.events:
            if event["event"] in ("published", "moved", "returned"):
                now[event["path"]] = (event["id"], 0)
        for path, story_id, alias in batch.new_paths:
            if now.get(path) != (story_id, int(alias)):
                now[path] = (story_id, int(alias))
                batch.events.append({"event": "address", "path": path, "id": story_id,
                                     "alias": bool(alias)})

    def _settle_groups(self, batch: Batch) -> set[str]:
        """Write each changed group's counts and name (the spelling of its first live member);
        return the groups whose name changed."""
        renamed = set()
        for key, group in batch.groups.items():
            first = self.db.execute("SELECT name FROM members WHERE grp = ? AND live = 1 "
                                    "ORDER BY pos LIMIT 1", (key,)).fetchone()
            name = first[0] if first else group.name
            kind, _, slug = key.partition(":")
            before = self.db.execute("SELECT name, live FROM groups WHERE grp = ?",
                                     (key,)).fetchone()
            self.db.execute("INSERT OR REPLACE INTO groups VALUES (?, ?, ?, ?, ?, ?)",
                            (key, kind, slug, name, group.live, group.slots))
            if before is None or before[0] != name or bool(before[1]) != bool(group.live):
                batch.keys.update((f"name:{key}", "groups"))
                if kind == "section":
                    batch.keys.add("sections")
                    self._moved(batch, key, bool(before and before[1]), group.live > 0)
                if before is not None and before[0] != name:
                    renamed.add(key)
        return renamed

    def _moved(self, batch: Batch, key: str, had: bool, has: bool) -> None:
        """Record where a section's stories went when its last ones left in this batch for
        another section (its folder renamed, or moved bit by bit until this last part): its
        page, feeds and archive pages answer 301 there. A section with stories again is
        itself again; one that only lost its stories (deleted, drafted) moved nowhere."""
        if has:
            if self.db.execute("DELETE FROM moved WHERE grp = ?", (key,)).rowcount:
                batch.keys.add(f"group:{key}")
                batch.events.append({"event": "section", "group": key, "to": None})
            return
        if not had:
            return
        counts: dict[str, int] = {}
        for (groups,) in self.db.execute(
                f"SELECT groups FROM stories WHERE live = 1 AND id IN "
                f"({','.join('?' * len(batch.left.get(key, [])))})", batch.left.get(key, [])):
            for other in json.loads(groups):
                if other.startswith("section:") and other != key:
                    counts[other] = counts.get(other, 0) + 1
        if not counts:
            return
        target = min(counts, key=lambda g: (-counts[g], g))
        self.db.execute("INSERT OR REPLACE INTO moved VALUES (?, ?, ?)",
                        (key, target, int(batch.now)))
        batch.events.append({"event": "section", "group": key, "to": target})
        batch.keys.update(f"group:{old}" for (old,) in self.db.execute(
            "SELECT grp FROM moved WHERE moved_to = ?", (key,)))
        self.db.execute("UPDATE moved SET moved_to = ? WHERE moved_to = ?", (target, key))
        batch.keys.add(f"group:{key}")

    # 4. Problems ---------------------------------------------------------------------------

    def _problems(self, batch: Batch, parsed: set[str], renamed: set[str]) -> None:
        """Replace the parse and media problems of the files read, and the claim problems of
        every file decided on."""
        db = self.db
        for kinds, sources in (("'parse', 'media', 'claim'", parsed),
                               ("'claim'", set(batch.files) - parsed)):
            for chunk in _chunks(sorted(sources)):
                marks = ",".join("?" * len(chunk))
                db.execute(f"DELETE FROM problems WHERE kind IN ({kinds}) "
                           f"AND source IN ({marks})", chunk)
        rows = batch.problems + [(source, None, message, "claim", None, 0)
                                 for source, message in batch.refusals.items()]
        db.executemany("INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?)", rows)
        _log(rows)
        self._clashes(batch, renamed)
        self._shadows(batch)

    def _shadows(self, batch: Batch) -> None:
        """Report a story whose page is a section's page (``content/world.md`` beside
        ``content/world/``): the section's listing wins, so the story cannot be reached."""
        names = {key.partition(":")[2] for key in batch.groups if key.startswith("section:")}
        names |= {key.partition(":")[2] for key in batch.keys
                  if key.startswith("path:") and "/" not in key}
        for name in names:
            key = f"section:{name}"
            self.db.execute("DELETE FROM problems WHERE kind = 'shadow' AND grp = ?", (key,))
            rows = self.db.execute(
                "SELECT s.source FROM stories s JOIN groups g ON g.grp = ? AND g.live > 0 "
                "WHERE s.path = ? AND s.live = 1", (key, name)).fetchall()
            found = [(source, None, _shadow(name), "shadow", key, 0) for (source,) in rows]
            self.db.executemany("INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?)", found)
            _log(found)

    def _clashes(self, batch: Batch, renamed: set[str]) -> None:
        """Report a story that spells a group unlike its first story (C++ and C slug alike):
        the two spellings share one page and feed. Checked only for members that changed,
        and for every member of a group whose name changed, so a change costs the same in a
        group of ten stories or of ten thousand."""
        names: dict[str, str] = {}

        def name_of(key: str) -> str:
            if key not in names:
                found = self.db.execute("SELECT name FROM groups WHERE grp = ?", (key,)).fetchone()
                names[key] = found[0] if found else ""
            return names[key]

        kinds = {key: key.partition(":")[0] for key, _, _ in batch.fresh}
        rows = [(source, None, _clash(kinds[key]), "clash", key, 0)
                for key, source, spelled in batch.fresh  # no problem to replace: a new story
                if key != SITE.key and key not in renamed
                and spelled.casefold() != name_of(key).casefold()]
        pairs = {p for p in batch.spellings if p[0] != SITE.key and p[0] not in renamed}
        for key in renamed:
            self.db.execute("DELETE FROM problems WHERE kind = 'clash' AND grp = ?", (key,))
            pairs |= {(key, i) for (i,) in self.db.execute(
                "SELECT id FROM members WHERE grp = ? AND live = 1", (key,))}
        for key, story_id in sorted(pairs):
            found = self.db.execute(
                "SELECT s.source, m.live, m.name, g.name FROM members m "
                "JOIN stories s ON s.id = m.id JOIN groups g ON g.grp = m.grp "
                "WHERE m.grp = ? AND m.id = ?", (key, story_id)).fetchone()
            if found is None:
                continue
            source, live, spelled, name = found
            self.db.execute("DELETE FROM problems WHERE kind = 'clash' AND grp = ? AND source = ?",
                            (key, source))
            if live and source and spelled.casefold() != name.casefold():
                rows.append((source, None, _clash(key.partition(":")[0]), "clash", key, 0))
        self.db.executemany("INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?)", rows)

    # 5. Stamps -----------------------------------------------------------------------------

    def _stamp(self, batch: Batch) -> None:
        version = int(meta(self.db, "version", 0)) + 1  # type: ignore[call-overload]
        if not batch.keys and version > 1:
            return
        if version == 1:
            set_meta(self.db, "born", batch.stamp)  # every key starts here
        else:
            self.db.executemany("INSERT OR REPLACE INTO keys VALUES (?, ?, ?)",
                                [(key, version, batch.stamp) for key in batch.keys])
        set_meta(self.db, "version", version)
        set_meta(self.db, "stamp", batch.stamp)

    # Time ----------------------------------------------------------------------------------

    def due(self, now: float) -> list[str]:
        """Return the ids of scheduled stories whose time has come."""
        return [i for (i,) in self.db.execute(
            "SELECT id FROM files WHERE state = 'scheduled' AND date <= ?", (now,))]

    def next_due(self) -> float | None:
        """Return when the next scheduled story, or tombstone expiry, is due."""
        row = self.db.execute("SELECT min(date) FROM files WHERE state = 'scheduled'").fetchone()
        expiry = self.db.execute(
            "SELECT min(removed_at) FROM members WHERE live = 0 AND expired = 0 "
            "AND removed_at IS NOT NULL").fetchone()
        times = [t for t in (row[0], expiry[0] + TOMBSTONE_DAYS * 86400 if expiry[0] else None)
                 if t is not None]
        return min(times) if times else None

    def expire(self, now: float) -> set[str]:
        """Stop listing tombstones older than 30 days (their groups change); return the keys."""
        limit = now - TOMBSTONE_DAYS * 86400
        db = self.db
        with transaction(db):
            groups = [g for (g,) in db.execute(
                "SELECT DISTINCT grp FROM members WHERE live = 0 AND expired = 0 "
                "AND removed_at IS NOT NULL AND removed_at <= ?", (limit,))]
            db.execute("UPDATE members SET expired = 1 WHERE live = 0 AND expired = 0 "
                       "AND removed_at IS NOT NULL AND removed_at <= ?", (limit,))
            batch = Batch(now, self._next_stamp(), keys={f"group:{g}" for g in groups})
            self._stamp(batch)
        return batch.keys


# The stories numbered from :first (a first build's, or those a history did not know) take
# the next places in their other groups, in that order.
_COMPLETE_BUILD = """
INSERT INTO members (grp, pos, id, live, date, name)
    SELECT x.grp, row_number() OVER (PARTITION BY x.grp ORDER BY x.seq) - 1 {offset},
           x.id, 1, x.date, x.name
    FROM (SELECT j.value ->> 0 AS grp, j.value ->> 1 AS name, s.id AS id, s.seq AS seq,
                 f.date AS date
          FROM stories s JOIN files f ON f.source = s.source, json_each(f.groups) AS j
          WHERE j.value ->> 0 != 'site:' AND s.seq >= :first) x
    {join}
    ORDER BY 1, 2;
INSERT OR REPLACE INTO paths (path, id, alias) SELECT path, id, alias FROM (
    SELECT s.path AS path, s.id AS id, 0 AS alias, s.seq AS seq, -1 AS k FROM stories s
    WHERE s.seq >= :first
    UNION ALL
    SELECT j.value, s.id, 1, s.seq, j.key
    FROM stories s JOIN files f ON f.source = s.source, json_each(f.aliases) AS j
    WHERE s.seq >= :first)
    ORDER BY seq, k;
INSERT OR IGNORE INTO media (file, id) SELECT j.value, s.id
    FROM stories s JOIN files f ON f.source = s.source, json_each(f.media) AS j
    WHERE s.live = 1
"""
# Members spelled unlike their group, for the clash check (casefold is Python's, not SQL's).
_SPELLED_APART = """
SELECT m.grp, s.source, m.name, g.name FROM members m
JOIN groups g ON g.grp = m.grp JOIN stories s ON s.id = m.id
WHERE m.grp != 'site:' AND m.live = 1 AND m.name != g.name
"""


def _shadow(name: str) -> str:
    return (f"its page /{name}/ is also the {name} section's page, which is served instead: "
            "rename the file, or the section's folder.")


LOGGED = 50  # problems logged one by one at a time; the rest are counted


def _log(rows: Iterable[tuple[object, ...]]) -> None:
    """Log problems found (path:line: message), at most ``LOGGED`` of a batch one by one."""
    rows = list(rows)
    for source, line, message, *_ in rows[:LOGGED]:
        log.warning("%s:%s: %s", source, line or 1, message)
    if len(rows) > LOGGED:
        log.warning("... and %d more problems (feeds check lists them all)", len(rows) - LOGGED)


def _clash(kind: str) -> str:
    return (f"it spells a {kind} unlike the other stories in it, and the two names share one "
            "page and feed: spell them alike, or rename one.")
