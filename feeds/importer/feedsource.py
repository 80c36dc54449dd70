"""Read a feed (RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed 1.0/1.1) and its
whole history: RFC 5005 archive pages (``prev-archive``) and paged feeds (``next``), JSON
Feed's ``next_url``, and WordPress' ``?paged=2``, ``?paged=3``... until they end.

A source is read whole or not at all: a page that cannot be read stops the source,
and nothing of it is imported (a half-read history would import as if the rest
had been deleted). Pages are read one at a time into the spool, so memory stays
that of one page however long the history (and a history past
``MAX_HISTORY_ITEMS`` items or ``MAX_PAGES`` pages is refused, so a feed that keeps
giving new items cannot keep an import going).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import urljoin

import feedparser

from .convert import plain_text
from .fetch import Fetched, FetchError, is_url
from .items import Enclosure, Item, SourceReport, from_struct, parse_date
from .reading import Reading

MAX_PAGES = 10_000  # pages of one feed's history
MAX_HISTORY_ITEMS = 100_000  # items of one feed's history: an archive that size is moved
# with the platform's export; a feed that keeps giving new items stops here
_KINDS = {"rss090": "RSS 0.90", "rss091n": "RSS 0.91", "rss091u": "RSS 0.91", "rss092": "RSS 0.92",
          "rss093": "RSS 0.93", "rss094": "RSS 0.94", "rss20": "RSS 2.0", "rss10": "RSS 1.0",
          "rss": "RSS", "atom01": "Atom 0.1", "atom02": "Atom 0.2", "atom03": "Atom 0.3",
          "atom10": "Atom 1.0", "atom": "Atom", "cdf": "CDF"}
_CLOSING = re.compile(rb"</(?:[a-z]+:)?(?:rss|feed|RDF)>\s*$", re.IGNORECASE)


def is_json_feed(fetched: Fetched) -> bool:
    return fetched.content_type.endswith("json") or fetched.body.lstrip()[:1] == b"{"


def read_feed(first: Fetched, reading: Reading) -> SourceReport:
    """Read a feed and every page of its history into the spool, page by page: items newest
    first, each id once (the first page's version of an item wins: it is the newest)."""
    source, fetched = reading.source, first
    seen = {first.url}
    wordpress_page = 1
    while True:
        page, items, following, wordpress = _read_page(fetched, source)
        if reading.report is None:
            reading.report = page
        report = reading.report
        fresh = sum(reading.add(item) for item in items)
        if reading.spool.count > MAX_HISTORY_ITEMS:
            raise FetchError(f"{source}: its history runs past {MAX_HISTORY_ITEMS:,} items "
                             f"({report.pages:,} pages), so nothing of it is imported: import "
                             "the archive from the platform's export instead.")
        if wordpress and not following and fresh and is_url(source):
            wordpress_page += 1  # (a site that ignores ?paged gives nothing new: the end)
            following = [_with_page(first.url, wordpress_page)]
        following = [u for u in following if u not in seen]
        if not following:
            report.items = reading.spool.count
            return report
        if len(seen) >= MAX_PAGES:
            raise FetchError(f"{source}: its history runs past {MAX_PAGES:,} pages: import "
                             "the rest from the platform's export or an archive file.")
        seen.add(following[0])
        try:
            fetched = reading.fetcher.fetch(following[0])
        except FetchError as error:
            if wordpress and error.status == 404:
                report.items = reading.spool.count
                return report  # WordPress' pages end in a 404
            raise FetchError(f"{source}: page {len(seen)} of its history ({following[0]}) "
                             f"cannot be read, so nothing of it is imported: {error.message}"
                             ) from None
        report.pages += 1


def _with_page(url: str, number: int) -> str:
    base = re.sub(r"([?&])paged=\d+&?", r"\1", url).rstrip("?&")
    return f"{base}{'&' if '?' in base else '?'}paged={number}"


Page = tuple[SourceReport, list[Item], list[str], bool]  # what it is, its items, the pages
# it leads to, whether WordPress wrote it


def _read_page(fetched: Fetched, source: str) -> Page:
    if is_json_feed(fetched):
        return _read_json(fetched, source)
    return _read_xml(fetched, source)


def _read_xml(fetched: Fetched, source: str) -> Page:
    parsed = feedparser.parse(fetched.body, response_headers={
        "content-location": fetched.url, "content-type": fetched.content_type or "text/xml"})
    kind = _KINDS.get(parsed.version or "")
    if kind is None:
        raise FetchError(_not_a_feed(fetched, source))
    if parsed.bozo and not _CLOSING.search(fetched.body.rstrip()):
        raise FetchError(f"{source}: the feed ends before its last tag (a page cut short?), "
                         "so nothing of it is imported: try again, or save it whole and "
                         "import the file.")
    feed = parsed.feed
    links = feed.get("links", [])
    following = [urljoin(fetched.url, link["href"]) for link in links
                 if link.get("rel") in ("prev-archive", "next") and link.get("href")]
    generator = (feed.get("generator", "") + " " +
                 feed.get("generator_detail", {}).get("href", "")).lower()
    report = SourceReport(source, kind, feed_url=_self_link(links) or fetched.url,
                          format="atom" if kind.startswith("Atom") else "rss")
    items = [_entry_item(entry, f"item {index} of {fetched.url}")
             for index, entry in enumerate(parsed.entries, start=1)]
    return report, items, following, "wordpress" in generator


def _self_link(links: list[Any]) -> str | None:
    return next((link["href"] for link in links if link.get("rel") == "self"), None)


def _not_a_feed(fetched: Fetched, source: str) -> str:
    start = fetched.body[:4096].lower()
    if b"<html" in start or b"<!doctype html" in start:
        found = re.search(rb'<link[^>]+type="application/(?:rss|atom)\+xml"[^>]*>', start)
        href = re.search(rb'href="([^"]+)"', found.group(0)) if found else None
        hint = (f" The page names a feed: {urljoin(fetched.url, href.group(1).decode())}"
                if href else " Look for its feed's address (often /feed/ or /rss.xml).")
        return f"{source}: this is a web page, not a feed.{hint}"
    return (f"{source}: this is not an RSS, Atom or JSON feed, nor a WordPress export: check "
            "the address or the file.")


def _entry_item(entry: Any, position: str) -> Item:
    content = entry.get("content") or []
    html = content[0].get("value", "") if content else ""
    summary = entry.get("summary")
    summary_type = entry.get("summary_detail", {}).get("type", "text/plain")
    if not html and summary:
        html, summary = summary if "html" in summary_type else _escape(summary), None
    title = entry.get("title", "")
    if "html" in entry.get("title_detail", {}).get("type", "") and "<" in title:
        title = plain_text(title)
    item = Item(
        position=position, id=entry.get("id") or None, link=entry.get("link"), title=title,
        date=_date(entry, "published") or _date(entry, "updated"),
        updated=_date(entry, "updated"),
        authors=[_author(a) for a in entry.get("authors", []) if a.get("name")],
        categories=[t.get("term") or t.get("label") for t in entry.get("tags", [])
                    if t.get("term") or t.get("label")],
        summary=plain_text(summary) if summary and "html" in summary_type else summary,
        html=html, image=_image(entry),
        enclosures=[Enclosure(e["href"], e.get("type", ""), _length(e.get("length")))
                    for e in entry.get("enclosures", []) if e.get("href")])
    return item


def _escape(text: str) -> str:
    from html import escape

    return escape(text).replace("\n\n", "</p><p>")


def _date(entry: Any, key: str) -> Any:
    if not dict.__contains__(entry, key):  # (feedparser would offer "updated" for "published")
        return None
    return parse_date(entry[key]) or from_struct(entry.get(f"{key}_parsed"))


def _author(value: Any) -> dict[str, str]:
    return {k: v for k, v in (("name", value.get("name")), ("email", value.get("email")),
                              ("uri", value.get("href"))) if v}


def _length(value: Any) -> int:
    try:
        return max(0, int(str(value).strip()))
    except ValueError:
        return 0


def _image(entry: Any) -> tuple[str, str] | None:
    for media in entry.get("media_content", []):
        if media.get("url") and (media.get("medium") == "image"
                                 or str(media.get("type", "")).startswith("image/")):
            return media["url"], ""
    for thumbnail in entry.get("media_thumbnail", []):
        if thumbnail.get("url"):
            return thumbnail["url"], ""
    return None


def _read_json(fetched: Fetched, source: str) -> Page:
    try:
        data = json.loads(fetched.body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise FetchError(f"{source}: this is not valid JSON ({str(exc)[:100]}), so not a JSON "
                         "Feed: check the address or the file.") from None
    version = data.get("version", "") if isinstance(data, dict) else ""
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        raise FetchError(f"{source}: this JSON is not a JSON Feed (no jsonfeed.org version): "
                         "check the address or the file.")
    report = SourceReport(source, f"JSON Feed {version.rsplit('/', 1)[-1]}",
                          feed_url=_text(data.get("feed_url")) or fetched.url, format="json")
    items = data.get("items")
    if not isinstance(items, list):
        raise FetchError(f"{source}: a JSON Feed without an items list: check the file.")
    found = [_json_item(value, data, f"item {index} of {fetched.url}")
             for index, value in enumerate(items, start=1) if isinstance(value, dict)]
    following = [urljoin(fetched.url, data["next_url"])] if _text(data.get("next_url")) else []
    return report, found, following, False


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _json_item(value: dict[str, Any], feed: dict[str, Any], position: str) -> Item:
    authors = value.get("authors") or ([value["author"]] if value.get("author") else None) \
        or feed.get("authors") or ([feed["author"]] if feed.get("author") else [])
    html = _text(value.get("content_html")) or _escape(_text(value.get("content_text")))
    image = _text(value.get("image")) or _text(value.get("banner_image"))
    raw_id = value.get("id")
    return Item(
        position=position,
        id=str(raw_id).strip() if isinstance(raw_id, str | int) and str(raw_id).strip() else None,
        link=_text(value.get("url")) or None, title=_text(value.get("title")),
        date=parse_date(_text(value.get("date_published"))),
        updated=parse_date(_text(value.get("date_modified"))),
        authors=[{k: _text(a.get(k2)) for k, k2 in (("name", "name"), ("uri", "url"))
                  if _text(a.get(k2))} for a in authors
                 if isinstance(a, dict) and _text(a.get("name"))],
        categories=[t.strip() for t in value.get("tags") or [] if isinstance(t, str) and t.strip()],
        summary=_text(value.get("summary")) or None, html=html,
        image=(image, "") if image else None,
        enclosures=[Enclosure(_text(a.get("url")), _text(a.get("mime_type")),
                              _length(a.get("size_in_bytes")))
                    for a in value.get("attachments") or []
                    if isinstance(a, dict) and _text(a.get("url"))])


def derived_item_id(item: Item) -> str:
    """An id for an item that has neither id nor link, from what it says: the same at every
    import of the same item (two items saying exactly the same are one)."""
    key = f"{item.title}|{item.html[:4000]}"  # (not the date: one may be given it later)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'feeds-import:' + key)}"
