"""What a static build holds: every document the server would answer, and every redirect.

The catalogue lists what exists (groups and their counts, live stories, every
path a story ever had, the media files live stories use); ``routes.render``
decides what each path answers, so a build holds exactly what ``feeds serve``
answers: the same documents, the same redirects, the same 410s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog.groups import SITE, Group
from ..catalog.store import View, listing
from ..documents.archives import full_pages
from ..documents.document import Document, Redirect
from ..documents.opml import LISTS as OPML_LISTS
from ..documents.routes import render
from ..documents.sitemaps import children, pages
from ..site import urlspace as urls
from ..site.formats import FORMATS, archived
from ..site.media import local_file

NOT_FOUND = "(404)"  # the 404 page, rendered as a document of its own
GONE = "(410)"  # the page of a story that is gone, the same for every such path
STATIC = Path(__file__).resolve().parent.parent / "static"


@dataclass(slots=True)
class Plan:
    """What one build writes and what its server config answers."""

    # Paths as the server's router takes them, and as nginx's $uri holds them: decoded
    # (``/ünïcode/``, ``/space name/``), never percent-encoded.
    documents: list[str] = field(default_factory=list)  # URL paths rendered to files
    redirects: dict[str, tuple[int, str]] = field(default_factory=dict)  # path -> status, to
    gone: list[str] = field(default_factory=list)  # paths that answer 410 with the gone page
    media: list[str] = field(default_factory=list)  # files under content/ that stories use
    static: list[str] = field(default_factory=list)  # the pages' own assets, under static/


def plan(view: View, root: Path) -> Plan:
    """List everything the site answers, as the catalogue holds it now."""
    found = Plan()
    groups = [SITE, *view.groups()]
    for group in groups:
        _group(view, group, found)
    found.documents += [opml.path for opml in OPML_LISTS]
    found.documents += [urls.SITEMAP, urls.NEWS_SITEMAP, urls.ROBOTS]
    found.documents += [urls.child_sitemap(n)
                        for n in range(1, len(children(pages(view))) + 1)]
    lives = [f"/{path}/" for path in listing.live_paths(view.db)]
    seen = set(found.documents)
    found.documents += [path for path in lives if path not in seen]
    _old_paths(view, found)
    _moved_groups(view, found)
    _configured(view, found)
    used = set(listing.used_media(view.db)) | view.settings.podcasts.artwork()
    found.media = [file for file in sorted(used) if local_file(root, file) is not None]
    found.static = sorted(p.name for p in STATIC.iterdir() if p.is_file())
    found.documents += [NOT_FOUND, GONE]
    return found


def _group(view: View, group: Group, found: Plan) -> None:
    """Add a group's feeds, listing pages, archive pages, and the link past its newest page."""
    info = view.exists(group.key)
    if info is None:
        return
    settings = view.settings
    found.documents += [urls.feed(group, fmt) for fmt in FORMATS]
    pages = max(1, math.ceil(info.live / settings.page_size))
    found.documents += [urls.page(group, n) for n in range(1, pages + 1)]
    archives = full_pages(info.slots, settings.feed_size)
    found.documents += [urls.archive(group, n) for n in range(1, archives + 1)]
    if archives:  # the newest page links the next before it exists: a redirect until then
        found.redirects[urls.archive(group, archives + 1)] = (307, urls.feed(group, archived()))


def _old_paths(view: View, found: Plan) -> None:
    """Add what the paths stories used to have answer: 301 to where a story went, 410 Gone."""
    for path, alias in listing.old_paths(view.db):
        if alias:  # kept in old_address form: asked with or without its trailing slash
            _answer(view, found, path)
            _answer(view, found, path + "/")
        else:
            _answer(view, found, f"/{path}/")


def _moved_groups(view: View, found: Plan) -> None:
    """Add the URLs of sections whose stories went to another (a renamed folder): each of
    their feeds, listing and archive pages answers 301 there."""
    settings = view.settings
    for key, slots in listing.moved_sections(view.db):
        group = Group.from_key(key)
        paths = [urls.feed(group, fmt) for fmt in FORMATS]
        paths += [urls.page(group, n) for n in range(1, max(1, -(-slots // settings.page_size))
                                                     + 1)]
        paths += [urls.archive(group, n) for n in range(1, full_pages(slots, settings.feed_size)
                                                        + 1)]
        for path in paths:
            _answer(view, found, path)


def _configured(view: View, found: Plan) -> None:
    """Add ``redirects:`` from config.yaml (old URLs, such as a former platform's feeds),
    asked with or without a trailing slash, as the server matches them."""
    for old, _ in view.settings.redirects:
        _answer(view, found, old)
        _answer(view, found, old + "/")


def _answer(view: View, found: Plan, path: str) -> None:
    """Record what the server answers at an old ``path`` (decoded): a redirect or 410 Gone;
    nothing when a document lives there now, which the server answers first."""
    if path in found.redirects or not path.startswith("/"):
        return
    answer = render(view, path)
    if isinstance(answer, Redirect):
        found.redirects[path] = (answer.status, answer.location)
    elif isinstance(answer, Document) and answer.status == 410:
        found.gone.append(path)
