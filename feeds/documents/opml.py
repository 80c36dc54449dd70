"""Write the site's two OPML 2.0 subscription lists: the one to import, and every feed.

OPML 2.0 (opml.org/spec2.opml): one outline per feed with ``type="rss"`` (the
spec's word for any feed), ``xmlUrl`` and ``htmlUrl``; ``version`` only where the
format has an OPML name (``RSS2``: the W3C validator allows RSS, RSS1, RSS2 and
scriptingNews, and no value says Atom or JSON Feed).

- ``/subscribe.opml``, the list the pages offer for importing: the site's feed
  alone. Readers such as newsboat and elfeed keep one copy of each story id and
  file it under the feed they loaded last: importing every feed showed the
  site's feed with 5 of its 12 stories. With the site's feed alone every story
  is there, once.
- ``/feeds.opml``, every group's feed, for people who pick feeds: nested by kind
  (the site first, then sections, tags, authors) so a reader that imports it
  keeps the grouping.

Each group is listed in one format only (``opml_format``, Atom by default): a
reader that imports a whole list must not get every story three times. No
``dateModified``: a list changes only when the groups do.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..catalog.groups import SITE, Group
from ..catalog.store import View
from ..site import formats, kinds
from ..site import urlspace as urls
from .document import Document

MEDIA_TYPE = "text/x-opml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class OpmlList:
    """One subscription list: where it lives, what it is called, and whether it holds every
    group's feed or the site's alone."""

    path: str
    title: str  # after the site's title
    every_group: bool


LISTS = (OpmlList(urls.SUBSCRIBE_OPML, "the whole site", every_group=False),
         OpmlList(urls.OPML, "every feed", every_group=True))
PATHS = {found.path: found for found in LISTS}


def render_opml(view: View, path: str = urls.OPML) -> Document:
    """Render the subscription list at ``path`` (one of ``LISTS``)."""
    settings = view.settings
    found = PATHS[path]
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{settings.title}: {found.title}"
    if settings.author:
        etree.SubElement(head, "ownerName").text = settings.author.name
    body = etree.SubElement(root, "body")
    _outline(body, view, SITE)
    if found.every_group:
        groups = view.groups()
        for kind in kinds.named():
            members = [g for g in groups if g.kind == kind.name]
            if members:
                outline = etree.SubElement(body, "outline", text=kind.plural)
                for group in members:
                    _outline(outline, view, group)
    data = etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    return Document(data, MEDIA_TYPE)


def _outline(parent: etree._Element, view: View, group: Group) -> None:
    settings = view.settings
    fmt = formats.by_name(settings.opml_format) or formats.archived()
    title = group.title(settings.title)
    version = {"version": fmt.opml_version} if fmt.opml_version else {}
    etree.SubElement(
        parent, "outline", type="rss", **version, text=title, title=title,
        description=group.description(settings.title, settings.description),
        xmlUrl=settings.url(urls.feed(group, fmt)), htmlUrl=settings.url(group.base_path),
    )
