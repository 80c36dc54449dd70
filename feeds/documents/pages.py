"""Render the HTML pages: listings (front, section, tag, author), stories, 410 and 404.

Every page offers feeds twice: as ``<link rel="alternate">`` for browsers and
readers that discover feeds, and as a visible "Follow" block for people. The
links name one group's feeds only: the site's on the front page, story pages and
error pages, a section's, tag's or author's on its own page. Tools that take the
first link and tools that take the last (gPodder takes the last RSS or Atom one,
and subscribed to a one-story tag feed from a story page) then subscribe to what
the page is about, whatever type they look for. The Follow block offers every
feed of the page's groups, and the two OPML lists.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import ChoiceLoader, Environment, FunctionLoader, PackageLoader, select_autoescape
from markupsafe import Markup

from ..catalog.groups import SITE, Group, groups_of
from ..catalog.store import View
from ..site import kinds
from ..site import urlspace as urls
from ..site.config import Settings
from ..site.formats import FORMATS
from ..site.podcasts import Show, audio_of
from ..site.story import Enclosure, Story, slugify
from .document import HTML, Document
from .items import body_html, permalink, summary
from .podcast import artwork_url
from .structured import graph, item_list, ld_json, news_article, podcast_series, story_meta

_FILES = PackageLoader("feeds", "templates")
SLOTS = {"_byline.html": "byline", "_end.html": "end"}  # where pages show a story's groups


def _slot(name: str) -> tuple[str, None, Callable[[], bool]] | None:
    """Make the template of a slot (``SLOTS``) from the kinds' parts, in their order: one
    template, so that a listing includes each story's parts at once, where an include per
    part would copy the page's context for each (a tenth of rendering a listing)."""
    slot = SLOTS.get(name)
    if slot is None:
        return None
    parts = kinds.parts(slot)
    source = "".join(part.source if part.source is not None else
                     _FILES.get_source(_ENV, part.template)[0] for part in parts)
    return source, None, lambda: kinds.parts(slot) == parts


_ENV = Environment(
    loader=ChoiceLoader([FunctionLoader(_slot), _FILES]),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["display_date"] = lambda value: f"{value:%-d %B %Y, %H:%M}"


def freeze_templates() -> None:
    """Stop looking at the template files for changes (a build renders thousands of pages)."""
    _ENV.auto_reload = False


@dataclass(frozen=True, slots=True)
class FeedLink:
    """One feed a page offers."""

    href: str
    type: str
    title: str
    label: str


@dataclass(frozen=True, slots=True)
class FeedSet:
    """The feeds of one group, as a page shows them."""

    name: str
    page: str
    links: tuple[FeedLink, ...]


def feed_set(view: View, group: Group) -> FeedSet:
    """Describe a group's feeds for discovery links and the follow block.

    A show's podcast feed is named as the show and offered last: podcast apps given the
    page's address take the last RSS or Atom link (gPodder does), and get the show.
    """
    settings = view.settings
    title = group.title(settings.title)
    show = show_of(view, group)
    if show is None:
        return FeedSet(group.label(), group.base_path, tuple(
            FeedLink(settings.url(urls.feed(group, f)), f.media_type, f"{title} ({f.label})",
                     f.label)
            for f in FORMATS
        ))
    return FeedSet(group.label(), group.base_path, tuple(
        FeedLink(settings.url(urls.feed(group, f)), f.media_type,
                 f"{show.title} (podcast, {f.label})" if f.podcast else f"{title} ({f.label})",
                 f"Podcast ({f.label})" if f.podcast else f.label)
        for f in sorted(FORMATS, key=lambda f: f.podcast)
    ))


def _page(template: str, view: View, groups: list[Group], **context: object) -> bytes:
    """Render a page whose discovery links are the first group's feeds, and whose Follow
    block offers every group's."""
    settings = view.settings
    feed_sets = [feed_set(view, g) for g in groups]
    return _ENV.get_template(template).render(
        settings=settings,
        discovery=feed_sets[0],
        feed_sets=feed_sets,
        subscribe_opml=urls.SUBSCRIBE_OPML, every_opml=urls.OPML,
        sections=[(g.name, g.base_path) for g in view.groups("section")],
        href=settings.href,
        story_href=lambda story: settings.href(urls.story(story.path)),
        group_href=lambda kind, name: settings.href(Group(kind, slugify(name)).base_path),
        group_names=lambda kind, story: kinds.kind(kind).names(story),
        permalink=lambda story: permalink(settings, story),
        summary=summary,
        **context,
    ).encode("utf-8")


@dataclass(frozen=True, slots=True)
class ShowPage:
    """What a show's page offers beside its episodes (``site.podcasts``)."""

    title: str
    description: str
    artwork: str
    feed: str
    show: Show
    audio: Callable[[Story], Enclosure | None] = audio_of


def show_of(view: View, group: Group) -> ShowPage | None:
    """Describe the show a section is, for its page; None for any other group."""
    show = view.settings.podcasts.of(group.slug) if group.kind == "section" else None
    if show is None:
        return None
    settings = view.settings
    podcast = next(f for f in FORMATS if f.podcast)
    return ShowPage(show.title, show.description, artwork_url(settings, show),
                    settings.url(urls.feed(group, podcast)), show)


def _series(settings: Settings, page: ShowPage, stories: list[Story],
            url: str) -> dict[str, Any]:
    """Return a show page's ``PodcastSeries``: the show, and this page's episodes."""
    episodes = [(story, audio) for story in stories if (audio := page.audio(story)) is not None]
    return podcast_series(settings, page.show, episodes, url, page.feed, page.artwork)


def listing_page(view: View, key: str, number: int) -> Document | None:
    """Render page ``number`` of a group's stories by date, newest first; None past the end."""
    info = view.group(key)
    if info is None:
        return None
    size = view.settings.page_size
    pages = max(1, math.ceil(info.live / size))
    if number > pages:
        return None
    group = info.group
    stories = view.by_date(key, size, offset=(number - 1) * size)
    settings = view.settings
    show = show_of(view, group)
    canonical = settings.url(urls.page(group, number))
    structured = item_list(settings, stories, (number - 1) * size + 1)
    if show is not None:
        structured = graph(structured, _series(settings, show, stories, canonical))
    body = _page(
        "list.html", view, [SITE] if group == SITE else [group, SITE], stories=stories,
        group=group, heading=group.title(settings.title), show=show,
        description=group.description(settings.title, settings.description),
        number=number, pages=pages, canonical=canonical, structured=ld_json(structured),
        previous=settings.href(urls.page(group, number - 1)) if number > 1 else None,
        next=settings.href(urls.page(group, number + 1)) if number < pages else None,
    )
    return Document(body, HTML)


def story_page(view: View, story: Story) -> Document:
    """Render a story's page, offering the site's feeds, then its groups' in the order of
    their kinds' ``follow`` (its section's, authors', tags')."""
    named = [view.group_name(g.key) for g in groups_of(story)[1:]]
    groups = sorted((g for g in named if g is not None),
                    key=lambda g: kinds.kind(g.kind).follow)
    settings = view.settings
    body = _page("story.html", view, [SITE, *groups], story=story,
                 body_html=Markup(body_html(settings, story)),
                 meta=story_meta(settings, story),
                 structured=ld_json(news_article(settings, story)))
    return Document(body, HTML)


def gone_page(view: View) -> Document:
    """Render the page of a story that was published and then removed (410 Gone)."""
    body = _page("gone.html", view, [SITE], stories=view.by_date(SITE.key, 5))
    return Document(body, HTML, status=410)


def not_found_page(view: View) -> Document:
    """Render the 404 page, which still offers the site's feeds and latest stories."""
    body = _page("not_found.html", view, [SITE], stories=view.by_date(SITE.key, 5))
    return Document(body, HTML, status=404)
