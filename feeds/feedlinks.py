"""feedgen extensions for the links its writers drop.

feedgen's RSS writer keeps only the ``rel="self"`` atom:link, so WebSub's
``rel="hub"`` (WebSub 4, "Discovery") is added here; its Atom entry writer
loses the ``rel`` and ``type`` of every entry link, so entry links other than
the alternate (``related``, ``enclosure``: RFC 4287 4.2.7.2) are written here.
"""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
HISTORY = "http://purl.org/syndication/history/1.0"  # RFC 5005


class FeedLinks(BaseExtension):
    """Channel-level atom:link elements for RSS (hubs), and RFC 5005's markers for Atom."""

    def __init__(self) -> None:
        self.hubs: list[str] = []
        self.history: str | None = None  # "complete" or "archive"

    def extend_ns(self) -> dict[str, str]:
        return {"fh": HISTORY} if self.history else {}

    def extend_atom(self, feed: Any) -> Any:
        if self.history:
            etree.SubElement(feed, f"{{{HISTORY}}}{self.history}")
        return feed

    def extend_rss(self, feed: Any) -> Any:
        channel = feed[0]
        anchor = channel.find(f"{{{ATOM}}}link")
        for hub in reversed(self.hubs):
            link = etree.Element(f"{{{ATOM}}}link", href=hub, rel="hub")
            if anchor is not None:
                anchor.addnext(link)
            else:
                channel.append(link)
        return feed


class EntryLinks(BaseEntryExtension):
    """Entry-level Atom links with their rel, type and length kept; the RSS enclosure."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []
        self.enclosure: dict[str, str] | None = None  # RSS 2.0 <enclosure url length type>

    def extend_rss(self, item: Any) -> Any:
        # (feedgen's own enclosure() also adds an Atom link that loses its rel.)
        if self.enclosure:
            etree.SubElement(item, "enclosure", self.enclosure)
        return item

    def extend_atom(self, entry: Any) -> Any:
        # feedgen writes Atom elements unqualified under a default xmlns; so do we.
        for attributes in self.links:
            etree.SubElement(entry, "link", attributes)
        return entry
