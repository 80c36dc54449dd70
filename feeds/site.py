"""The live site: the current snapshot, the documents rendered from it, and how it changes.

Plain Python, no Flask. Requests call ``prepared(path)``: bytes rendered and
compressed once per content version. The watcher thread calls ``refresh`` and
``tick``; each builds a new snapshot and swaps it in as one reference, keeping
every rendered document the change did not touch.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import urls
from .config import Settings, load_settings
from .errors import ConfigError, FeedsError
from .feedspec import Document, FeedSpec, archive_pages, archive_spec, feed_spec
from .index import SITE, Catalog, Change, GroupKey, Problem, Snapshot
from .opml import render_opml
from .pages import listing_page, not_found_page, story_page
from .parsecache import ParseCache
from .render import render_feed
from .responses import Prepared, prepare
from .storyfile import write_id
from .urls import FEED_NAMES
from .validators import STATE_FOLDER, ValidatorStore

log = logging.getLogger(__name__)

NOT_FOUND = "(404)"  # not a path any request can have: every request path starts with /
ANY_GROUP: GroupKey = ("any", "")  # depends on every group (the OPML list)


@dataclass(frozen=True, slots=True)
class Route:
    """How to render one URL path, and what it depends on (so a change knows what to drop)."""

    render: Callable[[], Document]
    group: GroupKey | None = None
    story: str | None = None
    feed: bool = False


@dataclass(slots=True)
class _State:
    """A snapshot with its memo of rendered documents; replaced whole, never swapped piecemeal."""

    snapshot: Snapshot
    documents: dict[str, tuple[Prepared, Route]] = field(default_factory=dict)


Announce = Callable[[str], None]


class Site:
    """A site folder served live: one current state, swapped as a single reference."""

    def __init__(self, root: Path, settings: Settings | None = None,
                 announce: Announce | None = None):
        self.root = root
        self._validators = ValidatorStore(root)
        self._announce = announce
        self._catalog = _catalog(root, settings or load_settings(root))
        self._config_problem: Problem | None = None
        self._state = _State(self._catalog.snapshot(_now()))
        self._publishing = threading.Lock()  # refresh and tick come from one thread; be sure
        self._id_attempts: dict[str, object] = {}

    @property
    def snapshot(self) -> Snapshot:
        return self._state.snapshot

    @property
    def settings(self) -> Settings:
        return self._catalog.settings

    # Requests --------------------------------------------------------------------------------

    def prepared(self, path: str) -> Prepared | None:
        """Return the document served at ``path``, rendered and compressed on first use."""
        state = self._state
        found = state.documents.get(path)
        if found is not None:
            return found[0]
        route = resolve(state.snapshot, path)
        if route is None:
            return None  # unknown paths are unbounded, so they are not remembered
        prepared = self._prepare(path, route, state.snapshot)
        state.documents[path] = (prepared, route)
        return prepared

    def not_found(self) -> Prepared:
        """Return the 404 page of the current snapshot."""
        state = self._state
        found = state.documents.get(NOT_FOUND)
        if found is None:
            route = Route(lambda: not_found_page(state.snapshot), group=SITE)
            found = (self._prepare(NOT_FOUND, route, state.snapshot), route)
            state.documents[NOT_FOUND] = found
        return found[0]

    def _prepare(self, path: str, route: Route, snapshot: Snapshot) -> Prepared:
        document = route.render()
        stamp, changed = self._validators.last_modified(path, document.etag,
                                                        document.last_modified)
        if changed and route.feed and self._announce is not None:
            self._announce(snapshot.settings.url(path))
        return prepare(document, stamp, snapshot.settings.cache_max_age,
                       hub_links(snapshot.settings, path) if route.feed else ())

    # Changes ---------------------------------------------------------------------------------

    def known_sources(self) -> set[str]:
        """Return every story file the catalogue knows, good or broken."""
        catalog = self._catalog
        return set(catalog.good) | set(catalog.broken)

    def save_cache(self) -> None:
        """Save what was parsed since the last save, for a fast restart (from the watcher)."""
        if self._catalog.cache is not None:
            self._catalog.cache.save()

    def write_missing_ids(self) -> None:
        """Write its id into each published story file that has none (RFC 4287 4.2.6).

        The id written is the one already served (derived from host, date and
        path), so readers see no change; from then on the file carries it, and
        a rename or a move keeps it.
        """
        catalog = self._catalog
        if not catalog.settings.write_ids or not catalog.unidentified:
            return
        now = _now()
        for source, story in list(catalog.unidentified.items()):
            if story.date > now or self._id_attempts.get(source) == story:
                continue
            self._id_attempts[source] = story  # once per version, whatever the outcome
            try:
                if write_id(self.root / source, story.id, self.root / STATE_FOLDER / "ids.lock"):
                    log.info("%s: wrote its permanent id %s", source, story.id)
            except (OSError, FeedsError) as error:
                log.warning("%s: cannot write its id (%s); it is served with the derived id "
                            "%s until then", source, error, story.id)

    def refresh(self, sources: Iterable[str] = (), config_changed: bool = False) -> None:
        """Re-read changed story files (and config.yaml) and publish the result."""
        with self._publishing:
            everything = config_changed and self._reload_config()
            changes = self._catalog.update(sources)
            self._swap(changes, everything)

    def tick(self) -> None:
        """Publish the stories whose time has come (no file changed)."""
        with self._publishing:
            self._swap([], False)

    def _reload_config(self) -> bool:
        """Load config.yaml again; a broken one keeps the last good settings serving."""
        try:
            settings = load_settings(self.root)
        except ConfigError as error:
            problem = Problem.from_error(error)
            if problem != self._config_problem:
                log.error("%s (the last good config keeps serving)", problem)
            self._config_problem = problem
            return False
        self._config_problem = None
        if settings == self._catalog.settings:
            return False
        log.info("config.yaml changed: reading every story again")
        self._catalog = _catalog(self.root, settings)
        return True

    def _swap(self, changes: list[Change], everything: bool) -> None:
        old = self._state
        snapshot = self._catalog.snapshot(
            _now(), [self._config_problem] if self._config_problem else [])
        changes = changes + _came_due(old.snapshot, snapshot)
        groups: set[GroupKey] = set().union(*(c.groups() for c in changes)) if changes else set()
        if everything:
            kept: dict[str, tuple[Prepared, Route]] = {}
            groups |= set(snapshot.groups)
        else:
            stories = {s.path for c in changes for s in (c.before, c.after) if s is not None}
            groups.add(ANY_GROUP)
            kept = {path: doc for path, doc in old.documents.items()
                    if doc[1].group not in groups and doc[1].story not in stories}
            if not changes and snapshot.problems == old.snapshot.problems:
                return
        self._state = _State(snapshot, kept)
        self.render_feeds({g for g in groups if g in snapshot.groups} | {SITE})

    def render_feeds(self, groups: Iterable[GroupKey] = (SITE,)) -> None:
        """Render changed feeds now rather than at the next poll: dates and WebSub pings are then
        as of the change. Only feeds that were ever served are worth it."""
        state = self._state
        for path, route in feed_routes(state.snapshot, groups):
            if path not in state.documents and (
                    route.group == SITE or self._validators.known(path)):
                state.documents[path] = (self._prepare(path, route, state.snapshot), route)


def _catalog(root: Path, settings: Settings) -> Catalog:
    cache = ParseCache(root / STATE_FOLDER, settings)
    catalog = Catalog(root, settings, cache)
    catalog.load_all()
    cache.save()
    return catalog


def _now() -> datetime:
    return datetime.now(UTC)


def _came_due(before: Snapshot, after: Snapshot) -> list[Change]:
    """Return the scheduled stories that went live between two snapshots' moments."""
    stories = after.groups.get(SITE, ())
    start = bisect.bisect_right(stories, before.as_of, key=lambda s: s.date)
    return [Change(None, story) for story in stories[start:after.count()]]


def hub_links(settings: Settings, path: str) -> list[tuple[str, str]]:
    """Return WebSub discovery Link headers for a feed (WebSub 4: rel=hub and rel=self)."""
    if not settings.hubs:
        return []
    links = [f'<{hub}>; rel="hub"' for hub in settings.hubs]
    links.append(f'<{settings.url(path)}>; rel="self"')
    return [("Link", ", ".join(links))]


def feed_routes(snapshot: Snapshot, groups: Iterable[GroupKey]) -> list[tuple[str, Route]]:
    """Return the subscription feeds of ``groups`` that exist in the snapshot, with routes."""
    found = []
    for group in groups:
        for name in FEED_NAMES:
            path = urls.feed(group, name)
            route = resolve(snapshot, path)
            if route is not None:
                found.append((path, route))
    return found


def resolve(snapshot: Snapshot, path: str) -> Route | None:
    """Map a URL path to how it is rendered, or None: the site's one URL table."""
    for target in urls.parse(path):
        route = _route(snapshot, target)
        if route is not None:
            return route
    return None


def _route(snapshot: Snapshot, target: urls.Target) -> Route | None:
    group = target.group
    if target.kind == "story":
        story = snapshot.story(target.name)
        if story is None:
            return None
        return Route(lambda: story_page(snapshot, story), story=story.path)
    if target.kind == "opml":
        return Route(lambda: render_opml(snapshot), group=ANY_GROUP)
    if target.kind == "media" or (group != SITE and snapshot.count(group) == 0):
        return None
    if target.kind == "listing":
        page = listing_page(snapshot, group, target.number)
        return None if page is None else Route(lambda: page, group=group)
    if target.kind == "feed":
        return _feed_route(snapshot, feed_spec(snapshot, group, target.name), target.name)
    return _feed_route(snapshot, archive_spec(snapshot, group, target.number), "atom.xml")


def next_archive_redirect(snapshot: Snapshot, path: str) -> str | None:
    """Return the feed that ``archive/<n+1>.xml`` stands for while page n is the newest."""
    for target in urls.parse(path):
        if target.kind == "archive" and snapshot.count(target.group):
            size = snapshot.settings.feed_size
            if target.number == archive_pages(snapshot.count(target.group), size) + 1 > 1:
                return urls.feed(target.group, "atom.xml")
    return None


def _feed_route(snapshot: Snapshot, spec: FeedSpec | None, name: str) -> Route | None:
    if spec is None:
        return None
    return Route(lambda: render_feed(snapshot, spec, name), group=spec.group, feed=True)
