"""Describe each feed document as data: which stories, which tombstones, its place in the archive.

A ``FeedSpec`` is what a writer needs and nothing more (Django's syndication
shape). Every group's Atom feed is an archived feed (RFC 5005 section 4): the
group's members are numbered in the order they joined it, archive page *n*
holds places ``(n-1)·size`` to ``n·size - 1``, and the subscription document
holds every place after the last full page (between one and two feed sizes).
A place is never reused, so a full page never changes because of later or
backdated stories; a story that leaves disappears from its own page only, and
for a while the subscription document carries its RFC 6721 tombstone.
The other formats (RSS, JSON Feed) hold the newest ``feed_size`` stories, in publication
order: RFC 5005 makes one feed of a group the archived one (``Format.archived``). A show's
podcast feed (``Format.podcast``, ``site.podcasts``) holds its episodes, the section's
stories with audio: every one unless the show sets a ``feed_size``, as podcast apps do
not follow archives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ..catalog.groups import Group
from ..catalog.store import Member, View
from ..site import urlspace as urls
from ..site.formats import Format
from ..site.podcasts import Show, audio_of
from ..site.story import Story

# An empty feed still needs an updated date (RFC 4287 4.1.1); "now" would make
# the bytes change on every start, so it is the epoch.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """What one feed document selects and how it names itself."""

    group: Group
    entries: tuple[Story, ...]
    tombstones: tuple[Member, ...] = ()
    history: str | None = None  # RFC 5005: "complete", "archive", or None
    prev_archive: str | None = None  # path of the next older archive page
    next_archive: str | None = None  # path of the next newer one
    archive_page: int = 0  # 0 for a subscription document
    show: Show | None = None  # the podcast this feed is (site.podcasts)

    def self_path(self, fmt: Format) -> str:
        if self.archive_page:
            return urls.archive(self.group, self.archive_page)
        return urls.feed(self.group, fmt)

    @property
    def updated(self) -> datetime:
        """Return when the feed last changed: its newest entry's update, or removal."""
        newest = max((s.updated for s in self.entries), default=EPOCH)
        removed = max((m.removed_at or 0 for m in self.tombstones), default=0)
        if removed and datetime.fromtimestamp(removed, UTC) > newest:
            return datetime.fromtimestamp(removed, UTC)
        return newest


def full_pages(slots: int, size: int) -> int:
    """Return how many full archive pages ``slots`` places make, leaving ``size`` or more."""
    return max(0, (slots - size) // size)


def subscription(view: View, key: str, fmt: Format) -> FeedSpec | None:
    """Describe a group's subscription feed in a format (None for a group without live
    stories): its archived feed, or the newest stories."""
    info = view.group(key)
    if info is None:
        return None
    size = view.settings.feed_size
    show = view.settings.podcasts.of(info.group.slug) if (
        fmt.podcast and info.group.kind == "section") else None
    if show is not None:
        episodes = [s for s in view.newest(key, info.slots) if audio_of(s) is not None]
        return FeedSpec(info.group, tuple(episodes[:show.feed_size]), show=show)
    if not fmt.archived:
        return FeedSpec(info.group, tuple(view.newest(key, size)))
    pages = full_pages(info.slots, size)
    members = view.members(key, pages * size, info.slots, dep=f"group:{key}")
    tombstones = view.tombstones(key, info.slots - size)[:size]
    return FeedSpec(
        info.group, tuple(m.story for m in members if m.story is not None), tuple(tombstones),
        history="complete" if pages == 0 else None,
        prev_archive=urls.archive(info.group, pages) if pages else None,
    )


def archive(view: View, key: str, page: int) -> FeedSpec | None:
    """Describe archive page ``page`` of a group's archived feed, or None if it does not exist."""
    info = view.exists(key)
    size = view.settings.feed_size
    if info is None or not 1 <= page <= full_pages(info.slots, size):
        return None
    group = view.group_name(key)
    assert group is not None
    members = view.members(key, (page - 1) * size, page * size, dep=f"page:{key}:{page}")
    # Every page links the next one, even before it is full: the page's bytes must
    # not change when the next one fills. Until then that URL redirects to the
    # subscription feed, which is where the newer stories are.
    return FeedSpec(
        group, tuple(m.story for m in members if m.story is not None),
        history="archive", prev_archive=urls.archive(group, page - 1) if page > 1 else None,
        next_archive=urls.archive(group, page + 1), archive_page=page,
    )


def newest_archive(view: View, key: str) -> int:
    """Return the number of a group's newest full archive page (0: none yet), unrecorded."""
    info = view.exists(key)
    return full_pages(info.slots, view.settings.feed_size) if info is not None else 0
