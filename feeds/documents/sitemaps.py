"""Write the sitemaps search engines read: the index, its children, and Google News's.

- ``/sitemap.xml`` is a sitemap index (sitemaps.org protocol 0.9, "Using Sitemap index
  files"): one ``<sitemap>`` per child, with the newest ``lastmod`` among its pages.
- ``/sitemap-<n>.xml`` are its children: the home page and every group's page, then every
  live story's page in the order stories were first published, so a full child keeps its
  pages as the site grows. Each holds at most 50,000 URLs and 50 MB (52,428,800 bytes,
  uncompressed), the protocol's limits (``Limits``; a test makes them small). A page's
  ``lastmod`` is its story's ``updated`` (its date when it has none); a group page's, its
  newest story's date.
- ``/news-sitemap.xml`` is Google's news sitemap (namespace
  ``http://www.google.com/schemas/sitemap-news/0.9``): the stories of the last two days, at
  most 1,000, each with the publication's name and language, its publication date and its
  title. The two days are the catalogue's news window (``catalog.store.groups``), moved by
  the publisher as stories age out, so rendering reads no clock and every worker agrees.

W3C Datetime (the protocol's date format) is ISO 8601 with an offset, to the second here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from lxml import etree

from ..catalog.groups import SITE
from ..catalog.store import View
from ..site import urlspace as urls
from .document import Document

MEDIA_TYPE = "application/xml; charset=utf-8"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NEWS_LIMIT = 1000  # Google: at most 1,000 news:news tags in one news sitemap
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one child sitemap may hold (sitemaps.org: 50,000 URLs, 50 MB uncompressed)."""

    urls: int = 50_000
    bytes: int = 52_428_800


LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Page:
    """One ``<url>`` of a child sitemap: its bytes, and when its page last changed."""

    xml: bytes
    modified: datetime


def _w3c(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _url(loc: str, modified: datetime) -> Page:
    """Write one ``<url>`` as text: a tenth of what an lxml element per page costs (a
    100,000-story site lists 100,000), with the standard library's XML escaping."""
    text = f"  <url><loc>{escape(loc)}</loc><lastmod>{_w3c(modified)}</lastmod></url>\n"
    return Page(text.encode(), modified)


def pages(view: View) -> list[Page]:
    """Return every page a child sitemap lists, in order: the groups', then the stories'."""
    settings = view.settings
    zone = settings.timezone
    newest = view.newest_dates()
    found = []
    for group in [SITE, *view.groups()]:
        date = newest.get(group.key)
        if date is not None or group == SITE:
            moment = datetime.fromtimestamp(date or 0, zone)
            found.append(_url(settings.url(group.base_path), moment))
    found += [_url(settings.url(urls.story(listed.path)), datetime.fromisoformat(listed.modified))
              for listed in view.every_story()]
    return found


def children(found: list[Page], limits: Limits | None = None) -> list[list[Page]]:
    """Split the pages into children within ``limits`` (``LIMITS`` unless given; at least
    one child, holding the home page)."""
    limits = limits or LIMITS
    room = limits.bytes - len(_DECLARATION) - len(_open("urlset")) - len(b"</urlset>\n")
    split: list[list[Page]] = [[]]
    size = 0
    for page in found:
        if split[-1] and (len(split[-1]) >= limits.urls or size + len(page.xml) > room):
            split.append([])
            size = 0
        split[-1].append(page)
        size += len(page.xml)
    return split


def _open(root: str) -> bytes:
    return f'<{root} xmlns="{SITEMAP_NS}">\n'.encode()


def render_index(view: View, limits: Limits | None = None) -> Document:
    """Render the sitemap index: a ``<sitemap>`` per child, with its newest ``lastmod``."""
    settings = view.settings
    root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
    for number, child in enumerate(children(pages(view), limits), start=1):
        element = etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
        etree.SubElement(element, f"{{{SITEMAP_NS}}}loc").text = settings.url(
            urls.child_sitemap(number))
        etree.SubElement(element, f"{{{SITEMAP_NS}}}lastmod").text = _w3c(
            max(p.modified for p in child))
    return _document(root)


def _document(root: etree._Element) -> Document:
    return Document(_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False,
                                                  pretty_print=True), MEDIA_TYPE)


def render_child(view: View, number: int, limits: Limits | None = None) -> Document | None:
    """Render child sitemap ``number`` (from 1); None past the last."""
    split = children(pages(view), limits)
    if number > len(split):
        return None
    body = [_DECLARATION, _open("urlset"), *(p.xml for p in split[number - 1]), b"</urlset>\n"]
    return Document(b"".join(body), MEDIA_TYPE)


def news_language(language: str) -> str:
    """Return a BCP 47 tag as Google News wants it: ISO 639 (``pt-BR`` is ``pt``), except
    Chinese, which is ``zh-cn`` (Simplified) or ``zh-tw`` (Traditional)."""
    parts = language.lower().split("-")
    if parts[0] != "zh":
        return parts[0]
    traditional = {"hant", "tw", "hk", "mo"} & set(parts[1:])
    return "zh-tw" if traditional else "zh-cn"


def render_news(view: View) -> Document:
    """Render the news sitemap: the news window's stories, newest first (an empty
    ``urlset`` when none is recent, which Google accepts)."""
    settings = view.settings
    url, news = f"{{{SITEMAP_NS}}}", f"{{{NEWS_NS}}}"
    root = etree.Element(url + "urlset", nsmap={None: SITEMAP_NS, "news": NEWS_NS})
    for story in view.news(NEWS_LIMIT):
        element = etree.SubElement(root, url + "url")
        etree.SubElement(element, url + "loc").text = settings.url(urls.story(story.path))
        item = etree.SubElement(element, news + "news")
        publication = etree.SubElement(item, news + "publication")
        etree.SubElement(publication, news + "name").text = settings.title
        etree.SubElement(publication, news + "language").text = news_language(settings.language)
        etree.SubElement(item, news + "publication_date").text = _w3c(story.date)
        etree.SubElement(item, news + "title").text = story.title
    return _document(root)
