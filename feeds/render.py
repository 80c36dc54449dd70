"""Write feed documents: RSS 2.0 and Atom 1.0 with feedgen, JSON Feed 1.1 by hand.

Each format has one writer behind the same signature, fed a ``FeedSpec``.
Same content, same bytes: feedgen's "now" defaults for ``updated`` and
``lastBuildDate``, its prepend order and its version in ``generator`` are all
set explicitly here.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from . import __version__, urls
from .config import Settings
from .feedlinks import EntryLinks, FeedLinks
from .feedspec import (
    Document,
    FeedSpec,
    categories,
    newest_update,
    permalink,
    story_html,
    story_summary,
)
from .index import Snapshot
from .story import Author, Story

GENERATOR = "feeds"
GENERATOR_URI = "https://pypi.org/project/feeds/"

MEDIA_TYPES = {
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
}


def render_feed(snapshot: Snapshot, spec: FeedSpec, name: str) -> Document:
    """Render one feed of ``spec`` in the format its file ``name`` says."""
    body = WRITERS[name](snapshot.settings, spec)
    return Document(body, MEDIA_TYPES[name], newest_update(spec.stories))


def _site_author(settings: Settings) -> Author:
    # RFC 4287 4.1.1: a feed needs an author unless every entry has one; the
    # site itself stands in when config.yaml names nobody.
    return settings.author or Author(settings.title)


def _generator(spec: FeedSpec, settings: Settings, name: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.load_extension("media", atom=True, rss=True)
    fg.register_extension("links", FeedLinks, EntryLinks, atom=True, rss=True)
    page = settings.url(spec.page_path())
    fg.id(page)  # archive pages share it: they are parts of the same feed (RFC 5005)
    fg.title(spec.title)
    fg.description(spec.description)
    fg.subtitle(spec.description)
    # feedgen takes the *last* link as RSS <link>, so the page goes last.
    fg.link(href=settings.url(spec.self_path(name)), rel="self",
            type=MEDIA_TYPES[name].split(";")[0])
    for hub in settings.hubs:  # WebSub 4: rel="hub" beside rel="self"
        fg.link(href=hub, rel="hub")
    fg.links.hubs = list(settings.hubs)
    if spec.archive_page:
        fg.link(href=settings.url(urls.feed(spec.group, "atom.xml")), rel="current",
                type="application/atom+xml")
    if spec.prev_archive:
        fg.link(href=settings.url(spec.prev_archive), rel="prev-archive",
                type="application/atom+xml")
    if spec.next_archive:
        fg.link(href=settings.url(spec.next_archive), rel="next-archive",
                type="application/atom+xml")
    fg.links.history = spec.history
    fg.link(href=page, rel="alternate", type="text/html")
    fg.language(settings.language)
    fg.generator(GENERATOR, version=__version__, uri=GENERATOR_URI)
    fg.updated(newest_update(spec.stories))
    author = _site_author(settings)
    fg.author({k: v for k, v in (("name", author.name), ("email", author.email),
                                 ("uri", author.uri)) if v})
    if settings.copyright:
        fg.rights(settings.copyright)
    for story in spec.stories:
        fg.add_entry(_entry(settings, story), order="append")
    return fg


def _entry(settings: Settings, story: Story) -> FeedEntry:
    fe = FeedEntry()
    fe.load_extension("dc", atom=False, rss=True)
    fe.load_extension("media", atom=True, rss=True)
    fe.register_extension("links", EntryLinks, atom=True, rss=True)
    url = permalink(settings, story)
    fe.id(story.id)
    fe.guid(story.id, permalink=story.id == url)
    fe.title(story.title)
    fe.link(href=url, rel="alternate", type="text/html")
    if story.link:
        fe.links.links.append({"rel": "related", "href": story.link, "type": "text/html"})
    fe.published(story.date)
    fe.updated(story.updated)
    for author in story.authors:
        fe.author({k: v for k, v in (("name", author.name), ("email", author.email),
                                     ("uri", author.uri)) if v})
        fe.dc.dc_creator(author.name)
    for term in categories(story):
        fe.category(term=term)
    _media(fe, story)
    # RSS description is an HTML synopsis (escape the plain text once), and the
    # whole story goes in content:encoded; Atom keeps summary as text and
    # content as HTML (RFC 4287 4.1.3, 4.2.13).
    # (feedgen couples these setters, so the order below matters.)
    summary = story_summary(story)
    fe.summary(summary, type="text")
    fe.description(html.escape(summary, quote=False), isSummary=False)
    fe.content(story_html(settings, story), type="html")
    return fe


def _media(fe: FeedEntry, story: Story) -> None:
    """Add the lead image (Media RSS) and the enclosures (RSS 2.0, RFC 4287 4.2.7.2)."""
    if story.image:
        # One image is no "group of alternatives": no media:group around it.
        fe.media.content(url=story.image.url, medium="image", group=None)
        fe.media.thumbnail(url=story.image.url, group=None)
    for enclosure in story.enclosures:
        fe.links.links.append({"rel": "enclosure", "href": enclosure.url,
                               "type": enclosure.type, "length": str(enclosure.length)})
    if story.enclosures:  # RSS 2.0 allows one enclosure per item: the first
        first = story.enclosures[0]
        fe.links.enclosure = {"url": first.url, "length": str(first.length), "type": first.type}


def _rss(settings: Settings, spec: FeedSpec) -> bytes:
    fg = _generator(spec, settings, "rss.xml")
    fg.ttl(max(1, math.ceil(settings.cache_max_age / 60)))
    fg.docs("https://www.rssboard.org/rss-specification")
    body: bytes = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return body


def _atom(settings: Settings, spec: FeedSpec) -> bytes:
    fg = _generator(spec, settings, "atom.xml")
    body: bytes = fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return body


def _json(settings: Settings, spec: FeedSpec) -> bytes:
    """Write JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
    feed: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": spec.title,
        "home_page_url": settings.url(spec.page_path()),
        "feed_url": settings.url(spec.self_path("feed.json")),
        "description": spec.description,
        "language": settings.language,
        "authors": [_json_author(_site_author(settings))],
        **({"hubs": [{"type": "WebSub", "url": hub} for hub in settings.hubs]}
           if settings.hubs else {}),
        "items": [_json_item(settings, s) for s in spec.stories],
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
        "content_html": story_html(settings, story),
        "summary": story_summary(story),
        "date_published": story.date.isoformat(),
        "date_modified": story.updated.isoformat(),
    }
    if story.link:
        item["external_url"] = story.link
    if story.authors:
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


WRITERS: dict[str, Callable[[Settings, FeedSpec], bytes]] = {
    "rss.xml": _rss,
    "atom.xml": _atom,
    "feed.json": _json,
}
