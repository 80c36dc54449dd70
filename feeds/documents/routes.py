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

from ..catalog.groups import SITE
from ..catalog.store import PathState, View
from ..site.config import old_address
from ..site.media import content_path, media_suffix
from ..site.urlspace import GROUP_SHAPES, SERVER_PATHS, STATIC, group_candidates, own_url
from . import urls
from .archives import archive, newest_archive, subscription
from .document import Document, Redirect
from .formats import ATOM, Format, by_file
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


_RENDER = {"feed": _feed, "archive": _archive, "listing": _listing}
ROUTES = tuple(Route(shape.name, shape.pattern, _RENDER[shape.name]) for shape in GROUP_SHAPES)
OTHER = {"story": _story, "opml": _opml}
_GROUP_ROUTES = frozenset(route.name for route in ROUTES)


def parse(path: str) -> list[Target]:
    """Return what ``path`` (decoded, starting with ``/``) could name, most specific first."""
    if path in OPML_PATHS:
        return [Target("opml", path=path)]
    found: list[Target] = []
    for key, rest in group_candidates(path):
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


_RENDERERS = {route.name: route.render for route in ROUTES} | OTHER


def render(view: View, path: str) -> Result:
    """Render what ``path`` names in the catalogue: a document, a redirect, or None (404).

    The server's own paths (``/healthz``, ``/static/``) are never a document's: None lets
    the web layer answer them; and no story, alias or redirect answers any of the site's
    own URLs (``urlspace.own_url``), whatever the catalogue holds."""
    if path in SERVER_PATHS and path not in OPML_PATHS or path.startswith(STATIC):
        return None
    targets = parse(path)
    for target in targets:
        renderer = _RENDERERS.get(target.route)
        if renderer is None:
            continue
        result = renderer(view, target)
        if result is not None:
            return result
    for target in targets:
        if target.route in _GROUP_ROUTES and target.group.startswith("section:"):
            moved = _moved(view, target)
            if moved is not None:
                return moved
    if not path.endswith("/") and "." not in path.rpartition("/")[2]:
        found = render(view, path + "/")  # a link without its trailing slash
        if isinstance(found, Document) and found.status == 200:
            return Redirect(path + "/", 308)
    if own_url(path) is not None:
        return None  # (an alias or a redirect recorded before it was refused)
    return _old_address(view, path)


def _old_address(view: View, path: str) -> Result:
    """Answer an address from before a move: a ``redirects`` entry of config.yaml, or a
    story's alias; both 301 (a removed story's alias: its 410 page). A media file a live
    story uses is served, never redirected."""
    if path == "/" or _serves_media(view, path):
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


def _moved(view: View, target: Target) -> Redirect | None:
    """Send a renamed section's URL to the same document of the section its stories went
    to (``Ledger._moved``): its feeds, and its listing and archive pages where the new
    section has that page (its first page, or its Atom feed, where it has not)."""
    info = view.moved_to(target.group)
    if info is None:
        return None
    group = info.group
    if target.route == "feed":
        return Redirect(urls.feed(group, (target.format or ATOM).file), 301)
    if target.route == "archive":
        if target.number <= newest_archive(view, group.key):
            return Redirect(urls.archive(group, target.number), 301)
        return Redirect(urls.feed(group, ATOM.file), 301)
    pages = -(-info.live // view.settings.page_size)
    return Redirect(urls.page(group, target.number if target.number <= pages else 1), 301)


def _serves_media(view: View, path: str) -> bool:
    if media_suffix(path) is None:
        return False
    relative = content_path(view.settings.base_url, view.settings.url(path))
    return relative is not None and view.uses_media(relative)


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
