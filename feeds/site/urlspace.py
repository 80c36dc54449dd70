"""The site's URLs, in one table: every shape the site answers, built and parsed here.

Datasette's ``_routes()`` and ``url_builder``: one place lists every kind of path
and both builds it and reads it back. From the table come what ``routes`` renders
for a path, the names no story, alias, section or ``redirects:`` entry may take
(reading a story file, ``feeds new`` and ``feeds import`` check them), the Flask
rules of the web layer and the locations of the static build's nginx config.

A group (the site, a section, a tag, an author: ``kinds``) lives at its base
path; its listing pages, its feeds (one file per ``formats`` row) and its
archive pages hang below it::

    /                  /world/                /tags/<slug>/        /authors/<slug>/
    /page/2/           /world/page/2/         ...
    /rss.xml /atom.xml /feed.json             (the same names under each base)
    /archive/1.xml     /world/archive/1.xml   ...

Beside them: the server's own paths (``SERVER``), the pages' stylesheet and
script under ``/static/``, a story's page ``/<path>/`` and the media files stories
use. A claim on one of the site's own URLs is a problem naming the file and the
line, never a page, a 301 or a 410 standing where ``/healthz``, the stylesheet, a
feed or a listing should be.

The table lives in the site layer, below everything that serves it, so that
reading a story file can check a name without knowing how documents are made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from . import formats, kinds
from .formats import Format

HEALTH = "/healthz"
OPML = "/feeds.opml"  # every group's feed, for people who pick feeds
SUBSCRIBE_OPML = "/subscribe.opml"  # the site's feed, the list pages offer for importing
STATIC = "/static/"  # the pages' own stylesheet and script
SITEMAP = "/sitemap.xml"  # the sitemap index (sitemaps.org), naming each child sitemap
NEWS_SITEMAP = "/news-sitemap.xml"  # Google News: the last two days' stories
ROBOTS = "/robots.txt"  # RFC 9309, naming both sitemaps
STATS = "/stats/"  # who reads the feeds, for the holder of the stats token


@dataclass(frozen=True, slots=True)
class ServerPath:
    """A path of the server's own, outside every group: who answers it, and what it is."""

    path: str
    route: str  # "health", "stats" (the web layer's views), or the renderer of a document
    what: str  # for a message: what lives there


SERVER = (
    ServerPath(HEALTH, "health", "the server's health report"),
    ServerPath(OPML, "opml", "the OPML subscription list"),
    ServerPath(SUBSCRIBE_OPML, "opml", "the OPML subscription list"),
    ServerPath(SITEMAP, "sitemap", "the sitemap index"),
    ServerPath(NEWS_SITEMAP, "news-sitemap", "the Google News sitemap"),
    ServerPath(ROBOTS, "robots", "the rules for crawlers (robots.txt)"),
    ServerPath(STATS, "stats", "the subscriber statistics"),
)
SERVER_PATHS = {server.path: server for server in SERVER}
NUMBER = "[1-9][0-9]{0,6}"  # a page number: no request makes a worker count past this
# The sitemap index's children, numbered from 1 (beside it: a name no story can have).
CHILD_SITEMAP = re.compile(rf"/sitemap-(?P<number>{NUMBER})\.xml")
CHILD_SITEMAP_LOCATION = r"~ ^/sitemap-[0-9]+\.xml$"


@dataclass(frozen=True, slots=True)
class Shape:
    """One kind of path below a group's base path: its name, how to read it, what it is,
    and the nginx location that serves its files (None: the feeds' own, ``Format.location``)."""

    name: str
    pattern: re.Pattern[str] | None  # None: a format's file
    what: str
    location: str | None


GROUP_SHAPES = (
    Shape("feed", None, "a feed", None),
    Shape("archive", re.compile(rf"archive/(?P<number>{NUMBER})\.xml"), "an archive page",
          r"~ /archive/[0-9]+\.xml$"),
    Shape("listing", re.compile(rf"(?:page/(?P<number>{NUMBER})/)?"), "a listing page",
          "~ /$"),
)


@dataclass(frozen=True, slots=True)
class Target:
    """What a request path names, before anyone checks that it exists."""

    route: str  # a GROUP_SHAPES name, a SERVER route, "child-sitemap", "static", "story" or
    # "media"
    group: str = "site:"  # a group key
    number: int = 1
    format: Format | None = None
    path: str = ""  # a story's permalink path, a media file's path under content/, a list's


class Based(Protocol):
    """Anything with a base path: a group (``catalog.groups.Group``)."""

    @property
    def base_path(self) -> str: ...


# Building ------------------------------------------------------------------------------------

def base(kind: str, slug: str) -> str:
    """Return the path of a group's page: ``/``, ``/world/``, ``/tags/<slug>/``..."""
    if kind == kinds.SITE.name:
        return "/"
    prefix = kinds.kind(kind).prefix
    return f"/{prefix}/{quote(slug)}/" if prefix else f"/{quote(slug)}/"


def page(group: Based, number: int) -> str:
    """Return the path of a listing page (page 1 is the group's own page)."""
    return group.base_path if number <= 1 else f"{group.base_path}page/{number}/"


def feed(group: Based, fmt: Format) -> str:
    """Return the path of a group's subscription feed in a format."""
    return group.base_path + fmt.file


def archive(group: Based, number: int) -> str:
    """Return the path of an archive page of a group's archived feed (RFC 5005)."""
    return f"{group.base_path}archive/{number}.xml"


def story(path: str) -> str:
    """Return the permalink path of a story (``path`` is its path under content/, no suffix)."""
    return "/" + quote(path) + "/"


def child_sitemap(number: int) -> str:
    """Return the path of one of the sitemap index's children (numbered from 1)."""
    return f"/sitemap-{number}.xml"


# Reading -------------------------------------------------------------------------------------

def group_candidates(path: str) -> list[tuple[str, str]]:
    """Return the (group key, rest of the path) pairs ``path`` could be below: the site's,
    a group's of a kind under its own folder (a tag's, an author's), a section's."""
    candidates = [("site:", path[1:])]
    first, slash, rest = path[1:].partition("/")
    if not slash:
        return candidates
    for found in kinds.named():
        if found.prefix and first == found.prefix:
            slug, slash2, tail = rest.partition("/")
            if slash2:
                candidates.append((f"{found.name}:{slug}", tail))
    candidates += [(f"{found.name}:{first}", rest) for found in kinds.named() if not found.prefix]
    return candidates


def shape_of(rest: str) -> tuple[Shape, Target] | None:
    """Return the shape ``rest`` (a path below a group's base) has, and what it names."""
    for shape in GROUP_SHAPES:
        if shape.pattern is None:
            fmt = formats.by_file(rest)
            if fmt is not None:
                return shape, Target(shape.name, format=fmt)
            continue
        match = shape.pattern.fullmatch(rest)
        if match is not None:
            return shape, Target(shape.name, number=int(match.group("number") or 1))
    return None


def parse(path: str) -> list[Target]:
    """Return what ``path`` (decoded, starting with ``/``) could name, most specific first."""
    server = SERVER_PATHS.get(path)
    if server is not None:
        return [Target(server.route, path=path)]
    if path.startswith(STATIC):
        return [Target("static", path=path)]
    child = CHILD_SITEMAP.fullmatch(path)
    if child is not None:
        return [Target("child-sitemap", number=int(child.group("number")), path=path)]
    found: list[Target] = []
    for key, rest in group_candidates(path):
        shaped = shape_of(rest)
        if shaped is not None:
            target = shaped[1]
            found.append(Target(target.route, key, target.number, target.format))
    if path.endswith("/") and len(path) > 1:
        found.append(Target("story", path=path[1:-1]))
    elif "." in path.rpartition("/")[2]:
        found.append(Target("media", path=path[1:]))
    return found


def is_archive(path: str) -> bool:
    """Tell whether ``path`` has the shape of an archive page (a long max-age when it is one)."""
    return any(t.route == "archive" for t in parse(path))


def is_feed(path: str) -> bool:
    """Tell whether ``path`` has the shape of a subscription feed (WebSub and Link headers)."""
    return any(t.route == "feed" for t in parse(path))


# What no story may take ----------------------------------------------------------------------

def kind_folders() -> list[str]:
    """Return the URL folders the groups of a kind live under (``tags``, ``authors``)."""
    return [k.prefix for k in kinds.named() if k.prefix]


def reserved_folders() -> list[str]:
    """Return the top-level URL folders of the site's own: each kind's, the static files'
    and the server's own (``/stats/``). No section may have one's name (its page would be
    theirs)."""
    return [*kind_folders(), STATIC.strip("/"),
            *(server.path.strip("/") for server in SERVER if server.path.endswith("/"))]


def _top_kinds() -> set[str]:
    """Return the kinds whose groups live at the top (sections), beside stories' pages."""
    return {k.name for k in kinds.named() if not k.prefix}


def own_url(path: str) -> str | None:
    """Return what of the site's own the URL path ``path`` (decoded, from ``/``) is, or None.

    Its own: the server's paths (``/healthz``, the OPML lists), anything under ``/static/``,
    each kind's folder itself (``/tags/``), and every group's feeds, archive pages and
    listing pages after the first (``/rss.xml``, ``/world/atom.xml``, ``/page/2/``...); a
    section's own page is a story's name too, and the two are told apart when both exist.
    """
    if path in SERVER_PATHS:
        return SERVER_PATHS[path].what
    if CHILD_SITEMAP.fullmatch(path):
        return "a child sitemap"
    first = path[1:].partition("/")[0]
    if path.startswith(STATIC) or path == STATIC.rstrip("/"):
        return "the pages' own files"
    if first in reserved_folders() and path.rstrip("/") == f"/{first}":
        return f"the {first} pages"  # (below it, the shapes decide: /tags/x/index.xml, an
        # old platform's tag feed, may be redirected; /tags/x/ may not)
    if path == "/":
        return "the home page"
    for key, rest in group_candidates(path):
        if not rest and key.partition(":")[0] in _top_kinds():
            continue  # a section's page, or a story's: both may be
        shaped = shape_of(rest)
        if shaped is not None:
            return shaped[0].what
    return None


def story_claim(path: str) -> str | None:
    """Return why a story may not have the path ``path`` (its file's path under content/ less
    the suffix), or None: its page ``/<path>/``, or ``/<path>``, is one of the site's own, or
    lies under a kind's folder (``/tags/``, ``/authors/``), which are the groups' (a
    ``redirects:`` entry may send an old platform's ``/tags/x/index.xml`` to the new feed; no
    story may live there)."""
    first = path.partition("/")[0]
    if first in kind_folders():
        return f"the {first} pages"
    return own_url(f"/{path}/") or own_url(f"/{path}")


def claim_problem(path: str) -> str | None:
    """Return the message for a story file named ``path`` (under content/, no suffix) that the
    site's own URLs take, or None: what ``feeds new`` and ``feeds import`` check too."""
    what = story_claim(path)
    if what is None:
        return None
    return (f"its page /{path}/ is one of the site's own URLs ({what}): rename the file or "
            "its folder.")
