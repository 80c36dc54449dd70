"""The feed formats, in one table: a new format is one row here and its writer.

Each format has its file name under a group's base path, its media type
(DESIGN.md, "HTTP behaviour"), the label pages show, its name in an OPML
outline's ``version``, and its writer in ``syndication``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..site.urlspace import FEED_FILES
from . import syndication

if TYPE_CHECKING:
    from ..site.config import Settings
    from .archives import FeedSpec


@dataclass(frozen=True, slots=True)
class Format:
    """One feed format: where it lives, what it is called, and who writes it."""

    name: str  # as config.yaml names it (opml_format: atom)
    file: str
    media_type: str
    label: str
    opml_version: str | None  # an OPML outline's version (W3C: RSS, RSS1, RSS2, scriptingNews)
    writer: Callable[[Settings, FeedSpec, Format], bytes]

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"

    def write(self, settings: Settings, spec: FeedSpec) -> bytes:
        return self.writer(settings, spec, self)


RSS = Format("rss", FEED_FILES["rss"], "application/rss+xml", "RSS", "RSS2",
             syndication.write_rss)
ATOM = Format("atom", FEED_FILES["atom"], "application/atom+xml", "Atom", None,
              syndication.write_atom)
JSON_FEED = Format("json", FEED_FILES["json"], "application/feed+json", "JSON Feed", None,
                   syndication.write_json)
FORMATS = (RSS, ATOM, JSON_FEED)


def by_file(file: str) -> Format:
    return next(f for f in FORMATS if f.file == file)


def by_name(name: str) -> Format:
    return next(f for f in FORMATS if f.name == name)
