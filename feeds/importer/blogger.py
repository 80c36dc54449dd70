"""Read a Blogger export (Settings > Back up content, or Google Takeout: an Atom file,
``blog-MM-DD-YYYY.xml`` or ``feed.atom``).

Blogger writes every kind of thing in one Atom feed: posts, pages, comments, the
blog's settings and its template. Two schemas are read: the older one marks an
entry's kind with ``<category scheme="http://schemas.google.com/g/2005#kind"
term="http://schemas.google.com/blogger/2008/kind#post"/>`` and a draft with
``<app:draft>yes</app:draft>``; Takeout's (2018) with ``<blogger:type>POST`` and
``<blogger:status>LIVE``/``DRAFT``, the post's path in ``<blogger:filename>``. Posts
become stories (drafts as drafts); everything else is counted and left out. Each
story keeps the entry's id, the one Blogger's feeds give
(``tag:blogger.com,1999:blog-<blog>.post-<post>``, in Atom and as the RSS guid);
labels become tags.

The file is read as a stream (``xmlstream``: no entities, an entry at a time into
the spool).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, Any
from urllib.parse import quote, urljoin

from .items import Item, SourceReport, parse_date
from .reading import Reading
from .xmlstream import read_records

_ATOM = "{http://www.w3.org/2005/Atom}"
_BLOGGER = "{http://schemas.google.com/blogger/2018}"
_APP = "{http://purl.org/atom/app#}"
_KIND = "http://schemas.google.com/g/2005#kind"
_LABEL = "http://www.blogger.com/atom/ns#"
_KINDS = {"post": "post", "page": "page", "comment": "comment", "settings": "setting",
          "template": "template", "layout": "template"}
_TRASHED = {"SOFT_TRASHED", "DELETED", "TRASHED"}
_BLOG = re.compile(rb"tag:blogger\.com,1999:blog-\d+")

Part = tuple[str, Callable[[], IO[bytes]]]


def is_blogger(head: bytes) -> bool:
    """Tell whether a file's first bytes are a Blogger export's (an Atom feed of a blog)."""
    return b"<feed" in head and _BLOG.search(head) is not None and (
        b"schemas.google.com/blogger/2018" in head or b"blogger/2008/kind#" in head)


def read_blogger(parts: list[Part], reading: Reading) -> SourceReport:
    """Read a Blogger export's posts into the spool."""
    report = reading.start("Blogger export", format="atom")
    site = {"url": (reading.old_base_url or "").rstrip("/")}
    labels: dict[str, str] = {}
    for name, opener in parts:
        _read_part(name, opener, report, reading, site, labels)
    base = site["url"]
    report.feed_url = f"{base}/feeds/posts/default" if base else "/feeds/posts/default"
    report.old_feeds = {"tag": "/feeds/posts/default/-/{slug}"}
    report.groups = [("tag", label, label) for label in labels]
    report.items = reading.spool.count
    return report


def _read_part(name: str, opener: Callable[[], IO[bytes]], report: SourceReport,
               reading: Reading, site: dict[str, str], labels: dict[str, str]) -> None:
    count = [0]

    def take(element: Any) -> None:
        if element.tag == f"{_ATOM}entry":
            count[0] += 1
            _entry(element, f"entry {count[0]} of {name}", report, reading, site, labels)
        elif element.tag == f"{_ATOM}link" and element.get("rel") == "alternate" \
                and not site["url"]:
            site["url"] = (element.get("href") or "").rstrip("/")

    read_records(name, opener, 1, lambda tag: tag == f"{_ATOM}entry", take, "Blogger")


def _text(element: Any, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _entry(entry: Any, position: str, report: SourceReport, reading: Reading,
           site: dict[str, str], labels: dict[str, str]) -> None:
    kind, draft, tags = "", False, []
    for category in entry.findall(f"{_ATOM}category"):
        scheme, term = category.get("scheme", ""), (category.get("term") or "").strip()
        if scheme == _KIND:
            kind = _KINDS.get(term.rpartition("#")[2], term.rpartition("#")[2])
        elif term and scheme in ("", _LABEL) or (term and scheme.startswith("tag:blogger")):
            tags.append(term)
    typed = _text(entry, f"{_BLOGGER}type").lower()
    if typed:
        kind = _KINDS.get(typed, typed)
    status = _text(entry, f"{_BLOGGER}status").upper()
    control = entry.find(f"{_APP}control")
    if control is not None and _text(control, f"{_APP}draft").lower() == "yes":
        draft = True
    if status == "DRAFT":
        draft = True
    if kind != "post":
        report.leave_out(kind or "entry of no kind")
        return
    if status in _TRASHED:
        report.leave_out("trashed post")
        return
    link = next((a.get("href") for a in entry.findall(f"{_ATOM}link")
                 if a.get("rel") == "alternate" and a.get("href")), None)
    filename = _text(entry, f"{_BLOGGER}filename")
    if not link and filename and site["url"]:
        link = urljoin(site["url"] + "/", quote(filename.lstrip("/"), safe="/%"))
    aliases = [filename] if filename and not link else []
    content = entry.find(f"{_ATOM}content")
    author = entry.find(f"{_ATOM}author")
    for tag in tags:
        labels.setdefault(tag, tag)
    reading.add(Item(
        position=position, id=_text(entry, f"{_ATOM}id") or None, link=link,
        title=_text(entry, f"{_ATOM}title"),
        date=parse_date(_text(entry, f"{_ATOM}published")),
        updated=parse_date(_text(entry, f"{_ATOM}updated")),
        authors=[{"name": _text(author, f"{_ATOM}name")}]
        if author is not None and _text(author, f"{_ATOM}name") else [],
        tags=tags, html=(content.text or "") if content is not None else "", draft=draft,
        aliases=aliases))
