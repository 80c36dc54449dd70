"""Write ``/feeds.opml``: every feed of the site as an OPML 2.0 subscription list, grouped.

OPML 2.0 (opml.org/spec2.opml): one outline per feed with ``type="rss"`` (the
spec's word for any feed), ``xmlUrl`` and ``htmlUrl``, nested by kind (the site,
sections, tags, authors) so a reader that imports it keeps the grouping.
"""

from __future__ import annotations

from email.utils import format_datetime

from lxml import etree

from . import urls
from .feedspec import Document, group_title, newest_update
from .index import SITE, GroupKey, Snapshot
from .render import MEDIA_TYPES

MEDIA_TYPE = "text/x-opml; charset=utf-8"
KINDS = (("section", "Sections"), ("tag", "Tags"), ("author", "Authors"))
FORMATS = {"rss.xml": "RSS", "atom.xml": "Atom", "feed.json": "JSON Feed"}


def render_opml(snapshot: Snapshot) -> Document:
    """Render the subscription list of every group with published stories."""
    settings = snapshot.settings
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{settings.title}: every feed"
    newest = newest_update(snapshot.latest(SITE, 1))
    etree.SubElement(head, "dateModified").text = format_datetime(newest)  # never "now"
    if settings.author:
        etree.SubElement(head, "ownerName").text = settings.author.name
    body = etree.SubElement(root, "body")
    _group(body, snapshot, SITE, settings.title)
    for kind, label in KINDS:
        keys = sorted((k for k in snapshot.names if k[0] == kind and snapshot.count(k)),
                      key=lambda k: snapshot.names[k].casefold())
        if keys:
            outline = etree.SubElement(body, "outline", text=label)
            for key in keys:
                _group(outline, snapshot, key, snapshot.names[key])
    data = etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    return Document(data, MEDIA_TYPE, newest)


def _group(parent: etree._Element, snapshot: Snapshot, group: GroupKey, name: str) -> None:
    settings = snapshot.settings
    title, description = group_title(snapshot, group)
    outline = etree.SubElement(parent, "outline", text=name)
    for file in MEDIA_TYPES:
        label = f"{title} ({FORMATS[file]})"
        etree.SubElement(
            outline, "outline", type="rss", version=FORMATS[file], text=label, title=label,
            description=description,
            xmlUrl=settings.url(urls.feed(group, file)), htmlUrl=settings.url(urls.base(group)),
        )
