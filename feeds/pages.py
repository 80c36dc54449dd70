"""Render the HTML pages: listings (front, section, tag, author), stories, and the 404 page.

Every page offers the feeds that fit it, twice: as ``<link rel="alternate">``
for browsers and readers that discover feeds, and as a visible "Follow" block
for people.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from . import urls
from .feedspec import EPOCH, Document, group_title, newest_update, permalink, story_html
from .feedspec import story_summary as summary
from .index import SITE, GroupKey, Snapshot, groups_of
from .render import MEDIA_TYPES
from .story import Story, slugify

HTML = "text/html; charset=utf-8"
LABELS = {"rss.xml": "RSS", "atom.xml": "Atom", "feed.json": "JSON Feed"}

_ENV = Environment(
    loader=PackageLoader("feeds", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["display_date"] = lambda value: f"{value:%-d %B %Y, %H:%M}"


@dataclass(frozen=True, slots=True)
class FeedLink:
    """One feed a page offers."""

    href: str
    type: str
    title: str
    label: str


@dataclass(frozen=True, slots=True)
class FeedSet:
    """The three feeds of one group, as a page shows them."""

    name: str
    page: str
    links: tuple[FeedLink, ...]


def feed_set(snapshot: Snapshot, group: GroupKey) -> FeedSet:
    """Describe a group's feeds for discovery links and the follow block."""
    title, _ = group_title(snapshot, group)
    name = "Everything" if group == SITE else snapshot.names.get(group, group[1])
    settings = snapshot.settings
    return FeedSet(name, urls.base(group), tuple(
        FeedLink(settings.url(urls.feed(group, file)), media.split(";")[0],
                 f"{title} ({LABELS[file]})", LABELS[file])
        for file, media in MEDIA_TYPES.items()
    ))


def _page(template: str, snapshot: Snapshot, groups: list[GroupKey], **context: object) -> bytes:
    settings = snapshot.settings
    return _ENV.get_template(template).render(
        settings=settings,
        feed_sets=[feed_set(snapshot, g) for g in groups if snapshot.count(g)],
        sections=sorted(((name, urls.base(k)) for k, name in snapshot.names.items()
                         if k[0] == "section"), key=lambda pair: pair[0].casefold()),
        href=settings.href,
        story_href=lambda story: settings.href(quote(story.url_path)),
        group_href=lambda kind, name: settings.href(urls.base((kind, slugify(name)))),
        permalink=lambda story: permalink(settings, story),
        summary=summary,
        **context,
    ).encode("utf-8")


def listing_page(snapshot: Snapshot, group: GroupKey, number: int) -> Document | None:
    """Render page ``number`` of a group's stories, newest first; None past the last page."""
    size = snapshot.settings.page_size
    count = snapshot.count(group)
    pages = max(1, math.ceil(count / size))
    if number > pages or (count == 0 and group != SITE):
        return None
    stories = snapshot.latest(group, size, offset=(number - 1) * size)
    title, description = group_title(snapshot, group)
    groups = [SITE] if group == SITE else [group, SITE]
    body = _page(
        "list.html", snapshot, groups, stories=stories, group=group, heading=title,
        description=description, number=number, pages=pages,
        previous=snapshot.settings.href(urls.page(group, number - 1)) if number > 1 else None,
        next=snapshot.settings.href(urls.page(group, number + 1)) if number < pages else None,
    )
    return Document(body, HTML, newest_update(stories))


def story_page(snapshot: Snapshot, story: Story) -> Document:
    """Render a story's permalink page, offering its section's, tags' and authors' feeds too."""
    groups = sorted(groups_of(story) - {SITE}, key=lambda k: ("section", "author", "tag").index(
        k[0]))
    body = _page(
        "story.html", snapshot, [*groups, SITE], story=story,
        body_html=Markup(story_html(snapshot.settings, story)),
    )
    return Document(body, HTML, story.updated)


def not_found_page(snapshot: Snapshot) -> Document:
    """Render the 404 page, which still offers the site's feeds and latest stories."""
    body = _page("not_found.html", snapshot, [SITE], stories=snapshot.latest(SITE, 5))
    return Document(body, HTML, EPOCH)
