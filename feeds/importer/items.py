"""One item of a source (a feed entry, a JSON Feed item, a WordPress post), as the readers
leave it: what a story file is written from, whatever format it came in."""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..site.story import Enclosure


@dataclass(slots=True)
class Item:
    """What one source item says, before it becomes a story file.

    ``position`` names it in reports (``item 3 of https://old.example/feed/``);
    ``html`` is the content as the source gave it (sanitised and converted later).
    """

    position: str
    id: str | None
    link: str | None
    title: str
    date: datetime | None
    updated: datetime | None = None
    authors: list[dict[str, str]] = field(default_factory=list)  # name, email, uri
    categories: list[str] = field(default_factory=list)  # the first is the primary one
    tags: list[str] = field(default_factory=list)
    summary: str | None = None  # plain text, or HTML when ``summary_html``
    summary_html: bool = False
    html: str = ""
    image: tuple[str, str] | None = None  # (url, alt)
    enclosures: list[Enclosure] = field(default_factory=list)
    draft: bool = False
    wordpress: bool = False  # content as WordPress stores it: paragraphs by blank lines,
    # shortcodes, <!--more-->
    warnings: list[str] = field(default_factory=list)
    markdown: str | None = None  # a body already in Markdown (Hugo, Jekyll): kept as it is
    aliases: list[str] = field(default_factory=list)  # other old addresses (Hugo's aliases,
    # jekyll-redirect-from), besides ``link``
    media: dict[str, str] = field(default_factory=dict)  # local files of the source: URL in
    # the story -> path of the file to copy beside it
    paid: str | None = None  # for whom the old site kept it ("paid subscribers"), if not all
    slug: str | None = None  # the name the old site gave it, for its file


@dataclass(slots=True)
class SourceReport:
    """What one source held besides its items (which wait in a ``Spool``): what it is, what
    was left out (counted by kind), and where its old feeds were."""

    source: str
    kind: str  # "RSS 2.0", "Atom 1.0", "JSON Feed 1.1", "WordPress export 1.2", ...
    items: int = 0  # items kept (each id once)
    left_out: dict[str, int] = field(default_factory=dict)  # "pages": 3, "comments": 10...
    pages: int = 1  # documents read: the feed and its archive or paged pages
    feed_url: str | None = None  # the feed's own address, for a redirect to the new feed
    format: str = "rss"  # the closest of the site's formats: rss, atom, json
    groups: list[tuple[str, str, str]] = field(default_factory=list)  # (kind of archive,
    # its slug there, its name) for the category, tag and author feed redirects
    paid: int = 0  # items the old site kept for paying readers
    skipped: int = 0  # items the reader could not read (each reported with its line)
    old_feeds: dict[str, str] = field(default_factory=dict)  # the platform's feed paths:
    # "site" -> "/rss/", "tag" -> "/tag/{slug}/rss/", "category" -> ..., "author" -> ...

    def leave_out(self, what: str, count: int = 1) -> None:
        self.left_out[what] = self.left_out.get(what, 0) + count


def parse_date(text: str | None) -> datetime | None:
    """Read a date as feeds write them: RFC 3339 (Atom, JSON Feed), RFC 822 (RSS), or
    WordPress' ``2019-05-01 10:00:00`` (UTC where it says ``_gmt``)."""
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            found = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if found.tzinfo is None:
        found = found.replace(tzinfo=UTC)
    return found


def from_struct(value: time.struct_time | None) -> datetime | None:
    """feedparser's parsed date (UTC), for dates its own reader understood and ours did not."""
    if value is None:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None
