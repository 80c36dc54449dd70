"""The Story record and its small value types: plain data, no I/O."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Author:
    """A person credited with a story (RFC 4287 3.2: a name, and optionally an email and a URI)."""

    name: str
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class Image:
    """A story's lead image; ``url`` is absolute once the story is parsed."""

    url: str
    alt: str = ""


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A media attachment: RSS ``enclosure``, Atom ``rel="enclosure"``, JSON Feed attachment."""

    url: str
    type: str
    length: int


@dataclass(frozen=True, slots=True)
class Story:
    """One published (or scheduled, or draft) story, as read from its file.

    ``path`` is the file's path under ``content/`` with ``/`` separators and no
    extension: it names the permalink ``/<path>/``. ``body`` is the Markdown
    source; the HTML is made on demand by ``markup`` because most stories of a
    large site are never rendered into a feed.
    """

    path: str
    source: str
    title: str
    id: str
    date: datetime
    updated: datetime
    authors: tuple[Author, ...]
    section: str | None
    tags: tuple[str, ...] = ()
    summary: str | None = None
    body: str = ""
    image: Image | None = None
    enclosures: tuple[Enclosure, ...] = ()
    link: str | None = None
    draft: bool = False
    has_own_id: bool = field(default=True, compare=False)

    @property
    def url_path(self) -> str:
        """Return the story's permalink path, ``/<path>/``."""
        return f"/{self.path}/"


@lru_cache(maxsize=65536)
def slugify(name: str) -> str:
    """Return the URL slug of a tag or author name: lowercase ASCII words joined by hyphens.

    Stable (the same name always gives the same slug) so tag and author URLs
    never move; names that slug alike are reported by the index.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or "-".join(f"u{ord(c):x}" for c in name if not c.isspace())[:80] or "untitled"
