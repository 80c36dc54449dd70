"""Write ``/feeds.opml``: every group's feed, once, as an OPML 2.0 subscription list.

OPML 2.0 (opml.org/spec2.opml): one outline per feed with ``type="rss"`` (the
spec's word for any feed), ``xmlUrl`` and ``htmlUrl``, nested by kind (the site
first, then sections, tags, authors) so a reader that imports it keeps the
grouping. Each group is listed in one format only (``opml_format``, Atom by
default): a reader that imports the whole list must not get every story three
times. No ``dateModified``: the list changes only when the groups do.
"""

from __future__ import annotations

from lxml import etree

from ..catalog.groups import KINDS, NAMED_KINDS, SITE, Group
from ..catalog.store import View
from . import urls
from .document import Document
from .formats import by_name

MEDIA_TYPE = "text/x-opml; charset=utf-8"


def render_opml(view: View) -> Document:
    """Render the subscription list of every group with published stories."""
    settings = view.settings
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{settings.title}: every feed"
    if settings.author:
        etree.SubElement(head, "ownerName").text = settings.author.name
    body = etree.SubElement(root, "body")
    _outline(body, view, SITE)
    groups = view.groups()
    for kind in NAMED_KINDS:
        members = [g for g in groups if g.kind == kind]
        if members:
            outline = etree.SubElement(body, "outline", text=KINDS[kind].plural)
            for group in members:
                _outline(outline, view, group)
    data = etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    return Document(data, MEDIA_TYPE)


def _outline(parent: etree._Element, view: View, group: Group) -> None:
    settings = view.settings
    fmt = by_name(settings.opml_format)
    title = group.title(settings.title)
    etree.SubElement(
        parent, "outline", type="rss", version=fmt.label, text=title, title=title,
        description=group.description(settings.title, settings.description),
        xmlUrl=settings.url(urls.feed(group, fmt.file)), htmlUrl=settings.url(group.base_path),
    )
