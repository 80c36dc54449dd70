"""Describe each feed as data: which stories, its title, its URLs, its place in the archive.

A ``FeedSpec`` is what a writer in ``render`` needs and nothing more (Django's
syndication shape). Atom feeds are archived feeds (RFC 5005 section 4): the
subscription document holds every story after the last full archive page, so
between one and two feed sizes of the newest; archive page *k* holds stories
``(k-1)*size`` to ``k*size - 1`` counted from the oldest, and, once full, never
changes, so caches and readers keep it forever.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from . import urls
from .config import Settings
from .index import SITE, GroupKey, Snapshot
from .markup import summarize, to_html
from .story import Story

# An empty feed still needs an updated date (RFC 4287 4.1.1); "now" would make
# the bytes change on every start, so it is the epoch.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Document:
    """A rendered response body and what HTTP needs to know about it."""

    body: bytes
    media_type: str
    last_modified: datetime

    @property
    def etag(self) -> str:
        return strong_etag(self.body)


def strong_etag(body: bytes) -> str:
    """Return a strong validator for exactly these bytes (RFC 9110 8.8.3)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """What one feed document selects and how it names itself."""

    group: GroupKey
    title: str
    description: str
    stories: tuple[Story, ...]
    history: str | None = None  # RFC 5005: "complete", "archive", or None
    prev_archive: str | None = None  # path of the next older archive page
    next_archive: str | None = None  # path of the next newer one (see archive_spec)
    archive_page: int = 0  # 0 for a subscription document

    def page_path(self) -> str:
        return urls.base(self.group)

    def self_path(self, name: str) -> str:
        if self.archive_page:
            return urls.archive(self.group, self.archive_page)
        return urls.feed(self.group, name)


def group_title(snapshot: Snapshot, group: GroupKey) -> tuple[str, str]:
    """Return the title and description a group's page and feeds carry."""
    settings = snapshot.settings
    name = snapshot.names.get(group, group[1])
    if group == SITE:
        return settings.title, settings.description or f"The latest from {settings.title}."
    if group[0] == "section":
        return f"{settings.title}: {name}", f"{name} stories from {settings.title}."
    if group[0] == "tag":
        return f"{settings.title}: {name}", f"Stories tagged “{name}” from {settings.title}."
    return f"{settings.title}: {name}", f"Stories by {name} from {settings.title}."


def feed_spec(snapshot: Snapshot, group: GroupKey, name: str) -> FeedSpec | None:
    """Describe a group's subscription feed in format ``name``, or None for an unknown group."""
    count = snapshot.count(group)
    if count == 0 and group != SITE:
        return None
    title, description = group_title(snapshot, group)
    size = snapshot.settings.feed_size
    if name != "atom.xml":
        return FeedSpec(group, title, description, snapshot.latest(group, size))
    pages = archive_pages(count, size)
    return FeedSpec(
        group, title, description, snapshot.latest(group, count - pages * size),
        history="complete" if pages == 0 else None,
        prev_archive=urls.archive(group, pages) if pages else None,
    )


def archive_spec(snapshot: Snapshot, group: GroupKey, page: int) -> FeedSpec | None:
    """Describe archive page ``page`` of a group's Atom feed, or None if it does not exist."""
    size = snapshot.settings.feed_size
    if not 1 <= page <= archive_pages(snapshot.count(group), size):
        return None
    title, description = group_title(snapshot, group)
    oldest_first = snapshot.groups[group][(page - 1) * size: page * size]
    # Every page links the next one, even before it is full: the page's bytes must
    # not change when the next one fills. Until then that URL redirects to the
    # subscription feed, which is where the newer stories are (site.next_archive_redirect).
    return FeedSpec(
        group, f"{title} (archive {page})", description, tuple(reversed(oldest_first)),
        history="archive", prev_archive=urls.archive(group, page - 1) if page > 1 else None,
        next_archive=urls.archive(group, page + 1), archive_page=page,
    )


def archive_pages(count: int, size: int) -> int:
    """Return how many full archive pages ``count`` stories make, leaving ``size`` or more."""
    return max(0, (count - size) // size)


def permalink(settings: Settings, story: Story) -> str:
    """Return the absolute URL of a story's page."""
    return settings.url(quote(story.url_path))


def story_html(settings: Settings, story: Story) -> str:
    """Return the story's body as safe HTML with absolute URLs."""
    return to_html(story.body, permalink(settings, story))


def story_summary(story: Story) -> str:
    """Return the story's summary: its own, or the start of its body."""
    return story.summary or summarize(story.body) or story.title


def categories(story: Story) -> list[str]:
    """Return the section and tags, as the categories feeds carry."""
    terms = [story.section] if story.section else []
    return terms + [t for t in story.tags if t not in terms]


def newest_update(stories: tuple[Story, ...]) -> datetime:
    """Return when the newest of ``stories`` last changed: the feed's own updated date."""
    return max((s.updated for s in stories), default=EPOCH)
