"""Read a WordPress export file (WXR 1.0-1.2), the file a newsroom leaves WordPress with.

Posts become stories: published and scheduled ones as they are; drafts, pending
and private posts as drafts (``draft: true``: kept, never shown). Pages,
attachments, menu items, revisions, trashed posts and comments are counted and
left out; attachments still give posts their featured image and galleries.
Authors keep their display name only: their account e-mail is not for a feed.

The file is read as a stream (defusedxml: no entity expansion, no external
entities), so a large export costs the memory of its posts, not of its XML.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .convert import MORE, plain_text, wordpress_html
from .fetch import Fetched, FetchError
from .items import Enclosure, Item, SourceReport, parse_date

_NAMESPACES = (("http://wordpress.org/export/1.", "/excerpt/", "excerpt"),
               ("http://wordpress.org/export/1.", "/", "wp"),
               ("http://purl.org/rss/1.0/modules/content/", "", "content"),
               ("http://purl.org/dc/elements/1.1/", "", "dc"))
_POSTS = {"publish": False, "future": False, "draft": True, "pending": True, "private": True}
_LEFT_OUT = {"page": "page", "attachment": "attachment", "nav_menu_item": "menu item",
             "revision": "revision"}  # (counted in the singular: the report adds the s)
NO_DATE = "0000-00-00 00:00:00"


def is_wxr(fetched: Fetched) -> bool:
    return b"wordpress.org/export/" in fetched.body[:65536]


def looks_like_wxr(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return b"wordpress.org/export/" in handle.read(65536)
    except OSError:
        return False


@dataclass(slots=True)
class _Export:
    """What the export says besides its posts: authors, attachments, terms."""

    authors: dict[str, str] = field(default_factory=dict)  # login -> display name
    attachments: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id -> (url,
    # alt, parent id)
    categories: dict[str, str] = field(default_factory=dict)  # term id -> nicename
    posts: list[dict[str, Any]] = field(default_factory=list)
    site: str = ""
    version: str = ""


def read_wxr(source: str, data: Path | bytes) -> SourceReport:
    """Read a WordPress export into a report of its posts (in the file's order)."""
    export = _Export()
    report = SourceReport(source, "WordPress export", format="rss")
    stream = io.BytesIO(data) if isinstance(data, bytes) else open(data, "rb")  # noqa: SIM115
    try:
        for _, element in iterparse(stream, events=("end",)):
            _take(element, export, report)
    except FetchError:
        raise
    except DefusedXmlException:
        raise FetchError(f"{source}: the file declares XML entities or a DTD, which a "
                         "WordPress export never does, so nothing of it is imported.") from None
    except Exception as exc:  # noqa: BLE001 - expat raises several kinds
        line = getattr(exc, "position", (None,))[0]
        where = f" (line {line})" if line else ""
        raise FetchError(f"{source}: the export is not well-formed XML{where}, so nothing of it "
                         "is imported: export it again from WordPress.") from None
    finally:
        stream.close()
    report.kind = f"WordPress export {export.version or '1.x'}"
    report.feed_url = export.site.rstrip("/") + "/feed/" if export.site else None
    for number, post in enumerate(export.posts, start=1):
        item = _post_item(post, export, f"post {post['wp:post_id'] or '?'} "
                                        f"(item {number} of {source})")
        if item is not None:
            report.items.append(item)
    return report


def _name(tag: str) -> str:
    """``{http://wordpress.org/export/1.2/}post_id`` as ``wp:post_id``."""
    if not tag.startswith("{"):
        return tag
    uri, _, local = tag[1:].partition("}")
    for start, end, prefix in _NAMESPACES:
        if uri.startswith(start) and uri.endswith(end) and (end or uri == start):
            return f"{prefix}:{local}"
    return local


def _take(element: Any, export: _Export, report: SourceReport) -> None:
    name = _name(element.tag)
    if name == "item":
        _take_item(element, export, report)
        element.clear()
    elif name == "wp:author":
        fields = _fields(element)
        login = fields.get("wp:author_login", "")
        export.authors[login] = fields.get("wp:author_display_name") or login
        element.clear()
    elif name == "wp:category":
        fields = _fields(element)
        export.categories[fields.get("wp:term_id", "")] = fields.get("wp:category_nicename", "")
        report.groups.append(("category", fields.get("wp:category_nicename", ""),
                              fields.get("wp:cat_name", "")))
        element.clear()
    elif name == "wp:tag":
        fields = _fields(element)
        report.groups.append(("tag", fields.get("wp:tag_slug", ""), fields.get("wp:tag_name", "")))
        element.clear()
    elif name == "wp:wxr_version":
        export.version = (element.text or "").strip()
    elif name == "wp:base_site_url":
        export.site = (element.text or "").strip()
    elif name == "link" and not export.site:  # the channel's own link comes first
        export.site = (element.text or "").strip()


def _fields(element: Any) -> dict[str, str]:
    return {_name(child.tag): (child.text or "").strip() for child in element}


def _take_item(element: Any, export: _Export, report: SourceReport) -> None:
    post: dict[str, Any] = {"categories": [], "tags": [], "meta": {}, "comments": 0}
    for child in element:
        name = _name(child.tag)
        if name == "category":
            domain = child.get("domain", "")
            key = "categories" if domain == "category" else "tags" if domain == "post_tag" else ""
            if key and (child.text or "").strip():
                post[key].append(((child.get("nicename") or ""), child.text.strip()))
        elif name == "wp:postmeta":
            meta = _fields(child)
            post["meta"][meta.get("wp:meta_key", "")] = meta.get("wp:meta_value", "")
        elif name == "wp:comment":
            post["comments"] += 1
        else:
            post[name] = child.text or ""
    post.setdefault("wp:post_id", "")
    if post["comments"]:
        report.leave_out("comment", post["comments"])
    kind = post.get("wp:post_type", "post").strip()
    status = post.get("wp:status", "").strip()
    if kind == "attachment":
        alt = post["meta"].get("_wp_attachment_image_alt", "") or post.get("title", "")
        export.attachments[post["wp:post_id"].strip()] = (
            post.get("wp:attachment_url", "").strip(), alt.strip(),
            post.get("wp:post_parent", "").strip())
    if kind != "post":
        report.leave_out(_LEFT_OUT.get(kind, f"{kind} item"))
    elif status not in _POSTS:
        report.leave_out("trashed post" if status == "trash" else f"{status or 'unknown'} post")
    else:
        export.posts.append(post)


def _post_item(post: dict[str, Any], export: _Export, position: str) -> Item | None:
    draft = _POSTS[post.get("wp:status", "").strip()]
    content = post.get("content:encoded", "")
    warnings: list[str] = []
    excerpt = post.get("excerpt:encoded", "").strip()
    if not excerpt and MORE.search(content):
        excerpt = content[:MORE.search(content).start()]  # type: ignore[union-attr]
    login = post.get("dc:creator", "").strip()
    categories = [(slug, name) for slug, name in post["categories"] if slug != "uncategorized"]
    primary = export.categories.get(post["meta"].get("_yoast_wpseo_primary_category", ""))
    categories.sort(key=lambda c: c[0] != primary)  # the primary one first, if named
    item = Item(
        position=position, id=post.get("guid", "").strip() or None,
        link=post.get("link", "").strip() or None, title=post.get("title", "").strip(),
        date=_when(post, "wp:post_date"), updated=_when(post, "wp:post_modified"),
        authors=[{"name": export.authors.get(login, login)}] if login else [],
        categories=[name for _, name in categories], tags=[name for _, name in post["tags"]],
        summary=plain_text(wordpress_html(excerpt, lambda a: [], lambda w: None)) or None,
        html=wordpress_html(content, lambda a: _gallery(a, post, export), warnings.append),
        image=_featured(post, export), enclosures=_enclosures(post), draft=draft,
        wordpress=True, warnings=warnings)
    if item.date is None and not draft:
        item.warnings.append("it has no date: dated now")
    return item


def _when(post: dict[str, Any], key: str) -> datetime | None:
    gmt = post.get(f"{key}_gmt", "").strip()
    if gmt and gmt != NO_DATE:
        return parse_date(gmt)  # (UTC, as its name says)
    local = post.get(key, "").strip()
    if local and local != NO_DATE:
        try:
            return datetime.fromisoformat(local)  # the site's own time: written without an
            # offset, it is read in the new site's time zone
        except ValueError:
            return None
    return parse_date(post.get("pubDate")) if key == "wp:post_date" else None


def _featured(post: dict[str, Any], export: _Export) -> tuple[str, str] | None:
    found = export.attachments.get(post["meta"].get("_thumbnail_id", "").strip())
    return (found[0], found[1]) if found and found[0] else None


def _gallery(attributes: dict[str, str], post: dict[str, Any],
             export: _Export) -> list[tuple[str, str]]:
    ids = [i.strip() for i in attributes.get("ids", attributes.get("include", "")).split(",")
           if i.strip()]
    if not ids:
        ids = sorted((key for key, (_, _, parent) in export.attachments.items()
                      if parent == post["wp:post_id"].strip()), key=_number)
    return [(export.attachments[i][0], export.attachments[i][1]) for i in ids
            if i in export.attachments and export.attachments[i][0]]


def _number(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _enclosures(post: dict[str, Any]) -> list[Enclosure]:
    value = post["meta"].get("enclosure", "")
    parts = [p.strip() for p in re.split(r"[\r\n]+", value) if p.strip()]
    if not parts or not parts[0].startswith(("http://", "https://")):
        return []
    length = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    media_type = parts[2] if len(parts) > 2 else ""
    return [Enclosure(parts[0], media_type, length)]
