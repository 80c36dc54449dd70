"""A story file's podcast episode fields: ``episode``, ``season``, ``episode_type``,
``explicit``, ``transcript`` and ``chapters`` (README, Podcasts).

Any story may carry them; they matter where its section is a show. Numbers are
whole and positive (Apple: ``itunes:episode`` and ``itunes:season`` are non-zero
integers); a transcript is a file beside the story or a URL, its type named or
known from its suffix (the Podcasting 2.0 ``podcast:transcript`` types); chapters
are a JSON chapters file (``application/json+chapters``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol

from ..errors import StoryError
from .podcasts import EPISODE_TYPES
from .story import Episode, Transcript

EPISODE_FIELDS = ("episode", "season", "episode_type", "explicit", "transcript", "chapters")
MAX_NUMBER = 1_000_000
MAX_TRANSCRIPTS = 10
# podcast:transcript's types, by the names a writer uses and the file suffixes.
TRANSCRIPT_TYPES = {
    "vtt": "text/vtt", "webvtt": "text/vtt", "text/vtt": "text/vtt",
    "srt": "application/x-subrip", "application/x-subrip": "application/x-subrip",
    "html": "text/html", "htm": "text/html", "text/html": "text/html",
    "json": "application/json", "application/json": "application/json",
}


class Fields(Protocol):
    """What reading a story file offers (``storyfile._Fields``)."""

    data: dict[Any, Any]

    def fail(self, key: str, message: str) -> StoryError: ...


Resolve = Callable[[Any, str, Any, str], str]  # (fields, key, url, base) -> absolute URL


def read_episode(f: Fields, folder: str, resolve: Resolve) -> Episode | None:
    """Read a story's episode fields; None when it has none."""
    if not any(key in f.data for key in EPISODE_FIELDS):
        return None
    kind = f.data.get("episode_type", "full")
    if kind not in EPISODE_TYPES:
        raise f.fail("episode_type", "expected full, trailer or bonus.")
    explicit = f.data.get("explicit")
    if explicit is not None and not isinstance(explicit, bool):
        raise f.fail("explicit", "expected true or false (or leave it out: the show's).")
    chapters = f.data.get("chapters")
    if chapters is not None:
        if not isinstance(chapters, str) or not chapters.lower().split("?")[0].endswith(".json"):
            raise f.fail("chapters", "give a JSON chapters file beside the story (such as "
                                     "chapters.json) or its https URL.")
        chapters = resolve(f, "chapters", chapters, folder)
    return Episode(
        number=_number(f, "episode"), season=_number(f, "season"), type=kind,
        explicit=explicit, transcripts=_transcripts(f, folder, resolve), chapters=chapters,
    )


def _number(f: Fields, key: str) -> int | None:
    value = f.data.get(key)
    if value is None:
        return None
    number = getattr(value, "number", value)  # a Spelled number, as front matter keeps it
    if isinstance(number, str) and number.strip().isascii() and number.strip().isdigit():
        number = int(number.strip())  # quoted: episode: "12"
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_NUMBER:
        raise f.fail(key, f"expected a whole number from 1 to {MAX_NUMBER:,}.")
    return number


def _transcripts(f: Fields, folder: str, resolve: Resolve) -> tuple[Transcript, ...]:
    value = f.data.get("transcript")
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_TRANSCRIPTS:
        raise f.fail("transcript", f"more than {MAX_TRANSCRIPTS} transcripts: keep one a format.")
    found = []
    for item in items:
        url, kind = (item.get("url"), item.get("type")) if isinstance(item, dict) else (item, None)
        if isinstance(item, dict) and set(item) - {"url", "type"}:
            raise f.fail("transcript", "a transcript is a file or URL, or {url, type}.")
        if not isinstance(url, str):
            raise f.fail("transcript", "give the transcript's file beside the story (such as "
                                       "transcript.vtt) or its URL.")
        if kind is None:
            kind = os.path.splitext(url.split("?")[0])[1].lstrip(".")
        media_type = TRANSCRIPT_TYPES.get(str(kind).lower())
        if media_type is None:
            raise f.fail("transcript", "the type is not one podcast apps read: name it vtt "
                                       "(WebVTT), srt (SubRip), html or json.")
        found.append(Transcript(resolve(f, "transcript", url, folder), media_type))
    return tuple(found)
