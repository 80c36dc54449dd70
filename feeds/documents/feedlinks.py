"""feedgen extensions for what its writers drop or write in a form some readers misread.

- feedgen's RSS writer keeps only the ``rel="self"`` atom:link, so WebSub's
  ``rel="hub"`` (WebSub 4, "Discovery") is added here;
- its Atom entry writer loses the ``rel`` and ``type`` of every entry link, so
  entry links other than the alternate (``related``, ``enclosure``: RFC 4287
  4.2.7.2) are written here;
- RFC 5005's ``fh:complete``/``fh:archive`` markers and RFC 6721's
  ``at:deleted-entry`` tombstones have no feedgen API;
- it writes an RSS ``<author>`` only for authors with an address, one each, where
  RSS 2.0 allows one per item (``syndication.rss_author``);
- it writes dates with their offset: here Atom dates end in ``Z`` and RSS
  dates in ``GMT`` (RFC 822 as RSS 2.0 profiles it), which every parser reads.
"""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
HISTORY = "http://purl.org/syndication/history/1.0"  # RFC 5005
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"  # RFC 6721
_RSS_DATES = ("pubDate", "lastBuildDate")
_ATOM_DATES = (f"{{{ATOM}}}updated", f"{{{ATOM}}}published", "updated", "published")


def _utc_dates(element: Any, names: tuple[str, ...], old: str, new: str) -> None:
    """Rewrite the UTC offset of the direct date children of ``element`` in the usual form."""
    for child in element:
        if child.tag in names and child.text and child.text.endswith(old):
            child.text = child.text[: -len(old)] + new


class FeedLinks(BaseExtension):
    """Channel-level atom:links for RSS (hubs); RFC 5005 markers and RFC 6721 tombstones."""

    def __init__(self) -> None:
        self.hubs: list[str] = []
        self.history: str | None = None  # "complete" or "archive"
        self.tombstones: list[tuple[str, str]] = []  # (ref, when)

    def extend_ns(self) -> dict[str, str]:
        found = {"fh": HISTORY} if self.history else {}
        if self.tombstones:
            found["at"] = TOMBSTONES
        return found

    def extend_atom(self, feed: Any) -> Any:
        _utc_dates(feed, _ATOM_DATES, "+00:00", "Z")
        if self.history:
            etree.SubElement(feed, f"{{{HISTORY}}}{self.history}")
        for ref, when in self.tombstones:
            etree.SubElement(feed, f"{{{TOMBSTONES}}}deleted-entry", ref=ref, when=when)
        return feed

    def extend_rss(self, feed: Any) -> Any:
        channel = feed[0]
        _utc_dates(channel, _RSS_DATES, "+0000", "GMT")
        anchor = channel.find(f"{{{ATOM}}}link")
        for hub in reversed(self.hubs):
            link = etree.Element(f"{{{ATOM}}}link", href=hub, rel="hub")
            if anchor is not None:
                anchor.addnext(link)
            else:
                channel.append(link)
        return feed


class EntryLinks(BaseEntryExtension):
    """Entry-level Atom links with their rel, type and length kept; the RSS enclosure and
    author; dates."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []
        self.enclosure: dict[str, str] | None = None  # RSS 2.0 <enclosure url length type>
        self.rss_author: str | None = None  # RSS 2.0 <author>, one per item

    def extend_rss(self, item: Any) -> Any:
        _utc_dates(item, _RSS_DATES, "+0000", "GMT")
        # (feedgen's own enclosure() also adds an Atom link that loses its rel.)
        if self.enclosure:
            etree.SubElement(item, "enclosure", self.enclosure)
        # feedgen writes an <author> per author that has an address; RSS allows one.
        for old in item.findall("author"):
            item.remove(old)
        if self.rss_author:
            etree.SubElement(item, "author").text = self.rss_author
        return item

    def extend_atom(self, entry: Any) -> Any:
        _utc_dates(entry, _ATOM_DATES, "+00:00", "Z")
        # feedgen writes Atom elements unqualified under a default xmlns; so do we.
        for attributes in self.links:
            etree.SubElement(entry, "link", attributes)
        return entry
