"""The Story record and its small value types: plain data, no I/O.

A story travels as JSON between the processes (the parse workers, the publisher's
catalogue, the serving workers), so the record knows how to write and read itself:
never pickle in the catalogue, where loading could build an arbitrary object.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import orjson

# The standard library's compact JSON: the same bytes as orjson's, for what orjson refuses
# (a lone surrogate, an integer past 64 bits). One encoder: making one per call costs as much
# as encoding a short list.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def compact_json(value: object) -> str:
    """Return ``value`` as compact JSON, as the catalogue keeps it (no spaces, non-ASCII kept).

    orjson writes a story three times faster than the standard library, which on a
    first start of a whole archive is a tenth of the time; the text is the same.
    """
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return _COMPACT.encode(value)


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
    """One story as read from its file (published, scheduled or draft).

    ``path`` is the file's path under ``content/`` with ``/`` separators and no
    extension: it names the permalink ``/<path>/``. ``body`` is the Markdown
    source; its HTML is made where a document needs it (``markup``), because
    most stories of a large site are never rendered into a feed.
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
    aliases: tuple[str, ...] = ()
    has_own_id: bool = True
    # The names of its groups of kinds that have no field above (``site.kinds``), by kind:
    # (("series", ("Harbour works",)),). Empty for every kind feeds ships.
    extra_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def url_path(self) -> str:
        """Return the story's permalink path, ``/<path>/``."""
        return f"/{self.path}/"

    def to_json(self) -> str:
        """Return the story as compact JSON (the catalogue's form of it); the groups of other
        kinds go last, as a mapping, and only when there are some, so the stories of the
        kinds feeds ships keep the text they had."""
        fields: list[object] = [
            self.path, self.source, self.title, self.id, self.date.isoformat(),
            self.updated.isoformat(), [[a.name, a.email, a.uri] for a in self.authors],
            self.section, list(self.tags), self.summary, self.body,
            [self.image.url, self.image.alt] if self.image else None,
            [[e.url, e.type, e.length] for e in self.enclosures], self.link, self.draft,
            list(self.aliases),
        ]
        if self.extra_groups:
            fields.append({kind: list(names) for kind, names in self.extra_groups})
        return compact_json(fields)

    @classmethod
    def from_json(cls, text: str) -> Story:
        """Read a story written by ``to_json`` (which leaves out ``has_own_id``: writing the id
        into the file changes nothing a reader sees)."""
        (path, source, title, story_id, date, updated, authors, section, tags, summary, body,
         image, enclosures, link, draft, aliases, *extra) = json.loads(text)
        return cls(
            path=path, source=source, title=title, id=story_id,
            date=datetime.fromisoformat(date), updated=datetime.fromisoformat(updated),
            authors=tuple(Author(*a) for a in authors), section=section, tags=tuple(tags),
            summary=summary, body=body, image=Image(*image) if image else None,
            enclosures=tuple(Enclosure(*e) for e in enclosures), link=link, draft=draft,
            aliases=tuple(aliases),
            extra_groups=tuple((kind, tuple(names)) for kind, names in extra[0].items())
            if extra else (),
        )


@lru_cache(maxsize=2048)  # names repeat: a site has a few thousand at most (~250 B each)
def slugify(name: str) -> str:
    """Return the URL slug of a tag, author or section name: lowercase ASCII words and hyphens.

    Stable (the same name always gives the same slug) so group URLs never move;
    names that slug alike are reported by the publisher.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].strip("-")
    return slug or "-".join(f"u{ord(c):x}" for c in name if not c.isspace())[:80] or "untitled"
