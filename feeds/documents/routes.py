"""The route table: every kind of URL the site answers, its pattern, and what renders it.

``ROUTES`` is read in order for each group a path could belong to (``/world/``
is the world section's page, or the page of ``content/world.md``); the
catalogue decides which exists. The builders in ``urls`` write the same shapes.
Rendering needs only a ``View`` of the catalogue, so the server, the static
build and the publisher's WebSub check all render the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..catalog.groups import KINDS, SITE
from ..catalog.store import PathState, View
from ..site.config import old_address
from . import urls
from .archives import archive, newest_archive, subscription
from .document import Document, Redirect
from .formats import ATOM, FORMATS, Format, by_file
from .opml import PATHS as OPML_PATHS
from .opml import render_opml
from .pages import gone_page, listing_page, story_page

Result = Document | Redirect | None


@dataclass(frozen=True, slots=True)
class Target:
    """What a request path names, before anyone checks that it exists."""

    route: str  # a ROUTES name, "opml", "story" or "media"
    group: str = SITE.key  # a group key
    number: int = 1
    format: Format | None = None
    path: str = ""  # a story's permalink path, a media file's path under content/, an OPML list's


def _feed(view: View, target: Target) -> Result:
    fmt = target.format or ATOM
    spec = subscription(view, target.group, atom=fmt is ATOM)
    return None if spec is None else Document(fmt.write(view.settings, spec), fmt.content_type)


def _archive(view: View, target: Target) -> Result:
    spec = archive(view, target.group, target.number)
    if spec is not None:
        return Document(ATOM.write(view.settings, spec), ATOM.content_type)
    newest = newest_archive(view, target.group)
    if newest and target.number == newest + 1:
        # The newest page links the next one before it exists (so the page never
        # changes when it fills); meanwhile its stories are in the subscription feed.
        # The redirect lasts until the page fills: it depends on the group's count.
        info = view.group(target.group)
        return None if info is None else Redirect(urls.feed(info.group, ATOM.file), 307)
    return None


def _listing(view: View, target: Target) -> Result:
    return listing_page(view, target.group, target.number)


def _story(view: View, target: Target) -> Result:
    found = view.story_at(target.path)
    if found is None:
        return None
    if isinstance(found, PathState):
        if found.moved_to is not None:
            return Redirect(urls.story(found.moved_to), 301)
        return gone_page(view)
    return story_page(view, found)


def _opml(view: View, target: Target) -> Result:
    return render_opml(view, target.path)


@dataclass(frozen=True, slots=True)
class Route:
    """One kind of path below a group's base: its pattern and its renderer."""

    name: str
    pattern: re.Pattern[str]
    render: Callable[[View, Target], Result]


ROUTES = (
    Route("feed", re.compile("(?P<file>" + "|".join(re.escape(f.file) for f in FORMATS) + ")"),
          _feed),
    Route("archive", re.compile(r"archive/(?P<number>[1-9][0-9]{0,6})\.xml"), _archive),
    Route("listing", re.compile(r"(?:page/(?P<number>[1-9][0-9]{0,6})/)?"), _listing),
)
OTHER = {"story": _story, "opml": _opml}


def parse(path: str) -> list[Target]:
    """Return what ``path`` (decoded, starting with ``/``) could name, most specific first."""
    if path in OPML_PATHS:
        return [Target("opml", path=path)]
    found: list[Target] = []
    for key, rest in _group_candidates(path):
        for route in ROUTES:
            match = route.pattern.fullmatch(rest)
            if match is None:
                continue
            fields = match.groupdict()
            found.append(Target(
                route.name, key, int(fields.get("number") or 1),
                by_file(fields["file"]) if fields.get("file") else None))
            break
    if path.endswith("/") and len(path) > 1:
        found.append(Target("story", path=path[1:-1]))
    elif "." in path.rpartition("/")[2]:
        found.append(Target("media", path=path[1:]))
    return found


def _group_candidates(path: str) -> list[tuple[str, str]]:
    candidates = [(SITE.key, path[1:])]
    first, slash, rest = path[1:].partition("/")
    if not slash:
        return candidates
    for kind in KINDS.values():
        if kind.prefix and first == kind.prefix:
            slug, slash2, tail = rest.partition("/")
            if slash2:
                candidates.append((f"{kind.name}:{slug}", tail))
    candidates.append((f"section:{first}", rest))
    return candidates


_RENDERERS = {route.name: route.render for route in ROUTES} | OTHER


def render(view: View, path: str) -> Result:
    """Render what ``path`` names in the catalogue: a document, a redirect, or None (404)."""
    for target in parse(path):
        renderer = _RENDERERS.get(target.route)
        if renderer is None:
            continue
        result = renderer(view, target)
        if result is not None:
            return result
    if not path.endswith("/") and "." not in path.rpartition("/")[2]:
        found = render(view, path + "/")  # a link without its trailing slash
        if isinstance(found, Document) and found.status == 200:
            return Redirect(path + "/", 308)
    return _old_address(view, path)


def _old_address(view: View, path: str) -> Result:
    """Answer an address from before a move: a ``redirects`` entry of config.yaml, or a
    story's alias; both 301 (a removed story's alias: its 410 page)."""
    if path == "/":
        return None
    target = view.settings.redirect_for(path)
    if target is not None:
        return Redirect(target, 301)
    found = view.alias_at(old_address(path))
    if found is None:
        return None
    if found.moved_to is not None:
        return Redirect(urls.story(found.moved_to), 301)
    return gone_page(view)


def candidate_keys(path: str) -> set[str]:
    """Return the catalogue keys whose change could make ``path`` answer (the group it could
    be a page or feed of, the story it could be, an alias): what a cached 404 depends on."""
    keys = {f"path:{path}"}  # an alias, as the ledger records it
    probes = [path]
    if not path.endswith("/") and "." not in path.rpartition("/")[2]:
        probes.append(path + "/")  # it would answer 308 once that exists
    for probe in probes:
        for target in parse(probe):
            if target.route in _RENDERERS and target.route != "story":
                keys.add("groups" if target.route == "opml" else f"group:{target.group}")
            elif target.route == "story":
                keys.add(f"path:{target.path}")
    return keys


def is_archive(path: str) -> bool:
    """Tell whether ``path`` has the shape of an archive page (a long max-age when it is one)."""
    return any(t.route == "archive" for t in parse(path))


def is_feed(path: str) -> bool:
    """Tell whether ``path`` has the shape of a subscription feed (WebSub and Link headers)."""
    return any(t.route == "feed" for t in parse(path))
