"""Podcasts: a section that is a show, as ``config.yaml``'s ``podcasts:`` describes it.

A show is one section's stories read as episodes: its RSS feed carries the
``itunes:`` tags Apple documents ("A Podcaster's Guide to RSS", Apple Podcasts for
Creators) and the Podcasting 2.0 ``podcast:`` tags (podcastindex.org/namespace/1.0),
and its page plays each episode. This module is the show's record and its checks,
as the settings table calls them; the file checks (the artwork's size, an episode's
duration) are in ``mediafacts``, and the feed's tags in ``documents.podcast``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from .story import Enclosure, Story, slugify
from .text import EMAIL, clean_line, is_web_url

# The Podcasting 2.0 namespace's own UUID, the namespace of every podcast:guid (tags/guid.md).
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
SHOW_TYPES = ("episodic", "serial")  # itunes:type
EPISODE_TYPES = ("full", "trailer", "bonus")  # itunes:episodeType
MAX_TEXT = 255  # Apple: tag values are limited to 255 characters...
MAX_DESCRIPTION = 4000  # ... and a description to 4,000 bytes

# Apple's categories and their subcategories, as Apple Podcasts for Creators lists them
# ("Apple Podcasts categories"); itunes:category's text must be one of these, spelled so.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing",
                 "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health",
                         "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
                "Home & Garden", "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
             "Sports News", "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism",
                                "Religion", "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
                "Natural Sciences", "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel",
                          "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf",
               "Hockey", "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball",
               "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews",
                  "TV Reviews"),
}
_KEYS = ("title", "description", "author", "owner", "image", "categories", "explicit", "type",
         "locked", "funding", "feed_size", "guid")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class Funding:
    """Where listeners can support the show (``podcast:funding``)."""

    url: str
    text: str


@dataclass(frozen=True, slots=True)
class Show:
    """One show: a section's stories as a podcast, with what directories ask of it."""

    section: str  # the section's slug, as its URLs spell it
    title: str
    description: str
    author: str
    owner_name: str
    owner_email: str
    image: str  # a path under content/ or an http(s) URL, as written
    categories: tuple[tuple[str, str | None], ...]
    explicit: bool = False
    type: str = "episodic"
    locked: bool = False
    funding: tuple[Funding, ...] = ()
    feed_size: int | None = None  # None: every episode
    guid: str | None = None  # kept after a move; None: made from the feed's URL

    def to_raw(self) -> dict[str, Any]:
        """Return the show as config.yaml writes it (what the catalogue keeps for workers)."""
        raw: dict[str, Any] = {
            "title": self.title, "description": self.description, "author": self.author,
            "owner": {"name": self.owner_name, "email": self.owner_email}, "image": self.image,
            "categories": [f"{main} > {sub}" if sub else main for main, sub in self.categories],
            "explicit": self.explicit, "type": self.type, "locked": self.locked,
            "funding": [{"url": f.url, "text": f.text} for f in self.funding],
        }
        if self.feed_size is not None:
            raw["feed_size"] = self.feed_size
        if self.guid is not None:
            raw["guid"] = self.guid
        return raw


@dataclass(frozen=True, slots=True)
class Shows:
    """Every show of the site, by section (the ``podcasts`` setting)."""

    shows: tuple[Show, ...] = ()

    def of(self, section_slug: str) -> Show | None:
        """Return the show a section is, if it is one."""
        return next((s for s in self.shows if s.section == section_slug), None)

    def to_raw(self) -> dict[str, Any]:
        return {show.section: show.to_raw() for show in self.shows}

    def artwork(self) -> set[str]:
        """Return the shows' artwork files under content/ (served like a story's media)."""
        return {show.image for show in self.shows if "://" not in show.image}

    def __bool__(self) -> bool:
        return bool(self.shows)


def podcast_guid(feed_url: str) -> str:
    """Return a show's ``podcast:guid``: the UUIDv5 of its feed URL with the scheme and the
    trailing slashes taken off, in the namespace's own UUID (podcast namespace, tags/guid.md)."""
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url).rstrip("/")
    return str(uuid.uuid5(GUID_NAMESPACE, bare))


def audio_of(story: Story) -> Enclosure | None:
    """Return an episode's audio: the story's first audio enclosure."""
    return next((e for e in story.enclosures if e.type.startswith("audio/")), None)


def parse_shows(value: Any) -> Shows:
    """Check the ``podcasts`` setting: a mapping of section names to shows.

    Raise ``ValueError`` naming the section and key, and what to write instead.
    """
    if value in (None, "", {}):
        return Shows()
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of section names to shows, such as "
                         "'podcasts: {briefing: {title: ..., ...}}'")
    shows: dict[str, Show] = {}
    for name, raw in value.items():
        section = slugify(clean_line(str(name)))
        if section in shows:
            raise ValueError(f"{name}: two shows name the same section; keep one")
        try:
            shows[section] = _show(section, raw)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return Shows(tuple(shows[key] for key in sorted(shows)))


def _show(section: str, raw: Any) -> Show:
    if not isinstance(raw, dict):
        raise ValueError(f"a show is a mapping of {', '.join(_KEYS)}")
    unknown = [str(k) for k in raw if k not in _KEYS]
    if unknown:
        raise ValueError(f"unknown key {unknown[0][:80]}: use {', '.join(_KEYS)}")
    name, email = _owner(raw.get("owner"))
    size = raw.get("feed_size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int)
                             or not 1 <= size <= 100_000):
        raise ValueError("feed_size: expected a whole number of episodes from 1 to 100000, "
                         "or leave it out for every episode")
    show_type = _line(raw, "type", required=False) or "episodic"
    if show_type not in SHOW_TYPES:
        raise ValueError("type: expected episodic (newest first) or serial (in order)")
    return Show(
        section=section,
        title=_line(raw, "title"),
        description=_line(raw, "description", MAX_DESCRIPTION),
        author=_line(raw, "author"),
        owner_name=name, owner_email=email,
        image=_image(raw.get("image")),
        categories=_categories(raw.get("categories")),
        explicit=_flag(raw, "explicit"),
        type=show_type,
        locked=_flag(raw, "locked"),
        funding=_funding(raw.get("funding")),
        feed_size=size,
        guid=_guid(raw.get("guid")),
    )


def _guid(value: Any) -> str | None:
    """A show's podcast:guid, as written: it follows the show for life, even when its feed
    moves to another address (podcast namespace, tags/guid.md), so a moved site keeps it."""
    if value is None:
        return None
    guid = str(value).strip().lower()
    if not _UUID.fullmatch(guid):
        raise ValueError("guid: expected the show's podcast:guid, such as "
                         "917393e3-1b1e-5cef-ace4-edaa54e1f810 (leave it out to make it from "
                         "the feed's address)")
    return guid


def _line(raw: dict[str, Any], key: str, limit: int = MAX_TEXT, required: bool = True) -> str:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f"there is no {key}: Apple and Spotify need one")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{key}: expected text on one line")
    text = clean_line(str(value))
    if len(text) > limit:
        raise ValueError(f"{key}: longer than Apple's {limit} characters: shorten it")
    return text


def _flag(raw: dict[str, Any], key: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{key}: expected true or false")
    return value


def _owner(value: Any) -> tuple[str, str]:
    if not isinstance(value, dict) or set(value) - {"name", "email"}:
        raise ValueError("owner: expected {name: ..., email: ...}: Apple writes to that "
                         "address to confirm the show is yours")
    name = _line(value, "name")
    email = _line(value, "email")
    if not EMAIL.fullmatch(email):
        raise ValueError("owner: the email is not an address such as podcasts@news.example")
    return name, email


def _image(value: Any) -> str:
    if not isinstance(value, str) or not clean_line(value):
        raise ValueError("there is no image: give the show's artwork, a path under content/ "
                         "(such as briefing/cover.jpg) or an https URL; square, 1400 to 3000 "
                         "pixels, JPEG or PNG")
    image = clean_line(value)
    if "://" in image:
        if not is_web_url(image):
            raise ValueError("image: an address must be an http(s) URL")
        return image
    parts = image.strip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ValueError("image: give a path under content/, such as briefing/cover.jpg")
    if not image.lower().endswith((".jpg", ".jpeg", ".png")):
        raise ValueError("image: Apple takes JPEG or PNG artwork (.jpg or .png)")
    return "/".join(parts)


def _categories(value: Any) -> tuple[tuple[str, str | None], ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError("there are no categories: give one or more of Apple's, such as "
                         "'categories: [News > Daily News]'")
    found: list[tuple[str, str | None]] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError("categories: each is a name such as News or News > Daily News")
        main, _, sub = (part.strip() for part in item.partition(">"))
        if main not in CATEGORIES:
            raise ValueError(f"categories: {main[:80]} is not one of Apple's: use one of "
                             f"{', '.join(CATEGORIES)}")
        if sub and sub not in CATEGORIES[main]:
            subs = ", ".join(CATEGORIES[main]) or "none"
            raise ValueError(f"categories: {sub[:80]} is not a subcategory of {main}: use one "
                             f"of {subs}")
        if (main, sub or None) not in found:
            found.append((main, sub or None))
    return tuple(found)


def _funding(value: Any) -> tuple[Funding, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if not isinstance(item, dict) or set(item) - {"url", "text"}:
            raise ValueError("funding: each is {url: https://..., text: Support the show}")
        url = _line(item, "url", 2000)
        if not is_web_url(url):
            raise ValueError("funding: the url must be an http(s) URL")
        found.append(Funding(url, _line(item, "text", 128)))
    return tuple(found)
