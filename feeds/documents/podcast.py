"""A show's RSS feed: the ``itunes:`` tags Apple documents and the Podcasting 2.0 ``podcast:`` tags.

Apple ("A Podcaster's Guide to RSS", Apple Podcasts for Creators) asks of the
channel ``itunes:image``, ``itunes:category``, ``itunes:explicit``, ``title``,
``description`` and ``language``, and recommends ``itunes:author``,
``itunes:owner`` and ``itunes:type``; of each episode a ``title``, an
``enclosure`` with its length and type and a ``guid``, and recommends
``itunes:duration``, ``itunes:episode``, ``itunes:season``,
``itunes:episodeType`` and ``itunes:explicit``. The Podcasting 2.0 namespace
(podcastindex.org/namespace/1.0, docs/tags/) adds ``guid``, ``locked``,
``funding``, ``transcript``, ``chapters``, ``season``, ``episode`` and ``person``.

The channel's tags are a feedgen extension; each episode's are an entry
extension on an entry made for the show alone, so the entries cached for every
other feed (``syndication._ENTRIES``) never carry them.
"""

from __future__ import annotations

from typing import Any

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from ..catalog.groups import Group
from ..site.config import Settings
from ..site.podcasts import Show, audio_of, podcast_guid
from ..site.story import Story, slugify
from .archives import FeedSpec

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
CHAPTERS_TYPE = "application/json+chapters"  # podcast:chapters, docs/tags/chapters.md


def _add(parent: Any, ns: str, tag: str, value: str | None = None, **attributes: str) -> Any:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", attributes)
    if value is not None:
        element.text = value
    return element


def _yes(flag: bool) -> str:
    return "true" if flag else "false"  # Apple: itunes:explicit is true or false


def artwork_url(settings: Settings, show: Show) -> str:
    """Return the absolute URL of a show's artwork (a path is under content/)."""
    return show.image if "://" in show.image else settings.url("/" + show.image)


class ShowTags(BaseExtension):
    """The channel's ``itunes:`` and ``podcast:`` tags."""

    def __init__(self) -> None:
        self.show: Show | None = None
        self.image = ""
        self.guid = ""

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES, "podcast": PODCAST}

    def extend_rss(self, feed: Any) -> Any:
        show = self.show
        assert show is not None
        channel = feed[0]
        _add(channel, ITUNES, "image", href=self.image)
        for main, sub in show.categories:  # each as Apple nests it: <category><sub/></category>
            category = _add(channel, ITUNES, "category", text=main)
            if sub:
                _add(category, ITUNES, "category", text=sub)
        _add(channel, ITUNES, "explicit", _yes(show.explicit))
        _add(channel, ITUNES, "author", show.author)
        owner = _add(channel, ITUNES, "owner")
        _add(owner, ITUNES, "name", show.owner_name)
        _add(owner, ITUNES, "email", show.owner_email)
        _add(channel, ITUNES, "type", show.type)
        _add(channel, PODCAST, "guid", self.guid)
        _add(channel, PODCAST, "locked", "yes" if show.locked else "no", owner=show.owner_email)
        for funding in show.funding:
            _add(channel, PODCAST, "funding", funding.text, url=funding.url)
        return feed

    def extend_atom(self, feed: Any) -> Any:  # pragma: no cover - registered for RSS only
        return feed


class EpisodeTags(BaseEntryExtension):
    """One episode's ``itunes:`` and ``podcast:`` tags."""

    def __init__(self) -> None:
        self.story: Story | None = None
        self.show: Show | None = None
        self.people: list[tuple[str, str]] = []  # (name, href)

    def extend_rss(self, item: Any) -> Any:
        story, show = self.story, self.show
        assert story is not None and show is not None
        episode = story.episode
        audio = audio_of(story)
        if audio is not None and audio.duration:
            _add(item, ITUNES, "duration", str(audio.duration))
        explicit = episode.explicit if episode and episode.explicit is not None else show.explicit
        _add(item, ITUNES, "explicit", _yes(explicit))
        _add(item, ITUNES, "episodeType", episode.type if episode else "full")
        if episode and episode.season is not None:
            _add(item, ITUNES, "season", str(episode.season))
        if episode and episode.number is not None:
            _add(item, ITUNES, "episode", str(episode.number))
        if episode:
            for transcript in episode.transcripts:
                _add(item, PODCAST, "transcript", url=transcript.url, type=transcript.type)
            if episode.chapters:
                _add(item, PODCAST, "chapters", url=episode.chapters, type=CHAPTERS_TYPE)
            if episode.season is not None:
                _add(item, PODCAST, "season", str(episode.season))
            if episode.number is not None:
                _add(item, PODCAST, "episode", str(episode.number))
        for name, href in self.people:
            _add(item, PODCAST, "person", name, href=href)
        return item

    def extend_atom(self, entry: Any) -> Any:  # pragma: no cover - registered for RSS only
        return entry


def describe_show(fg: FeedGenerator, settings: Settings, spec: FeedSpec, self_url: str) -> None:
    """Make the feed the show's: its title, description, artwork and channel tags.

    Call before any entry is added: feedgen offers each extension to the entries added
    after it, and this one has no entry part (so the shared cached entries stay as
    they are).
    """
    show = spec.show
    assert show is not None
    fg.register_extension("show", ShowTags, None, atom=False, rss=True)
    fg.title(show.title)
    fg.description(show.description)
    image = artwork_url(settings, show)
    fg.image(url=image, title=show.title, link=settings.url(spec.group.base_path))
    fg.show.show = show
    fg.show.image = image
    fg.show.guid = show.guid or podcast_guid(self_url)


def episode_entry(fe: FeedEntry, settings: Settings, story: Story, show: Show) -> FeedEntry:
    """Add an episode's tags to an entry made for the show alone; its RSS enclosure is
    the story's first audio enclosure (RSS 2.0 allows one an item)."""
    fe.register_extension("episode", EpisodeTags, atom=False, rss=True)
    fe.episode.story, fe.episode.show = story, show
    fe.episode.people = [(a.name, a.uri or settings.url(Group("author", slugify(a.name))
                                                        .base_path))
                         for a in story.authors]
    audio = audio_of(story)
    if audio is not None:
        fe.links.enclosure = {"url": audio.url, "length": str(audio.length), "type": audio.type}
    return fe

