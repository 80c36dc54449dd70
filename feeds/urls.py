"""Every URL path the site serves, built and parsed in one place.

A group (the site, a section, a tag, an author) lives at a base path; its
listing pages, its three feeds and its Atom archives (RFC 5005) hang below it:

    /                       /world/                /tags/<slug>/       /authors/<slug>/
    /page/2/                /world/page/2/         ...
    /rss.xml /atom.xml /feed.json                  (the same names under each base)
    /archive/1.xml          /world/archive/1.xml   ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from .index import SITE, GroupKey
from .storyfile import MEDIA_SUFFIXES

FEED_NAMES = ("rss.xml", "atom.xml", "feed.json")
OPML = "/feeds.opml"
PREFIXES = {"tag": "tags", "author": "authors"}
_TAIL = re.compile(r"(?:page/(?P<page>[1-9][0-9]{0,6})/|(?P<feed>rss\.xml|atom\.xml|feed\.json)"
                   r"|archive/(?P<archive>[1-9][0-9]{0,6})\.xml)?")


def base(group: GroupKey) -> str:
    """Return the path of a group's page: ``/``, ``/world/``, ``/tags/<slug>/``..."""
    kind, slug = group
    if kind == "site":
        return "/"
    if kind == "section":
        return f"/{quote(slug)}/"
    return f"/{PREFIXES[kind]}/{quote(slug)}/"


def page(group: GroupKey, number: int) -> str:
    """Return the path of a listing page (page 1 is the group's own page)."""
    return base(group) if number <= 1 else f"{base(group)}page/{number}/"


def feed(group: GroupKey, name: str) -> str:
    return base(group) + name


def archive(group: GroupKey, number: int) -> str:
    return f"{base(group)}archive/{number}.xml"


@dataclass(frozen=True, slots=True)
class Target:
    """What a request path names, before anyone checks that it exists."""

    kind: str  # "listing", "feed", "archive", "story", "opml", "media"
    group: GroupKey = SITE
    number: int = 1
    name: str = ""


def parse(path: str) -> list[Target]:
    """Return what ``path`` could name, most specific first (the snapshot decides which exists)."""
    if path == OPML:
        return [Target("opml")]
    found: list[Target] = []
    for group, rest in _group_candidates(path):
        match = _TAIL.fullmatch(rest)
        if match is None:
            continue
        if match["feed"]:
            found.append(Target("feed", group, name=match["feed"]))
        elif match["archive"]:
            found.append(Target("archive", group, number=int(match["archive"])))
        else:
            found.append(Target("listing", group, number=int(match["page"] or 1)))
    if path.endswith("/") and len(path) > 1:
        found.append(Target("story", name=path[1:-1]))
    suffix = path[path.rfind("."):].lower() if "." in path.rpartition("/")[2] else ""
    if suffix in MEDIA_SUFFIXES:
        found.append(Target("media", name=path[1:]))
    return found


def _group_candidates(path: str) -> list[tuple[GroupKey, str]]:
    candidates: list[tuple[GroupKey, str]] = [(SITE, path[1:])]
    first, slash, rest = path[1:].partition("/")
    if not slash:
        return candidates
    for kind, prefix in PREFIXES.items():
        if first == prefix:
            slug, slash2, tail = rest.partition("/")
            if slash2:
                candidates.append(((kind, slug), tail))
    candidates.append((("section", first), rest))
    return candidates
