"""The site's own URLs: the shapes of the route table, and what no story may claim.

``documents/routes.py`` is the route table (each shape beside what renders it);
the shapes themselves live here, in the site layer, so that reading a story
file, ``feeds new`` and ``feeds import`` can check a name against them without
knowing how documents are made. A story's page (``/<path>/``, and ``/<path>``,
which redirects to it), an alias and a ``redirects:`` entry claim a URL; a claim
on one of the site's own is a problem naming the file and the line, never a
page, a 301 or a 410 standing where ``/healthz``, the stylesheet, a feed or a
listing should be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEALTH = "/healthz"
OPML = "/feeds.opml"  # every group's feed, for people who pick feeds
SUBSCRIBE_OPML = "/subscribe.opml"  # the site's feed, the list pages offer for importing
STATIC = "/static/"  # the pages' own stylesheet and script
SERVER_PATHS = {HEALTH: "the server's health report", OPML: "the OPML subscription list",
                SUBSCRIBE_OPML: "the OPML subscription list"}
FEED_FILES = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}  # by format name
GROUP_PREFIXES = {"tag": "tags", "author": "authors"}  # sections live at the top


@dataclass(frozen=True, slots=True)
class Shape:
    """One kind of path below a group's base path: its name and its pattern."""

    name: str
    pattern: re.Pattern[str]
    what: str  # for a message: what lives there


GROUP_SHAPES = (
    Shape("feed", re.compile("(?P<file>" + "|".join(re.escape(f) for f in FEED_FILES.values())
                             + ")"), "a feed"),
    Shape("archive", re.compile(r"archive/(?P<number>[1-9][0-9]{0,6})\.xml"), "an archive page"),
    Shape("listing", re.compile(r"(?:page/(?P<number>[1-9][0-9]{0,6})/)?"), "a listing page"),
)


def group_candidates(path: str) -> list[tuple[str, str]]:
    """Return the (group key, rest of the path) pairs ``path`` could be below: the site's,
    a tag's or an author's, a section's."""
    candidates = [("site:", path[1:])]
    first, slash, rest = path[1:].partition("/")
    if not slash:
        return candidates
    for kind, prefix in GROUP_PREFIXES.items():
        if first == prefix:
            slug, slash2, tail = rest.partition("/")
            if slash2:
                candidates.append((f"{kind}:{slug}", tail))
    candidates.append((f"section:{first}", rest))
    return candidates


def own_url(path: str) -> str | None:
    """Return what of the site's own the URL path ``path`` (decoded, from ``/``) is, or None.

    Its own: ``/healthz``, the OPML lists, anything under ``/static/``, ``/tags/`` and
    ``/authors/`` themselves, and every group's feeds, archive pages and listing pages after
    the first (``/rss.xml``, ``/world/atom.xml``, ``/page/2/``...); a section's own
    page is a story's name too, and the two are told apart when both exist.
    """
    if path in SERVER_PATHS:
        return SERVER_PATHS[path]
    first = path[1:].partition("/")[0]
    if path.startswith(STATIC) or path == STATIC.rstrip("/"):
        return "the pages' own files"
    if first in GROUP_PREFIXES.values() and path.rstrip("/") == f"/{first}":
        return f"the {first} pages"  # (below it, the shapes decide: /tags/x/index.xml, an
        # old platform's tag feed, may be redirected; /tags/x/ may not)
    if path == "/":
        return "the home page"
    for key, rest in group_candidates(path):
        if key.startswith("section:") and not rest:
            continue  # a section's page, or a story's: both may be
        for shape in GROUP_SHAPES:
            if shape.pattern.fullmatch(rest):
                return shape.what
    return None


def story_claim(path: str) -> str | None:
    """Return why a story may not have the path ``path`` (its file's path under content/ less
    the suffix), or None: its page ``/<path>/``, or ``/<path>``, is one of the site's own, or
    lies under ``/tags/`` or ``/authors/``, whose folders are the groups' (a ``redirects:``
    entry may send an old platform's ``/tags/x/index.xml`` to the new feed; no story may
    live there)."""
    first = path.partition("/")[0]
    if first in GROUP_PREFIXES.values():
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
