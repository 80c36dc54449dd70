"""Read a Ghost export (Ghost 2 to 5: Settings > Labs > Export, a JSON file).

The file is ``{"db": [{"meta": {...}, "data": {"posts": [...], "tags": [...],
"posts_tags": [...], "users": [...], "posts_authors": [...], "posts_meta": [...]}}]}``
(the tables as Ghost's exporter, ``core/server/data/exporter``, writes them; an export
without the ``db`` wrapper is read too). It is read as a stream (ijson, a maintained
streaming JSON parser: an export of years of posts is tens of megabytes, and the
tables a post needs come after the posts), one row at a time into the spool, so
memory is that of one post; one row past ``MAX_ROW_BYTES`` is refused.

Published posts become stories (``status: published``; ``type: post``, or
``page: false`` before Ghost 4); pages, drafts, scheduled and email-only posts are
counted and left out. The id is the one Ghost's RSS gives each item: its
``<guid>`` is the post's ``id`` (``generate-feed.js``: ``guid: post.id``, since
Ghost 1; Ghost 0.x gave the ``uuid``). The primary tag (the first public one) is the
section, the other public tags are tags (internal ``#tags`` are Ghost's own, as in
its feeds), the authors in their order, the feature image with its alt text, the
custom excerpt as summary. The body is ``html``, or rendered from ``lexical`` or
``mobiledoc`` (``ghostdoc``). Ghost writes its own address as ``__GHOST_URL__``:
``--old-base-url`` puts it back (without it, those links are site paths and a
warning says so). Posts for members or paid members only are imported and said to
be so: here every story is public.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, Any
from urllib.parse import urlsplit

import ijson
from ijson.common import ObjectBuilder

from .fetch import FetchError
from .ghostdoc import render
from .items import Item, SourceReport, parse_date
from .reading import Counted, Reading

MAX_ROW_BYTES = 64 << 20
MAX_DEPTH = 64  # containers inside containers: an export's rows are four deep
_ROW = re.compile(r"(?:db\.item\.)?data\.([a-z_]+)\.item")
_TABLES = {"posts", "tags", "posts_tags", "users", "posts_authors", "posts_meta"}
_GHOST_URL = "__GHOST_URL__"
_LEFT_OUT = {"draft": "draft", "scheduled": "scheduled post", "sent": "email-only post"}
_AUDIENCE = {"members": "members", "paid": "paid members", "tiers": "some paid tiers"}


def is_ghost(head: bytes) -> bool:
    """Tell whether a file's first bytes are a Ghost export's."""
    return (head.lstrip()[:1] == b"{" and b"jsonfeed.org/version" not in head
            and re.search(rb'"(?:db|data)"\s*:', head) is not None
            and re.search(rb'"posts"\s*:\s*\[', head) is not None)


def read_ghost(name: str, opener: Callable[[], IO[bytes]], reading: Reading) -> SourceReport:
    """Read a Ghost export into the spool: rows first, then each published post."""
    report = reading.start("Ghost export", format="rss")
    version = _read_rows(name, opener, reading)
    report.kind = f"Ghost export {version.split('.')[0]}.x" if version else "Ghost export"
    base = (reading.old_base_url or "").rstrip("/")
    report.feed_url = f"{base}/rss/" if base else "/rss/"
    path = urlsplit(base).path
    report.old_feeds = {"category": path + "/tag/{slug}/rss/",
                        "author": path + "/author/{slug}/rss/"}
    groups: dict[tuple[str, str], str] = {}
    number = 0
    for post_id, post in reading.spool.notes("post"):
        number += 1
        kind = post.get("type") or ("page" if post.get("page") else "post")
        status = str(post.get("status") or "")
        if kind != "post":
            report.leave_out(str(kind))
        elif status != "published":
            report.leave_out(_LEFT_OUT.get(status, f"{status or 'unknown'} post"))
        else:
            item = _item(post_id, post, reading, base, f"post {_text(post.get('slug')) or post_id}"
                                                      f" (item {number} of {name})", groups)
            if item.paid:
                report.paid += 1
            reading.add(item)
    report.groups = [(kind, slug, title) for (kind, slug), title in groups.items()]
    report.items = reading.spool.count
    return report


def _read_rows(name: str, opener: Callable[[], IO[bytes]], reading: Reading) -> str:
    try:
        stream = opener()
    except OSError as exc:
        raise FetchError(f"{name}: cannot read it ({exc.strerror}).") from None
    counted = Counted(stream, name, MAX_ROW_BYTES, "one row (a post)")
    version, builder, table = "", None, ""
    path: list[str] = []  # the key (or "item") each open container was opened under
    key = ""
    try:
        # basic_parse, not parse: parse's prefixes grow with the nesting, and a file nested
        # 200,000 deep made them take gigabytes before any check could run.
        for event, value in ijson.basic_parse(counted, use_float=True):
            if event == "map_key":
                key = str(value)
            if event in ("start_map", "start_array"):
                path.append(key if path and path[-1] != "[" else "item")
                path.append("{" if event == "start_map" else "[")
                if len(path) > 2 * MAX_DEPTH:
                    raise FetchError(f"{name}: nested more than {MAX_DEPTH} deep, which no "
                                     "export is, so nothing of it is imported.")
            if builder is not None:
                builder.event(event, value)
            elif event == "start_map" and (found := _ROW.fullmatch(_prefix(path))) \
                    and found.group(1) in _TABLES:
                builder, table = ObjectBuilder(), found.group(1)
                builder.event(event, value)
                counted.mark()
            elif event == "string" and key == "version" and _prefix(path) in ("db.item.meta",
                                                                                "meta"):
                version = str(value)[:20]
            if event in ("end_map", "end_array"):
                path[-2:] = []
                if builder is not None and event == "end_map" and _ROW.fullmatch(
                        _prefix(path + ["item", "{"])):
                    _take(table, builder.value, reading)
                    builder = None
                    counted.unmark()
    except FetchError:
        raise
    except (ijson.JSONError, ValueError, RecursionError) as exc:
        raise FetchError(f"{name}: not a whole, valid JSON file ({str(exc)[:100]}), so nothing "
                         "of it is imported: export it again from Ghost.") from None
    finally:
        stream.close()
    return version


def _prefix(path: list[str]) -> str:
    """ijson's prefix of the container open at the end of ``path`` (``db.item.data``)."""
    return ".".join(path[2::2]) if len(path) <= 12 else ""


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _take(table: str, row: Any, reading: Reading) -> None:
    if not isinstance(row, dict):
        return
    spool = reading.spool
    if table == "posts":
        spool.note("post", _text(row.get("id")) or str(row.get("id", "")), {
            k: row.get(k) for k in ("uuid", "title", "slug", "html", "mobiledoc", "lexical",
                                    "feature_image", "feature_image_alt", "type", "page",
                                    "status", "visibility", "published_at", "updated_at",
                                    "custom_excerpt", "meta_description", "author_id")})
    elif table == "tags":
        spool.note("tag", str(row.get("id")), (_text(row.get("name")), _text(row.get("slug")),
                                                _text(row.get("visibility")) or "public"))
    elif table == "users":
        spool.note("user", str(row.get("id")), (_text(row.get("name")), _text(row.get("slug"))))
    elif table in ("posts_tags", "posts_authors"):
        other = row.get("tag_id" if table == "posts_tags" else "author_id")
        order = row.get("sort_order") if isinstance(row.get("sort_order"), int | float) else 0
        spool.note(table, str(row.get("post_id")), (order, str(other)))
    elif table == "posts_meta":
        spool.note("meta", str(row.get("post_id")), {
            k: _text(row.get(k)) for k in ("feature_image_alt", "meta_description")})


def _related(reading: Reading, table: str, post_id: str, kind: str) -> list[tuple[str, ...]]:
    links = sorted((order, other) for _, (order, other) in reading.spool.notes(table, post_id))
    found = [reading.spool.first_note(kind, other) for _, other in links]
    return [f for f in found if f]


def _item(post_id: str, post: dict[str, Any], reading: Reading, base: str, position: str,
          groups: dict[tuple[str, str], str]) -> Item:
    warnings: list[str] = []
    meta = reading.spool.first_note("meta", post_id) or {}
    tags = [(name, slug) for name, slug, visibility in _related(
        reading, "posts_tags", post_id, "tag") if visibility != "internal" and name]
    users = _related(reading, "posts_authors", post_id, "user")
    if not users and post.get("author_id"):
        single = reading.spool.first_note("user", str(post["author_id"]))
        users = [single] if single else []
    for name, slug in tags:
        groups[("category", slug)] = name
    for name, slug in users:
        groups[("author", slug)] = name
    body = _text(post.get("html")) or render(_text(post.get("mobiledoc")),
                                             _text(post.get("lexical")), warnings.append)
    image = _text(post.get("feature_image"))
    if _GHOST_URL in body + image and not base:
        warnings.append("it links files of the old site as __GHOST_URL__/…: they are site "
                        "paths here; give --old-base-url to point them at the old site")
    slug = _text(post.get("slug"))
    visibility = _text(post.get("visibility")) or "public"
    paid = _AUDIENCE.get(visibility, visibility) if visibility != "public" else None
    if paid:
        warnings.append(f"it was for {paid} only on Ghost: here it is public, like every story")
    return Item(
        position=position, id=post_id or None,
        link=f"{base}/{slug}/" if base and slug else None, title=_text(post.get("title")),
        date=parse_date(_text(post.get("published_at"))),
        updated=parse_date(_text(post.get("updated_at"))),
        authors=[{"name": name} for name, _ in users if name],
        categories=[name for name, _ in tags[:1]], tags=[name for name, _ in tags[1:]],
        summary=_text(post.get("custom_excerpt")) or _text(meta.get("meta_description"))
        or _text(post.get("meta_description")) or None,
        html=body.replace(_GHOST_URL, base),
        image=(image.replace(_GHOST_URL, base), _text(meta.get("feature_image_alt"))
               or _text(post.get("feature_image_alt"))) if image else None,
        warnings=warnings, slug=slug or None, paid=paid,
        aliases=[f"/{slug}/"] if slug and not base else [])
