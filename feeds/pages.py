"""Render the HTML pages the feed items link to, with Jinja templates."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .index import SITE, Snapshot
from .render import (
    EPOCH,
    MEDIA_TYPES,
    Document,
    newest_update,
    permalink,
    story_html,
    story_summary,
)
from .story import Story

HTML = "text/html; charset=utf-8"

_ENV = Environment(
    loader=PackageLoader("feeds", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _display_date(value: datetime) -> str:
    return f"{value:%-d %B %Y, %H:%M}"


_ENV.filters["display_date"] = _display_date


def _feeds(snapshot: Snapshot, path: str, title: str) -> list[dict[str, str]]:
    """Describe the feeds a page offers, for autodiscovery links and the follow block."""
    labels = {"rss.xml": "RSS", "atom.xml": "Atom", "feed.json": "JSON Feed"}
    return [
        {"href": snapshot.settings.url(path + name), "type": media.split(";")[0],
         "title": f"{title} ({labels[name]})", "label": labels[name]}
        for name, media in MEDIA_TYPES.items()
    ]


def _page(template: str, snapshot: Snapshot, **context: object) -> bytes:
    settings = snapshot.settings
    return _ENV.get_template(template).render(
        settings=settings,
        site_feeds=_feeds(snapshot, "/", settings.title),
        url=settings.url,
        href=settings.href,
        permalink=lambda story: permalink(settings, story),
        story_href=lambda story: settings.href(quote(story.url_path)),
        summary=story_summary,
        **context,
    ).encode("utf-8")


def front_page(snapshot: Snapshot) -> Document:
    """Render ``/``: the latest stories."""
    stories = snapshot.latest(SITE, snapshot.settings.page_size)
    body = _page("front.html", snapshot, stories=stories)
    return Document(body, HTML, newest_update(stories))


def story_page(snapshot: Snapshot, story: Story) -> Document:
    """Render a story's permalink page."""
    body = _page(
        "story.html", snapshot, story=story,
        body_html=Markup(story_html(snapshot.settings, story)),
    )
    return Document(body, HTML, story.updated)


def not_found_page(snapshot: Snapshot) -> Document:
    """Render the 404 page, which still offers the site's feeds and latest stories."""
    body = _page("not_found.html", snapshot, stories=snapshot.latest(SITE, 5))
    return Document(body, HTML, EPOCH)
