"""The Story record and its small value types: plain data, no I/O.

A story travels as JSON between the processes (the parse workers, the publisher's
catalogue, the serving workers), so the record knows how to write and read itself:
never pickle in the catalogue, where loading could build an arbitrary object.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

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
    """A story's lead image; ``url`` is absolute once the story is parsed. Its size in pixels
    is read from the file when it is one of the site's (link previews show it), else None."""

    url: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A media attachment: RSS ``enclosure``, Atom ``rel="enclosure"``, JSON Feed attachment."""

    url: str
    type: str
    length: int
    duration: int | None = None  # seconds, read from the file when it is the site's own


@dataclass(frozen=True, slots=True)
class Transcript:
    """A transcript or captions file of an episode (``podcast:transcript``)."""

    url: str
    type: str  # text/vtt, application/x-subrip, text/html or application/json


@dataclass(frozen=True, slots=True)
class Episode:
    """What a story says of itself as a podcast episode (only a show's stories use it)."""

    number: int | None = None  # itunes:episode, podcast:episode
    season: int | None = None  # itunes:season, podcast:season
    type: str = "full"  # itunes:episodeType: full, trailer or bonus
    explicit: bool | None = None  # None: the show's
    transcripts: tuple[Transcript, ...] = ()
    chapters: str | None = None  # a JSON chapters file's URL (podcast:chapters)

    def to_raw(self) -> dict[str, object]:
        found: dict[str, object] = {}
        for name in _EPISODE_FIELDS:
            value = getattr(self, name)
            if value != getattr(_NO_EPISODE, name):
                found[name] = ([{"url": t.url, "type": t.type} for t in value]
                               if name == "transcripts" else value)
        return found

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> Episode:
        return cls(**{**raw, "transcripts": tuple(Transcript(**t)
                                                  for t in raw.get("transcripts", ()))})


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
    episode: Episode | None = None  # its episode fields, when it has any (site.podcasts)

    @property
    def url_path(self) -> str:
        """Return the story's permalink path, ``/<path>/``."""
        return f"/{self.path}/"

    def to_json(self) -> str:
        """Return the story as compact keyed JSON (the catalogue's form of it).

        Each field under its own name, in the record's order; a field at its default
        (no image, no tags, not a draft...) is left out, and ``has_own_id`` always is
        (writing the id into the file changes nothing a reader sees). A field added to the
        record later is read as its default from what an older feeds wrote: no migration.
        """
        found: dict[str, object] = {}
        for name, default in _FIELDS:
            value = getattr(self, name)
            if value != default or default is _REQUIRED:
                found[name] = _ENCODE[name](value) if name in _ENCODE else value
        return compact_json(found)

    @classmethod
    def from_json(cls, text: str | bytes) -> Story:
        """Read a story written by ``to_json``; a field it leaves out takes its default."""
        try:
            raw = orjson.loads(text)
        except orjson.JSONDecodeError:
            raw = json.loads(text)  # (an integer past 64 bits: orjson refuses it)
        values: dict[str, Any] = {name: _DECODE[name](value) if name in _DECODE else value
                                  for name, value in raw.items() if name in _NAMES}
        return cls(**values)


def _author(author: Author) -> dict[str, str]:
    found = {"name": author.name}
    if author.email is not None:
        found["email"] = author.email
    if author.uri is not None:
        found["uri"] = author.uri
    return found


_NO_EPISODE = Episode()
_EPISODE_FIELDS = tuple(f.name for f in fields(Episode))


def _enclosure(enclosure: Enclosure) -> dict[str, object]:
    found: dict[str, object] = {"url": enclosure.url, "type": enclosure.type,
                                "length": enclosure.length}
    if enclosure.duration is not None:
        found["duration"] = enclosure.duration
    return found


_REQUIRED = object()
_FIELDS = tuple((f.name, _REQUIRED if f.default is MISSING else f.default)
                for f in fields(Story) if f.name != "has_own_id")
_NAMES = frozenset(name for name, _ in _FIELDS)
# How a field that is not plain JSON is written, and read back.
_ENCODE: dict[str, Callable[[Any], object]] = {
    "date": datetime.isoformat, "updated": datetime.isoformat,
    "authors": lambda authors: [_author(a) for a in authors],
    "tags": list, "aliases": list,
    "image": lambda image: {"url": image.url, "alt": image.alt, **(
        {"width": image.width, "height": image.height} if image.width else {})},
    "enclosures": lambda found: [_enclosure(e) for e in found],
    "extra_groups": lambda found: {kind: list(names) for kind, names in found},
    "episode": Episode.to_raw,
}
_DECODE: dict[str, Callable[[Any], object]] = {
    "date": datetime.fromisoformat, "updated": datetime.fromisoformat,
    "authors": lambda found: tuple(Author(**a) for a in found),
    "tags": tuple, "aliases": tuple,
    "image": lambda image: Image(**image) if image else None,
    "enclosures": lambda found: tuple(Enclosure(**e) for e in found),
    "extra_groups": lambda found: tuple((kind, tuple(names)) for kind, names in found.items()),
    "episode": lambda raw: Episode.from_raw(raw) if raw is not None else None,
}


@lru_cache(maxsize=2048)  # names repeat: a site has a few thousand at most (~250 B each)
def slugify(name: str) -> str:
    """Return the URL slug of a tag, author or section name: lowercase ASCII words and hyphens.

    Stable (the same name always gives the same slug) so group URLs never move;
    names that slug alike are reported by the publisher.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].strip("-")
    return slug or "-".join(f"u{ord(c):x}" for c in name if not c.isspace())[:80] or "untitled"
