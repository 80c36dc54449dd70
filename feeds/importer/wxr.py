"""Read a WordPress export file (WXR 1.0-1.2), the file a newsroom leaves WordPress with.

Posts become stories: published and scheduled ones as they are; drafts, pending
and private posts as drafts (``draft: true``: kept, never shown). Pages,
attachments, menu items, revisions, trashed posts and comments are counted and
left out; attachments still give posts their featured image and galleries.
Authors keep their display name only: their account e-mail is not for a feed.

WordPress.com writes its namespaces with ``https``, self-hosted WordPress with
``http``; WXR 1.0 (WordPress 2.x and 3.0) wrote tags in the ``tag`` domain. A large
site comes as several files (or a ``.zip`` of them) from the same site: they are read
as one export, since a post's featured image may be in another file.

Each file is read as a stream (defusedxml: no entity expansion, no external
entities), and posts and attachments wait in the spool, so memory is that of one
post whatever the export's size (``xmlstream``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any
from urllib.parse import urlsplit

from .convert import MORE, plain_text, wordpress_html
from .items import Enclosure, Item, SourceReport, parse_date
from .reading import Reading
from .xmlstream import read_records

# WordPress writes http://wordpress.org/export/1.2/; WordPress.com writes https://.
_NAMESPACES = (("http://wordpress.org/export/1.", "/excerpt/", "excerpt"),
               ("http://wordpress.org/export/1.", "/", "wp"),
               ("http://purl.org/rss/1.0/modules/content/", "", "content"),
               ("http://purl.org/dc/elements/1.1/", "", "dc"))
_POSTS = {"publish": False, "future": False, "draft": True, "pending": True, "private": True}
_LEFT_OUT = {"page": "page", "attachment": "attachment", "nav_menu_item": "menu item",
             "revision": "revision"}  # (counted in the singular: the report adds the s)
_TAG_DOMAINS = ("post_tag", "tag")  # WXR 1.0 (WordPress 2.x) wrote "tag"
NO_DATE = "0000-00-00 00:00:00"
_SITE = re.compile(rb"<wp:base_site_url>\s*(?:<!\[CDATA\[)?\s*([^<\]\s]+)")
_LINK = re.compile(rb"<channel>.*?<link>\s*([^<\s]+)", re.DOTALL)

Part = tuple[str, Callable[[], IO[bytes]]]  # a file of the export: its name, how to open it


def is_wxr(head: bytes) -> bool:
    """Tell whether a file's first 64 KB are a WordPress export's (WXR, any version)."""
    return b"wordpress.org/export/" in head


def site_of(head: bytes) -> str:
    """The site a WordPress export's file is from (the files of a split export share it)."""
    found = _SITE.search(head) or _LINK.search(head)
    return found.group(1).decode("utf-8", "replace").rstrip("/") if found else ""


@dataclass(slots=True)
class _Export:
    """What the export says besides its posts: authors and terms (attachments and posts
    wait in the spool, as notes, until every file has been read)."""

    authors: dict[str, str] = field(default_factory=dict)  # login -> display name
    categories: dict[str, str] = field(default_factory=dict)  # term id -> nicename
    groups: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, slug) -> name
    posts: int = 0
    site: str = ""
    version: str = ""


def read_wxr(parts: list[Part], reading: Reading) -> SourceReport:
    """Read a WordPress export (one file, or the files of a split one) into the spool."""
    export = _Export()
    report = reading.start("WordPress export", format="rss")
    for name, opener in parts:
        _read_part(name, opener, export, report, reading)
    report.kind = f"WordPress export {export.version or '1.x'}" + (
        f" in {len(parts)} files" if len(parts) > 1 else "")
    report.feed_url = export.site.rstrip("/") + "/feed/" if export.site else None
    base = urlsplit(export.site).path.rstrip("/") if export.site else ""
    report.old_feeds = {"category": base + "/category/{slug}/feed/",
                        "tag": base + "/tag/{slug}/feed/"}
    report.groups = [(kind, slug, name) for (kind, slug), name in export.groups.items()]
    number = 0
    for _, post in reading.spool.notes("post"):
        number += 1
        item = _post_item(post, export, reading, f"post {post['wp:post_id'] or '?'} "
                                                 f"(item {number} of {reading.source})")
        reading.add(item)
    report.items = reading.spool.count
    return report


def _read_part(name: str, opener: Callable[[], IO[bytes]], export: _Export,
               report: SourceReport, reading: Reading) -> None:
    read_records(name, opener, 2, lambda tag: _name(tag) in _RECORDS,
                 lambda element: _take(element, export, report, reading), "WordPress")


_RECORDS = ("item", "wp:author", "wp:category", "wp:tag")


def _name(tag: str) -> str:
    """``{http://wordpress.org/export/1.2/}post_id`` (or ``https://``) as ``wp:post_id``."""
    if not tag.startswith("{"):
        return tag
    uri, _, local = tag[1:].partition("}")
    if uri.startswith("https://wordpress.org/"):
        uri = "http://" + uri.removeprefix("https://")
    for start, end, prefix in _NAMESPACES:
        if uri.startswith(start) and uri.endswith(end) and (end or uri == start):
            return f"{prefix}:{local}"
    return local


def _take(element: Any, export: _Export, report: SourceReport, reading: Reading) -> None:
    name = _name(element.tag)
    if name == "item":
        _take_item(element, export, report, reading)
    elif name == "wp:author":
        fields = _fields(element)
        login = fields.get("wp:author_login", "")
        export.authors[login] = fields.get("wp:author_display_name") or login
    elif name == "wp:category":
        fields = _fields(element)
        slug = fields.get("wp:category_nicename", "")
        export.categories[fields.get("wp:term_id", "")] = slug
        export.groups[("category", slug)] = fields.get("wp:cat_name", "")
    elif name == "wp:tag":
        fields = _fields(element)
        export.groups[("tag", fields.get("wp:tag_slug", ""))] = fields.get("wp:tag_name", "")
    elif name == "wp:wxr_version":
        export.version = (element.text or "").strip()
    elif name == "wp:base_site_url":
        export.site = (element.text or "").strip()
    elif name == "link" and not export.site:
        export.site = (element.text or "").strip()


def _fields(element: Any) -> dict[str, str]:
    return {_name(child.tag): (child.text or "").strip() for child in element}


def _take_item(element: Any, export: _Export, report: SourceReport, reading: Reading) -> None:
    post: dict[str, Any] = {"categories": [], "tags": [], "meta": {}, "comments": 0}
    for child in element:
        name = _name(child.tag)
        if name == "category":
            domain = child.get("domain", "category")
            key = "categories" if domain == "category" else "tags" if domain in _TAG_DOMAINS \
                else ""
            text = (child.text or "").strip()
            if key and text and all(text != known for _, known in post[key]):
                post[key].append(((child.get("nicename") or ""), text))
        elif name == "wp:postmeta":
            meta = _fields(child)
            post["meta"][meta.get("wp:meta_key", "")] = meta.get("wp:meta_value", "")
        elif name == "wp:comment":
            post["comments"] += 1
        else:
            post[name] = child.text or ""
    post.setdefault("wp:post_id", "")
    post_id = post["wp:post_id"].strip()
    if post["comments"]:
        report.leave_out("comment", post["comments"])
    kind = post.get("wp:post_type", "post").strip()
    status = post.get("wp:status", "").strip()
    if kind == "attachment":
        alt = post["meta"].get("_wp_attachment_image_alt", "") or post.get("title", "")
        parent = post.get("wp:post_parent", "").strip()
        reading.spool.note("attachment", post_id, (
            post.get("wp:attachment_url", "").strip(), alt.strip(), parent))
        reading.spool.note("child", parent, post_id)
    if kind != "post":
        report.leave_out(_LEFT_OUT.get(kind, f"{kind} item"))
    elif status not in _POSTS:
        report.leave_out("trashed post" if status == "trash" else f"{status or 'unknown'} post")
    else:
        del post["comments"]
        reading.spool.note("post", post_id, post)


def _post_item(post: dict[str, Any], export: _Export, reading: Reading,
               position: str) -> Item:
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
        html=wordpress_html(content, lambda a: _gallery(a, post, reading), warnings.append),
        image=_featured(post, reading), enclosures=_enclosures(post), draft=draft,
        wordpress=True, warnings=warnings)
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


def _featured(post: dict[str, Any], reading: Reading) -> tuple[str, str] | None:
    found = reading.spool.first_note("attachment", post["meta"].get("_thumbnail_id", "").strip())
    return (found[0], found[1]) if found and found[0] else None


def _gallery(attributes: dict[str, str], post: dict[str, Any],
             reading: Reading) -> list[tuple[str, str]]:
    ids = [i.strip() for i in attributes.get("ids", attributes.get("include", "")).split(",")
           if i.strip()][:500]
    if not ids:
        ids = sorted((child for _, child in reading.spool.notes(
            "child", post["wp:post_id"].strip())), key=_number)[:500]
    found = [reading.spool.first_note("attachment", i) for i in ids]
    return [(f[0], f[1]) for f in found if f and f[0]]


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
