"""What each kind of URL renders: the renderers of the URL table's shapes (``site.urlspace``).

``urlspace.parse`` says what a path could name, for each group it could belong
to (``/world/`` is the world section's page, or the page of ``content/world.md``),
most specific first; the first target the catalogue holds answers. Rendering
needs only a ``View`` of the catalogue, so the server, the static build and the
publisher's WebSub check all render the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from ..catalog.store import PathState, View
from ..site import urlspace as urls
from ..site.config import old_address
from ..site.formats import archived
from ..site.media import content_path, media_suffix
from ..site.urlspace import Target, own_url, parse
from .archives import archive, newest_archive, subscription
from .document import Document, Redirect
from .opml import render_opml
from .pages import gone_page, listing_page, story_page
from .robots import render_robots
from .sitemaps import render_child, render_index, render_news

Result = Document | Redirect | None


def _feed(view: View, target: Target) -> Result:
    fmt = target.format or archived()
    spec = subscription(view, target.group, fmt)
    return None if spec is None else Document(fmt.write(view.settings, spec), fmt.content_type)


def _archive(view: View, target: Target) -> Result:
    fmt = archived()
    spec = archive(view, target.group, target.number)
    if spec is not None:
        return Document(fmt.write(view.settings, spec), fmt.content_type)
    newest = newest_archive(view, target.group)
    if newest and target.number == newest + 1:
        # The newest page links the next one before it exists (so the page never
        # changes when it fills); meanwhile its stories are in the subscription feed.
        # The redirect lasts until the page fills: it depends on the group's count.
        info = view.group(target.group)
        return None if info is None else Redirect(urls.feed(info.group, fmt), 307)
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


_RENDERERS: dict[str, Callable[[View, Target], Result]] = {
    "feed": _feed, "archive": _archive, "listing": _listing, "story": _story, "opml": _opml,
    "sitemap": lambda view, _: render_index(view),
    "child-sitemap": lambda view, target: render_child(view, target.number),
    "news-sitemap": lambda view, _: render_news(view),
    "robots": lambda view, _: render_robots(view)}
# What a document of the site's own reads, for a 404 at its path: when it can appear there.
_SITE_WIDE = {"opml": "groups", "child-sitemap": "stories"}
_GROUP_ROUTES = frozenset(shape.name for shape in urls.GROUP_SHAPES)


def render(view: View, path: str) -> Result:
    """Render what ``path`` names in the catalogue: a document, a redirect, or None (404).

    The server's own paths (``/healthz``, ``/static/``) are never a document's: None lets
    the web layer answer them; and no story, alias or redirect answers any of the site's
    own URLs (``urlspace.own_url``), whatever the catalogue holds."""
    targets = parse(path)
    if targets and targets[0].route in ("health", "stats", "static"):
        return None
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
        return Redirect(urls.feed(group, target.format or archived()), 301)
    if target.route == "archive":
        if target.number <= newest_archive(view, group.key):
            return Redirect(urls.archive(group, target.number), 301)
        return Redirect(urls.feed(group, archived()), 301)
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
            if target.route in _SITE_WIDE:
                keys.add(_SITE_WIDE[target.route])
            elif target.route in _RENDERERS and target.route != "story":
                keys.add(f"group:{target.group}")
            elif target.route == "story":
                keys.add(f"path:{target.path}")
    return keys
