"""The catalogue of story files, kept current one file at a time, and its immutable snapshots.

Read everything once, then only what changes: the ``Catalog`` re-parses a
changed file and updates just the groups (site, section, tag, author) that
story is in, so the cost of one change does not grow with the site. A bad file
becomes a ``Problem`` beside the snapshot and never stops the others; a story
that was good keeps its last good version live until its file is mended.
"""

from __future__ import annotations

import bisect
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from .config import Settings
from .errors import FeedsError
from .parsecache import ParseCache, Signature, signature
from .story import Story, slugify
from .storyfile import CONTENT_PREFIX, is_story_file, missing_media, read_story

log = logging.getLogger(__name__)

# A group of stories that has its own listing and feeds: ("site", ""),
# ("section", "world"), ("tag", "<slug>"), ("author", "<slug>").
GroupKey = tuple[str, str]
SITE: GroupKey = ("site", "")
BULK = 64  # more changed files than this at once: rebuild the groups wholesale


@dataclass(frozen=True, slots=True)
class Problem:
    """A file that cannot be used as it stands, and what to do about it."""

    source: str
    line: int | None
    message: str

    @classmethod
    def from_error(cls, error: FeedsError) -> Problem:
        return cls(error.path or "", error.line, error.message)

    def __str__(self) -> str:
        return f"{self.source}:{self.line or 1}: {self.message}"


def named_groups(story: Story) -> list[tuple[GroupKey, str]]:
    """Return the section, tag and author groups of a story, each with the name it gives."""
    pairs = [(("section", slugify(story.section)), story.section)] if story.section else []
    pairs += [(("tag", slugify(tag)), tag) for tag in story.tags]
    pairs += [(("author", slugify(author.name)), author.name) for author in story.authors]
    return pairs


def groups_of(story: Story) -> set[GroupKey]:
    """Return every group a story is listed in."""
    return {SITE, *(key for key, _ in named_groups(story))}


SHARDS = 256


def _shard(path: str) -> int:
    return hash(path) % SHARDS


def _order(story: Story) -> tuple[datetime, str]:
    return (story.date, story.source)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a request needs at one moment, swapped in whole: no reader sees half an update.

    Each group is a tuple in publication order, future stories included;
    ``as_of`` decides which of them are live, so building a snapshot copies
    references, never stories.
    """

    settings: Settings
    as_of: datetime
    groups: Mapping[GroupKey, tuple[Story, ...]]
    by_path: tuple[Mapping[str, Story], ...]  # shards: see PathIndex
    problems: tuple[Problem, ...] = ()
    names: Mapping[GroupKey, str] = field(default_factory=dict)

    def count(self, group: GroupKey = SITE) -> int:
        """Return how many stories of ``group`` are published."""
        stories = self.groups.get(group, ())
        return bisect.bisect_right(stories, self.as_of, key=lambda s: s.date)

    def latest(self, group: GroupKey = SITE, limit: int | None = None,
               offset: int = 0) -> tuple[Story, ...]:
        """Return published stories of ``group``, newest first."""
        stories = self.groups.get(group, ())
        end = self.count(group) - offset
        start = 0 if limit is None else max(0, end - limit)
        return tuple(reversed(stories[start:max(end, 0)]))

    @property
    def next_due(self) -> datetime | None:
        """Return when the next scheduled story goes live, if one is waiting."""
        stories = self.groups.get(SITE, ())
        index = self.count()
        return stories[index].date if index < len(stories) else None

    def unidentified(self) -> list[Story]:
        """Return the published stories whose id is derived, not written in their file."""
        return [s for s in self.latest() if not s.has_own_id]

    def story(self, path: str) -> Story | None:
        """Return the published story whose permalink path is ``path``."""
        found = self.by_path[_shard(path)].get(path)
        return found if found is not None and found.date <= self.as_of else None


@dataclass(slots=True)
class Change:
    """A published story that appeared, changed or went away (``None`` on the missing side)."""

    before: Story | None
    after: Story | None

    def groups(self) -> set[GroupKey]:
        found: set[GroupKey] = set()
        for story in (self.before, self.after):
            if story is not None:
                found |= groups_of(story)
        return found


class Catalog:
    """Every story file's latest good parse and current problem, grouped for publishing.

    Not thread-safe: one thread (the watcher) owns it and hands out snapshots.
    """

    def __init__(self, root: Path, settings: Settings, cache: ParseCache | None = None):
        self.root = root
        self.settings = settings
        self.cache = cache
        self.good: dict[str, Story] = {}  # source -> last good parse
        self.broken: dict[str, Problem] = {}  # source -> why its file cannot be used now
        self.media: dict[str, Problem] = {}  # source -> a media file it names that is missing
        self._claims: dict[tuple[str, str], list[Story]] = {}  # ("id"|"path", value) -> stories
        self._accepted: dict[str, Story] = {}  # source -> story published (or scheduled)
        self._refused: dict[str, Problem] = {}  # source -> why it lost its id or path
        self._groups: dict[GroupKey, tuple[Story, ...]] = {}
        # Permalink -> story, in shards that are copied (never changed) when a path in them
        # changes: a snapshot takes the tuple of shards, so its cost does not grow with the site.
        self._by_path: list[dict[str, Story]] = [{} for _ in range(SHARDS)]
        self._names: dict[GroupKey, str] = {}
        self.unidentified: dict[str, Story] = {}  # source -> published story with a derived id
        # group -> casefolded name -> sources: two names that slug alike share one URL
        self._spellings: dict[GroupKey, dict[str, set[str]]] = {}

    # Reading files ---------------------------------------------------------------------------

    def load_all(self) -> list[Change]:
        """Parse every story file of the site."""
        return self.update(story_files(self.root))

    def update(self, sources: Iterable[str]) -> list[Change]:
        """Re-read the given files (paths relative to the root; gone files are removed)."""
        sources = list(sources)
        bulk = len(sources) > BULK
        touched: list[Story] = []
        for source in sources:
            old = self.good.get(source)
            stamp = signature(os.path.join(self.root, source))
            if stamp is None:
                self.good.pop(source, None)
                self.broken.pop(source, None)
                self.media.pop(source, None)
                if self.cache is not None:
                    self.cache.forget(source)
            else:
                parsed = self._parse(source, stamp)
                if isinstance(parsed, Problem):
                    self.broken[source] = parsed  # the last good version, if any, stays
                    continue
                self.broken.pop(source, None)
                if parsed == old:
                    continue  # saved again unchanged: keep the very same object
                self.good[source] = parsed
            new = self.good.get(source)
            if old is new:
                continue
            if old is not None:
                self._unclaim(old)
                touched.append(old)
            if new is not None and not new.draft:
                self._claim(new)
                touched.append(new)
        return self._rebuild() if bulk else self._settle(touched)

    def _parse(self, source: str, stamp: Signature) -> Story | Problem:
        cached = self.cache.get(source, stamp) if self.cache is not None else None
        parsed = cached or parse_file(self.root, source, self.settings)
        if isinstance(parsed, Story):
            if self.cache is not None and cached is None:
                self.cache.put(source, stamp, parsed)
            self._check_media(source, parsed)
        return parsed

    def _check_media(self, source: str, story: Story) -> None:
        missing = missing_media(self.root, self.settings, story)
        if missing:
            self.media[source] = Problem(source, None, f"{missing[0]} is not a file under "
                                         "content/: add it there, or fix the path.")
        else:
            self.media.pop(source, None)

    def _rebuild(self) -> list[Change]:
        """Decide every claim and group at once: O(n log n), for start-up and big bursts."""
        rank = {key: sorted(claimants, key=self._precedence)[0]
                for key, claimants in self._claims.items()}
        before = self._accepted
        self._accepted, self._refused, self.unidentified = {}, {}, {}
        self._spellings = {}
        groups: dict[GroupKey, list[Story]] = {}
        for story in sorted((s for s in self.good.values() if not s.draft), key=_order):
            if rank[("id", story.id)] is not story or rank[("path", story.path)] is not story:
                self._refused[story.source] = self._refusal(story)
                continue
            self._accepted[story.source] = story
            self._spell(story, add=True)
            if not story.has_own_id:
                self.unidentified[story.source] = story
            for key in groups_of(story):
                members = groups.get(key)
                if members is None:
                    groups[key] = members = []
                    self._names.setdefault(key, _display_name(key, story))
                members.append(story)
        self._groups = {key: tuple(members) for key, members in groups.items()}
        self._names = {key: name for key, name in self._names.items() if key in groups}
        self._by_path = [{} for _ in range(SHARDS)]
        for story in self._accepted.values():
            self._by_path[_shard(story.path)][story.path] = story
        return [Change(before.get(source), self._accepted.get(source))
                for source in before.keys() | self._accepted.keys()
                if before.get(source) is not self._accepted.get(source)]

    # Claims: one story per id and per permalink (RFC 4287 4.2.6) ------------------------------

    def _claim(self, story: Story) -> None:
        for key in (("id", story.id), ("path", story.path)):
            self._claims.setdefault(key, []).append(story)

    def _unclaim(self, story: Story) -> None:
        for key in (("id", story.id), ("path", story.path)):
            claimants = self._claims.get(key, [])
            if story in claimants:
                claimants.remove(story)
            if not claimants:
                self._claims.pop(key, None)

    def _winner(self, key: tuple[str, str]) -> Story | None:
        claimants = self._claims.get(key)
        if not claimants:
            return None
        # The story already published keeps its claim; among newcomers, the earliest.
        return min(claimants, key=self._precedence)

    def _precedence(self, story: Story) -> tuple[bool, datetime, str]:
        # The story already published keeps its claim; among newcomers, the earliest.
        return (story.source not in self._accepted, *_order(story))

    def _settle(self, touched: list[Story]) -> list[Change]:
        """Re-decide who is published among every story sharing an id or path with ``touched``."""
        contenders: dict[str, Story] = {}
        for story in touched:
            for key in (("id", story.id), ("path", story.path)):
                for other in self._claims.get(key, []):
                    contenders[other.source] = other
            contenders.setdefault(story.source, story)
        changes: list[Change] = []
        sources = {s.source for s in touched} | set(contenders)
        for source in sorted(sources):
            before = self._accepted.get(source)
            candidate = contenders.get(source)
            if candidate is not None and candidate is not self.good.get(source):
                candidate = None  # a stale claimant from before this update
            after = candidate if candidate is not None and self._wins(candidate) else None
            self._refused.pop(source, None)
            if candidate is not None and after is None:
                self._refused[source] = self._refusal(candidate)
            if before is after:
                continue
            self._publish(source, before, after)
            changes.append(Change(before, after))
        return changes

    def _wins(self, story: Story) -> bool:
        return all(self._winner(key) is story for key in (("id", story.id), ("path", story.path)))

    def _refusal(self, story: Story) -> Problem:
        holder = self._winner(("id", story.id))
        if holder is not None and holder is not story:
            return Problem(story.source, None, f"id {story.id!r} is already used by "
                                               f"{holder.source}: give this story its own id.")
        holder = self._winner(("path", story.path))
        name = holder.source if holder is not None else "another file"
        return Problem(story.source, None, f"{name} already publishes /{story.path}/: "
                                           "rename one of the two files.")

    def _publish(self, source: str, before: Story | None, after: Story | None) -> None:
        self.unidentified.pop(source, None)
        if after is not None and not after.has_own_id:
            self.unidentified[source] = after
        if before is not None:
            self._spell(before, add=False)
            del self._accepted[source]
            shard = _shard(before.path)
            if self._by_path[shard].get(before.path) is before:
                self._by_path[shard] = {p: s for p, s in self._by_path[shard].items()
                                        if p != before.path}
        if after is not None:
            self._spell(after, add=True)
            self._accepted[source] = after
            shard = _shard(after.path)
            self._by_path[shard] = {**self._by_path[shard], after.path: after}
        # One copy of each group touched, an edit included (the site's group is the big one).
        leaving = groups_of(before) if before is not None else set()
        joining = groups_of(after) if after is not None else set()
        for key in leaving | joining:
            group = list(self._groups.get(key, ()))
            if before is not None and key in leaving:
                group.pop(bisect.bisect_left(group, _order(before), key=_order))
            if after is not None and key in joining:
                bisect.insort(group, after, key=_order)
            self._set_group(key, tuple(group), after if key in joining else None)

    def _spell(self, story: Story, add: bool) -> None:
        for key, name in named_groups(story):
            sources = self._spellings.setdefault(key, {}).setdefault(name.casefold(), set())
            if add:
                sources.add(story.source)
            else:
                sources.discard(story.source)
                if not sources:
                    del self._spellings[key][name.casefold()]
                    if not self._spellings[key]:
                        del self._spellings[key]

    def _clashes(self) -> list[Problem]:
        """Report names that slug alike ("C++" and "C"): they would share one page and feed."""
        found = []
        for (kind, slug), spellings in self._spellings.items():
            if len(spellings) < 2:
                continue
            (first, first_sources), *others = sorted(spellings.items(),
                                                     key=lambda pair: min(pair[1]))
            for name, sources in others:
                found.append(Problem(min(sources), None, (
                    f"{kind} {name!r} and {kind} {first!r} ({min(first_sources)}) have the same "
                    f"URL slug {slug!r}, so they share one page and feed: spell them alike, "
                    "or rename one.")))
        return found

    def _set_group(self, key: GroupKey, stories: tuple[Story, ...], added: Story | None) -> None:
        if stories:
            self._groups[key] = stories
            if added is not None and key not in self._names:
                self._names[key] = _display_name(key, added)
        else:
            self._groups.pop(key, None)
            self._names.pop(key, None)

    # Snapshots -------------------------------------------------------------------------------

    def problems(self) -> tuple[Problem, ...]:
        """Return every current problem, sorted by file."""
        found = [*self.broken.values(), *self._refused.values(), *self.media.values(),
                 *self._clashes()]
        return tuple(sorted(found, key=lambda p: (p.source, p.line or 0, p.message)))

    def snapshot(self, now: datetime, extra_problems: Iterable[Problem] = ()) -> Snapshot:
        """Freeze the catalogue as published at ``now`` (a few shallow copies, no re-sorting)."""
        problems = tuple(sorted([*self.problems(), *extra_problems],
                                key=lambda p: (p.source, p.line or 0)))
        return Snapshot(
            settings=self.settings,
            as_of=now,
            groups=MappingProxyType(dict(self._groups)),
            by_path=tuple(self._by_path),  # the shards are replaced, never changed
            problems=problems,
            names=MappingProxyType(dict(self._names)),
        )


def _display_name(key: GroupKey, story: Story) -> str:
    return next((name for k, name in named_groups(story) if k == key), key[1])


def story_files(root: Path, folder: Path | None = None) -> Iterator[str]:
    """Yield every story file under ``root/content`` (or ``folder`` in it) as a source path.

    A source path is relative to the root, ``/``-separated: ``content/world/story.md``.
    """
    top = str(folder or root / "content")
    skip = len(str(root)) + 1
    for current, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        prefix = current[skip:].replace(os.sep, "/") + "/"
        for name in sorted(files):
            source = prefix + name
            if is_story_file(source.removeprefix(CONTENT_PREFIX)):
                yield source


def parse_file(root: Path, source: str, settings: Settings) -> Story | Problem:
    """Parse one file, turning a user's mistake into a ``Problem`` (logged once, here)."""
    try:
        return read_story(root, source, settings)
    except FeedsError as error:
        problem = Problem.from_error(error)
        log.warning("%s", problem)
        return problem


def build_snapshot(root: Path, settings: Settings, now: datetime) -> Snapshot:
    """Read a whole site and return it as published at ``now`` (for one-shot commands)."""
    catalog = Catalog(root, settings)
    catalog.load_all()
    return catalog.snapshot(now)
