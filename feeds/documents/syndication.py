"""Write feed documents: RSS 2.0 and Atom 1.0 with feedgen, JSON Feed 1.1 by hand.

Each format has one writer behind the same signature, fed a ``FeedSpec``.
Same content, same bytes: feedgen's "now" defaults for ``updated`` and
``lastBuildDate``, its prepend order and its version in ``generator`` are all
set explicitly here. Dates are written in UTC, as ``Z`` in Atom and JSON Feed
and as ``GMT`` in RSS: the moment is the story's, only the notation is the one
every parser reads (some take ``+04:00`` for local time).
"""

from __future__ import annotations

import html
import json
import math
import sys
from datetime import UTC, datetime

from feedgen.entry import FeedEntry
from feedgen.ext.media import MediaEntryExtension
from feedgen.feed import FeedGenerator

from .. import __version__
from ..site import urlspace as urls
from ..site.config import Settings
from ..site.formats import Format
from ..site.ids import atom_id
from ..site.story import Author, Story
from .archives import FeedSpec
from .feedlinks import EntryLinks, FeedLinks
from .items import categories, content_html, permalink, summary
from .memory import ByteLRU
from .podcast import describe_show, episode_entry

GENERATOR = "feeds"
ENTRY_CACHE = 8 << 20  # bytes of feed entries kept (a serving worker sets its own share)
ENTRY_STRUCTURE = 6656  # bytes of an entry beyond its texts (the dict entry included)
ENTRY_PART = 500  # ... and for each category, author, enclosure and image
GENERATOR_URI = "https://pypi.org/project/feeds/"
NO_ADDRESS = "noreply@example.com"  # an RSS <author> must start with an address: rss_author


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def iso_z(moment: datetime) -> str:
    """Return an RFC 3339 date in UTC with ``Z`` (RFC 4287 3.3, JSON Feed 1.1)."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _site_author(settings: Settings) -> Author:
    # RFC 4287 4.1.1: a feed needs an author unless every entry has one; the
    # site itself stands in when config.yaml names nobody.
    return settings.author or Author(settings.title)


def _title(settings: Settings, spec: FeedSpec) -> str:
    title = spec.group.title(settings.title)
    return f"{title} (archive {spec.archive_page})" if spec.archive_page else title


def _generator(settings: Settings, spec: FeedSpec, fmt: Format) -> FeedGenerator:
    fg = FeedGenerator()
    fg.load_extension("media", atom=True, rss=True)
    fg.register_extension("links", FeedLinks, EntryLinks, atom=True, rss=True)
    page = settings.url(spec.group.base_path)
    fg.id(page)  # archive pages share it: they are parts of the same feed (RFC 5005)
    fg.title(_title(settings, spec))
    description = spec.group.description(settings.title, settings.description)
    fg.description(description)
    fg.subtitle(description)
    # feedgen takes the *last* link as RSS <link>, so the page goes last.
    fg.link(href=settings.url(spec.self_path(fmt)), rel="self", type=fmt.media_type)
    for hub in settings.hubs:  # WebSub 4: rel="hub" beside rel="self"
        fg.link(href=hub, rel="hub")
    fg.links.hubs = list(settings.hubs)
    # RFC 5005's links lead to pages of this same feed: its archived format's.
    if spec.archive_page:
        fg.link(href=settings.url(urls.feed(spec.group, fmt)), rel="current", type=fmt.media_type)
    if spec.prev_archive:
        fg.link(href=settings.url(spec.prev_archive), rel="prev-archive", type=fmt.media_type)
    if spec.next_archive:
        fg.link(href=settings.url(spec.next_archive), rel="next-archive", type=fmt.media_type)
    fg.links.history = spec.history
    fg.links.tombstones = [(atom_id(m.id), iso_z(datetime.fromtimestamp(m.removed_at or 0, UTC)))
                           for m in spec.tombstones]
    fg.link(href=page, rel="alternate", type="text/html")
    fg.language(settings.language)
    fg.generator(GENERATOR, version=__version__, uri=GENERATOR_URI)
    fg.updated(utc(spec.updated))
    fg.lastBuildDate(utc(spec.updated))
    author = _site_author(settings)
    fg.author({k: v for k, v in (("name", author.name), ("email", author.email),
                                 ("uri", author.uri)) if v})
    if settings.copyright:
        fg.rights(settings.copyright)
    if spec.show is not None and fmt.podcast:  # a show's feed: its entries are its own
        describe_show(fg, settings, spec, settings.url(spec.self_path(fmt)))
        for story in spec.entries:
            fg.add_entry(episode_entry(_entry(settings, story), settings, story, spec.show),
                         order="append")
        return fg
    for story in spec.entries:
        fg.add_entry(_cached_entry(settings, story), order="append")
    return fg


def _cached_entry(settings: Settings, story: Story) -> FeedEntry:
    """Return the story's feed entry, made once while it stays in ``_ENTRIES``: a story is in
    many feeds (its groups', in each format, and their archive pages), and feedgen only
    reads an entry to write it."""
    key = (settings, story)
    found = _ENTRIES.get(key)
    if found is None:
        found = _entry(settings, story)
        _ENTRIES.put(key, found)
    return found


_ENTRIES: ByteLRU[tuple[Settings, Story], FeedEntry] = ByteLRU(
    ENTRY_CACHE, lambda key, _: entry_cost(*key))


def entry_cost(settings: Settings, story: Story) -> int:
    """Return the bytes a story's cached entry holds: feedgen's structure (measured with
    ``memory.deep_size``: 6.5 KB, and half a KB a category or author) and the story's texts.
    Estimated, as walking an entry takes four times as long as making one."""
    parts = len(categories(story)) + len(story.authors) + len(story.enclosures) + bool(
        story.image)
    return (ENTRY_STRUCTURE + ENTRY_PART * parts + sys.getsizeof(story.body)
            + sys.getsizeof(story.title) + sys.getsizeof(content_html(settings, story))
            + sys.getsizeof(summary(story)))


def widen_entry_cache(budget: int) -> None:
    """Keep more entries in this process (a static build writes every story into several
    feeds and archive pages): ``budget`` bytes, if more than now."""
    _ENTRIES.resize(max(_ENTRIES.budget, budget))


def entry_cache(budget: int | None = None) -> int:
    """Return the bytes the feed entry cache holds; ``budget`` sets its budget first (a
    serving worker's share of ``document_cache_mb``)."""
    if budget is not None:
        _ENTRIES.resize(budget)
    return _ENTRIES.size


def _entry(settings: Settings, story: Story) -> FeedEntry:
    fe = FeedEntry()
    # The classes load_extension would import by name: its failed import of a module
    # "feedgen.ext.<name>_entry" first cost a third of rendering an archive page.
    fe.register_extension("media", MediaEntryExtension, atom=True, rss=True)
    fe.register_extension("links", EntryLinks, atom=True, rss=True)
    url = permalink(settings, story)
    fe.id(story.id)
    fe.guid(story.id, permalink=story.id == url)
    if atom_id(story.id) != story.id:  # an RSS guid kept from an old feed, not a URI: Atom
        fe._FeedEntry__atom_id = atom_id(story.id)  # gets its own (feedgen's guid() and id()
        # each set both, so the Atom one is set alone here)
    fe.title(story.title)
    fe.link(href=url, rel="alternate", type="text/html")
    if story.link:
        fe.links.links.append({"rel": "related", "href": story.link, "type": "text/html"})
    fe.published(utc(story.date))
    fe.updated(utc(story.updated))
    for author in story.authors:
        fe.author({k: v for k, v in (("name", author.name), ("email", author.email),
                                     ("uri", author.uri)) if v})
    if story.authors:
        fe.links.rss_author = rss_author(story.authors)
    for term in categories(story):
        fe.category(term=term)
    _media(fe, story)
    # RSS description is an HTML synopsis (escape the plain text once), and the
    # whole story goes in content:encoded; Atom keeps summary as text and
    # content as HTML (RFC 4287 4.1.3, 4.2.13).
    # (feedgen couples these setters, so the order below matters.)
    text = summary(story)
    fe.summary(text, type="text")
    fe.description(html.escape(text, quote=False), isSummary=False)
    fe.content(content_html(settings, story), type="html")
    return fe


def rss_author(authors: tuple[Author, ...]) -> str:
    """Return an item's RSS 2.0 ``<author>``: an address, then the names in brackets.

    RSS 2.0 allows one ``<author>`` per item, holding "the email address of the
    author", and readers that read only it (rsstail through libmrss, atoma) show its
    text as it is: ``dc:creator`` alone left them with no author. The form is RFC
    822's ``address (Names)``, which feedparser splits into ``author_detail``'s name
    and email and the W3C validator accepts. An author without an address (most
    newsrooms publish none) gets ``noreply@example.com``, a domain reserved by RFC
    2606 that accepts no mail, the convention Blogger's feeds made familiar; one
    address is given only when it is the single author's own.
    """
    names = ", ".join(author.name for author in authors)
    single = authors[0].email if len(authors) == 1 else None
    return f"{single or NO_ADDRESS} ({names})"


def _media(fe: FeedEntry, story: Story) -> None:
    """Add the lead image (Media RSS) and the enclosures (RSS 2.0, RFC 4287 4.2.7.2).

    The image is a ``media:thumbnail`` only. Podcast apps take every RSS
    ``media:content``, whatever its ``medium``, as an episode's download
    (podcastparser, which gPodder uses, maps ``item/media:content`` and
    ``item/media:group/media:content`` to enclosures), and feedparser takes a
    ``media:description`` as the item's summary (rss2email's text mails showed
    the alt text instead of the story). A thumbnail is what Media RSS readers
    show beside an item and what podcast apps show as episode art; the alt text
    is in the content's ``<figure>``.
    """
    if story.image:
        fe.media.thumbnail(url=story.image.url, group=None)
    for enclosure in story.enclosures:
        fe.links.links.append({"rel": "enclosure", "href": enclosure.url,
                               "type": enclosure.type, "length": str(enclosure.length)})
    if story.enclosures:  # RSS 2.0 allows one enclosure per item: the first
        first = story.enclosures[0]
        fe.links.enclosure = {"url": first.url, "length": str(first.length), "type": first.type}


def write_rss(settings: Settings, spec: FeedSpec, fmt: Format) -> bytes:
    fg = _generator(settings, spec, fmt)
    fg.ttl(max(1, math.ceil(settings.cache_max_age / 60)))
    fg.docs("https://www.rssboard.org/rss-specification")
    body: bytes = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return body


def write_atom(settings: Settings, spec: FeedSpec, fmt: Format) -> bytes:
    fg = _generator(settings, spec, fmt)
    body: bytes = fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return body


def write_json(settings: Settings, spec: FeedSpec, fmt: Format) -> bytes:
    """Write JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
    group = spec.group
    feed: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _title(settings, spec),
        "home_page_url": settings.url(group.base_path),
        "feed_url": settings.url(spec.self_path(fmt)),
        "description": group.description(settings.title, settings.description),
        "language": settings.language,
        # JSON Feed 1.1 keeps 1.0's single ``author`` beside ``authors`` for 1.0 readers.
        "author": _json_author(_site_author(settings)),
        "authors": [_json_author(_site_author(settings))],
        **({"hubs": [{"type": "WebSub", "url": hub} for hub in settings.hubs]}
           if settings.hubs else {}),
        "items": [_json_item(settings, s) for s in spec.entries],
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _json_author(author: Author) -> dict[str, str]:
    data = {"name": author.name}
    if author.uri:
        data["url"] = author.uri
    return data


def _json_item(settings: Settings, story: Story) -> dict[str, object]:
    item: dict[str, object] = {
        "id": story.id,
        "url": permalink(settings, story),
        "title": story.title,
        "content_html": content_html(settings, story),
        "summary": summary(story),
        "date_published": iso_z(story.date),
        "date_modified": iso_z(story.updated),
    }
    if story.link:
        item["external_url"] = story.link
    if story.authors:
        item["author"] = _json_author(story.authors[0])
        item["authors"] = [_json_author(a) for a in story.authors]
    if story.image:
        item["image"] = story.image.url
    tags = categories(story)
    if tags:
        item["tags"] = tags
    if story.enclosures:
        item["attachments"] = [
            {"url": e.url, "mime_type": e.type, **({"size_in_bytes": e.length} if e.length else {})}
            for e in story.enclosures
        ]
    return item
