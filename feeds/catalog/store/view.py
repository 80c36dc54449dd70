"""One consistent read of the catalogue that records every key it reads: how documents read it.

A ``View`` is a read transaction. A document rendered through a view knows exactly what
it depends on: workers drop it when one of those keys changes, and its Last-Modified is
the newest second among them. Both follow from the catalogue alone, so every worker, and
every restart, agrees; and a second only moves when a key the document reads has changed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ...site.config import Settings
from ...site.story import Story
from ..groups import SITE, Group
from .groups import news_since
from .meta import meta, stamp_of
from .problems import Problem, listed


@dataclass(frozen=True, slots=True)
class Member:
    """One place in a group's order: a live story, or a story that left (a tombstone)."""

    pos: int
    id: str
    story: Story | None  # None once it left
    removed_at: int | None


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A group with its counts: live members, and places ever taken."""

    group: Group
    live: int
    slots: int


@dataclass(frozen=True, slots=True)
class Listed:
    """A page of the site as a sitemap lists it: its path, and when it last changed."""

    path: str
    modified: str  # ISO 8601 with its offset, as the story's ``updated`` (or date) was read


@dataclass(frozen=True, slots=True)
class PathState:
    """What a permalink or alias path names when no live story is published there."""

    story_id: str
    moved_to: str | None  # the story's page now, or None when it is gone


class View:
    """One consistent read of the catalogue, recording every key it reads.

    Use as a context manager around the reads of one document; ``deps`` then holds
    what the document depends on and ``last_modified()`` its second.

    It has more methods than a class here should (over twenty): it is the one way documents
    read the catalogue, and each read records the keys it depends on as it reads them;
    split into several readers, a document could read one without recording its keys.
    """

    def __init__(self, db: sqlite3.Connection, settings_of: Callable[[str], Settings]):
        self.db = db
        self._settings_of = settings_of
        self._settings: Settings | None = None
        self.deps: set[str] = {"settings"}
        self.version = 0

    def __enter__(self) -> View:
        self.db.execute("BEGIN")
        try:
            self.version = int(meta(self.db, "version", 0))  # type: ignore[call-overload]
            raw = meta(self.db, "settings")
            if raw is None:
                raise sqlite3.OperationalError("the catalogue holds no settings yet")
            self._settings = self._settings_of(str(raw))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.execute("COMMIT")

    @property
    def settings(self) -> Settings:
        """Return the settings of the version being read."""
        assert self._settings is not None, "use the view as a context manager"
        return self._settings

    # What the site holds ---------------------------------------------------------------------

    def group(self, key: str) -> GroupInfo | None:
        """Return a group with live stories (its name and counts), or None."""
        self.deps.add(f"group:{key}")
        return self._group(key)

    def group_name(self, key: str) -> Group | None:
        """Return a group with live stories, by name only (what a link to it needs)."""
        self.deps.add(f"name:{key}")
        info = self._group(key)
        return info.group if info is not None else None

    def exists(self, key: str) -> GroupInfo | None:
        """Return the group's counts without recording them: only for deciding that a URL exists.

        A full archive page never changes as stories arrive, so its existence must not
        make it depend on the group's count.
        """
        return self._group(key)

    def _group(self, key: str) -> GroupInfo | None:
        row = self.db.execute("SELECT kind, slug, name, live, slots FROM groups WHERE grp = ?",
                              (key,)).fetchone()
        if row is None:
            return GroupInfo(SITE, 0, 0) if key == SITE.key else None
        if row[3] == 0 and key != SITE.key:
            return None
        return GroupInfo(Group(row[0], row[1], row[2]), row[3], row[4])

    def groups(self, kind: str | None = None) -> list[Group]:
        """Return every group with live stories (of one kind), sorted by name."""
        self.deps.add("sections" if kind == "section" else "groups")
        rows = self.db.execute(
            "SELECT kind, slug, name FROM groups WHERE live > 0 AND kind != 'site'"
            + (" AND kind = ?" if kind else ""), (kind,) if kind else ()).fetchall()
        return sorted((Group(*row) for row in rows), key=lambda g: (g.name.casefold(), g.slug))

    def newest(self, key: str, limit: int) -> list[Story]:
        """Return a group's newest live stories in publication order, newest first."""
        self.deps.add(f"group:{key}")
        return self._stories(
            "SELECT t.story, s.id FROM members m JOIN stories s ON s.id = m.id "
            "JOIN texts t ON t.source = s.source WHERE m.grp = ? AND m.live = 1 "
            "ORDER BY m.grp DESC, m.pos DESC LIMIT ?", (key, limit))

    def by_date(self, key: str, limit: int, offset: int = 0) -> list[Story]:
        """Return a group's live stories by date, newest first (listing pages)."""
        self.deps.add(f"group:{key}")
        # The places are paged on the date index alone: an OFFSET over the joined rows would
        # read every skipped story's text (the last page of 10,000 stories took 6 ms).
        return self._stories(
            "SELECT t.story, s.id FROM (SELECT pos FROM members WHERE grp = ?1 AND live = 1 "
            "ORDER BY date DESC, pos DESC LIMIT ?2 OFFSET ?3) p "
            "JOIN members m ON m.grp = ?1 AND m.pos = p.pos JOIN stories s ON s.id = m.id "
            "JOIN texts t ON t.source = s.source ORDER BY m.date DESC, m.pos DESC",
            (key, limit, offset))

    def members(self, key: str, first: int, end: int, dep: str) -> list[Member]:
        """Return the places ``first <= pos < end`` of a group, newest first, live or left.

        ``dep`` is the key these places are recorded under: the group's key for its
        subscription document, or one archive page's key (``page:<group>:<n>``).
        """
        self.deps.add(dep)
        rows = self.db.execute(
            "SELECT m.pos, m.id, m.live, m.removed_at, t.story FROM members m "
            "LEFT JOIN stories s ON s.id = m.id AND m.live = 1 "
            "LEFT JOIN texts t ON t.source = s.source "
            "WHERE m.grp = ? AND m.pos >= ? AND m.pos < ? ORDER BY m.pos DESC",
            (key, first, end)).fetchall()
        found = []
        for pos, story_id, live, removed_at, text in rows:
            story = Story.from_json(text) if live and text is not None else None
            if story is not None:
                self.deps.add(f"story:{story_id}")
            found.append(Member(pos, story_id, story, removed_at))
        return found

    def tombstones(self, key: str, after_pos: int) -> list[Member]:
        """Return the members that left a group recently, newest removal first (RFC 6721).

        Recently: fewer than a feed's worth of places were taken after they left
        (``removed_pos > after_pos``), or the publisher has not yet expired them
        (it does so 30 days after the removal).
        """
        self.deps.add(f"group:{key}")
        rows = self.db.execute(
            "SELECT pos, id, removed_at FROM members WHERE grp = ? AND live = 0 "
            "AND removed_at IS NOT NULL AND (removed_pos > ? OR expired = 0) "
            "ORDER BY removed_at DESC, pos DESC", (key, after_pos)).fetchall()
        return [Member(pos, story_id, None, removed_at) for pos, story_id, removed_at in rows]

    def every_story(self) -> list[Listed]:
        """Return every live story's page and its ``updated``, in publication order (the
        sitemaps). Recorded as ``stories``, which any story's change stamps: keys per story
        would make a 100,000-story sitemap too large for the hot documents.

        ``updated`` comes from the index ``texts_updated`` (the value kept beside each
        text), not from parsing each story's JSON: on 10,000 newsroom-length stories, a
        sitemap took 0.9 s that way. SQLite's planner takes the index only when told to,
        and a catalogue has it once a publisher of this feeds has opened it."""
        self.deps.update(("stories", f"group:{SITE.key}"))
        indexed = self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND "
                                  "name = 'texts_updated'").fetchone()
        return [Listed(path, modified) for path, modified in self.db.execute(
            "SELECT s.path, json_extract(t.story, '$.updated') FROM members m "
            "JOIN stories s ON s.id = m.id JOIN texts t "
            + ("INDEXED BY texts_updated " if indexed else "")
            + "ON t.source = s.source WHERE m.grp = ? AND m.live = 1 ORDER BY m.pos",
            (SITE.key,))]

    def newest_dates(self) -> dict[str, float]:
        """Return each group's newest live story's date (a POSIX second), by group key."""
        self.deps.update(("stories", "groups"))
        return dict(self.db.execute(
            "SELECT grp, max(date) FROM members WHERE live = 1 GROUP BY grp").fetchall())

    def news(self, limit: int) -> list[Story]:
        """Return the newest live stories in the news window (``store.groups``: the last two
        days as the publisher last moved it), newest first, ``limit`` at most."""
        self.deps.update(("news", f"group:{SITE.key}"))
        since = news_since(self.db)
        if since is None:
            return []  # (a first build, a moment before the publisher sets the window)
        return self._stories(
            "SELECT t.story, s.id FROM members m JOIN stories s ON s.id = m.id "
            "JOIN texts t ON t.source = s.source WHERE m.grp = ? AND m.live = 1 AND m.date > ? "
            "ORDER BY m.date DESC, m.pos DESC LIMIT ?", (SITE.key, since, limit))

    def story_at(self, path: str) -> Story | PathState | None:
        """Return the live story whose permalink is ``path``, what became of it, or None."""
        self.deps.add(f"path:{path}")
        row = self.db.execute(
            "SELECT t.story, s.id FROM stories s JOIN texts t ON t.source = s.source "
            "WHERE s.path = ? AND s.live = 1", (path,)).fetchone()
        if row is not None:
            self.deps.add(f"story:{row[1]}")
            return Story.from_json(row[0])
        return self._path_state(path, aliases_only=False)

    def alias_at(self, address: str) -> PathState | None:
        """Return what an old address of a story (an ``aliases`` entry, in ``old_address``
        form) names now, or None."""
        self.deps.add(f"path:{address}")
        return self._path_state(address, aliases_only=True)

    def _path_state(self, path: str, aliases_only: bool) -> PathState | None:
        """What became of the story once published at ``path`` (a permalink or an alias)."""
        row = self.db.execute(
            "SELECT p.id, s.path, s.live FROM paths p JOIN stories s ON s.id = p.id "
            "WHERE p.path = ? AND (p.alias OR NOT ?)", (path, aliases_only)).fetchone()
        if row is None:
            return None
        self.deps.add(f"story:{row[0]}")
        return PathState(row[0], row[1] if row[2] else None)

    def moved_to(self, key: str) -> GroupInfo | None:
        """Return the group whose stories a group with none left went to (a renamed section's
        folder), or None."""
        self.deps.add(f"group:{key}")
        try:
            row = self.db.execute("SELECT moved_to FROM moved WHERE grp = ?", (key,)).fetchone()
        except sqlite3.OperationalError:
            return None  # a catalogue from before sections moved (the publisher adds the table)
        return self.group(row[0]) if row is not None else None

    def uses_media(self, file: str) -> bool:
        """Tell whether a live story uses the media file ``file`` (a path under ``content/``),
        or a show's artwork is that file (``podcasts``)."""
        self.deps.add(f"media:{file}")
        if file in self.settings.podcasts.artwork():
            return True
        row = self.db.execute(
            "SELECT 1 FROM media m JOIN stories s ON s.id = m.id AND s.live = 1 "
            "WHERE m.file = ? LIMIT 1", (file,)).fetchone()
        return row is not None

    def _stories(self, sql: str, args: tuple[object, ...]) -> list[Story]:
        found = []
        for text, story_id in self.db.execute(sql, args):
            self.deps.add(f"story:{story_id}")
            found.append(Story.from_json(text))
        return found

    # Status ----------------------------------------------------------------------------------

    def problems(self) -> list[Problem]:
        """Return every problem and warning, sorted by file and line."""
        return listed(self.db)

    def last_modified(self) -> int:
        """Return the newest second among the keys read: the document's Last-Modified."""
        return stamp_of(self.db, self.deps)


def parse_settings(raw: str) -> Settings:
    """Read the settings as the catalogue keeps them (``Settings.to_raw`` as JSON)."""
    return Settings.from_raw(json.loads(raw))
