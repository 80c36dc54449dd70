"""The feed formats, in one table: a new format is one row here and its writer.

A ``Format`` row says everything that varies between formats: its name (as
``config.yaml``'s ``opml_format`` names it), its file under a group's base path,
its media type (RFC 4287 8, the RSS Advisory Board's ``application/rss+xml``,
JSON Feed 1.1's ``application/feed+json``), the label pages show, its name in an
OPML outline's ``version``, whether it is the group's archived feed (RFC 5005),
and its writer. Everything else is derived from the rows: the URL shapes and the
names no story may take (``urlspace``), the setting's check, the pages' links,
the OPML lists, the static build's nginx locations.

The table lives in the site layer because reading a story file (which URLs are
the site's own) and reading ``config.yaml`` need it, in every process; the writer
is named by its import path (``module:function``, the form of a console-script
entry point), so listing the formats never imports how documents are written.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..documents.archives import FeedSpec
    from .config import Settings

    Writer = Callable[[Settings, FeedSpec, "Format"], bytes]


@dataclass(frozen=True, slots=True)
class Format:
    """One feed format: where it lives, what it is called, and who writes it."""

    name: str  # as config.yaml names it (opml_format: atom)
    file: str  # under a group's base path: /world/atom.xml
    media_type: str
    label: str  # what pages call it
    opml_version: str | None  # an OPML outline's version (W3C: RSS, RSS1, RSS2, scriptingNews)
    writer: str | Writer  # "module:function", or the function itself
    archived: bool = False  # the group's RFC 5005 archived feed: archive pages in this format
    podcast: bool = False  # a show's feed (site.podcasts): Apple and Spotify read RSS 2.0 only

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"

    @property
    def location(self) -> str:
        """Return the nginx ``location`` matching this format's feed under any group."""
        return f"~ /{re.escape(self.file)}$"

    def write(self, settings: Settings, spec: FeedSpec) -> bytes:
        """Write a feed document in this format (``documents.archives`` describes it)."""
        writer = _resolve(self.writer) if isinstance(self.writer, str) else self.writer
        return writer(settings, spec, self)


@cache
def _resolve(path: str) -> Writer:
    module, _, name = path.partition(":")
    found: Writer = getattr(importlib.import_module(module), name)
    return found


RSS = Format("rss", "rss.xml", "application/rss+xml", "RSS", "RSS2",
             "feeds.documents.syndication:write_rss", podcast=True)
ATOM = Format("atom", "atom.xml", "application/atom+xml", "Atom", None,
              "feeds.documents.syndication:write_atom", archived=True)
JSON_FEED = Format("json", "feed.json", "application/feed+json", "JSON Feed", None,
                   "feeds.documents.syndication:write_json")
FORMATS: list[Format] = [RSS, ATOM, JSON_FEED]  # in the order pages offer them


def by_file(file: str) -> Format | None:
    """Return the format saved as ``file`` (``atom.xml``), or None."""
    return next((f for f in FORMATS if f.file == file), None)


def by_name(name: str) -> Format | None:
    """Return the format ``config.yaml`` calls ``name``, or None."""
    return next((f for f in FORMATS if f.name == name), None)


def archived() -> Format:
    """Return the format of every group's archived feed (RFC 5005 allows one per group)."""
    return next(f for f in FORMATS if f.archived)


def names() -> str:
    """Return the formats' names as a sentence's list: ``rss, atom or json``."""
    found = [f.name for f in FORMATS]
    return ", ".join(found[:-1]) + " or " + found[-1] if len(found) > 1 else found[0]


@contextmanager
def added(fmt: Format) -> Iterator[Format]:
    """Add a format to the table for the duration of a block (a test's own format)."""
    if by_name(fmt.name) or by_file(fmt.file) or fmt.archived:
        raise ValueError(f"{fmt.name}: a format needs its own name and file, and one group "
                         "feed only is archived.")
    FORMATS.append(fmt)
    try:
        yield fmt
    finally:
        FORMATS.remove(fmt)
