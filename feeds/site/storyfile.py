"""The only code that knows the story file formats: read one file into a ``Story``.

Two formats (README, "A story"): ``*.md`` is YAML front matter between two
``---`` lines followed by the Markdown body; ``*.yaml``/``*.yml`` is a mapping whose
``body`` key holds the Markdown. YAML is always loaded with a safe loader, so no
tag in a story can construct a Python object, and every value is checked for its
type, size and characters: a stranger's file is a problem with a line and a fix,
never a crash, and what it says is never copied into the message.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import imagesize
import yaml

from ..errors import StoryError
from .config import SafeLoader, Settings, old_address, parse_author
from .episodefields import EPISODE_FIELDS, read_episode
from .files import CONTENT_PREFIX, YAML_SUFFIXES, read_file, story_path
from .frontmatter import FlatReader
from .ids import derived_id, is_story_id
from .kinds import KINDS, Kind, kind
from .media import content_path, local_file
from .mediafacts import duration
from .story import Author, Enclosure, Image, Story, slugify
from .text import clean_line, is_web_url, xml_safe
from .urlspace import claim_problem, reserved_folders, story_claim

# The fields of a story file; each kind of group adds its own (site.kinds).
STORY_FIELDS = ("title", "date", "id", "updated", "summary", "image", "enclosures", "link",
                "draft", "aliases", *EPISODE_FIELDS)
LIMITS = {"title": 500, "summary": 5000, "enclosures": 20, "aliases": 50, "url": 2000,
          "id": 500}
FIRST_YEAR, LAST_YEAR = 1900, 9998


def fields() -> list[str]:
    """Return every field a story file may have: its own, and each kind's (by name), as the
    message about an unknown field lists them."""
    named = sorted(k.field for k in KINDS if k.field is not None)
    return [*STORY_FIELDS[:4], *named, *STORY_FIELDS[4:]]
_FRONT_MATTER_FENCE = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)


def read_story(root: Path, source: str, settings: Settings) -> Story:
    """Read and check the story file ``source`` (``content/...``, relative to the site root).

    Raise ``StoryError`` with the file, the line and the fix.
    """
    return parse_story(read_file(root, source).raw, source, settings, root)


def parse_story(raw: bytes, source: str, settings: Settings, root: Path) -> Story:
    """Turn a story file's bytes into a ``Story`` (``root`` resolves local media)."""
    relative = source.removeprefix(CONTENT_PREFIX)
    path = story_path(relative)
    claimed = claim_problem(path)
    if claimed:
        raise StoryError(claimed, source)
    text = _decode(raw, source)
    if relative.endswith(YAML_SUFFIXES):
        data, body, offset = _split_yaml(text, source)
    else:
        data, body, offset = _split_markdown(text, source)
    return _build(_Fields(data, source, text, offset, settings, root), body, relative)


def _decode(raw: bytes, source: str) -> str:
    if not raw.strip():
        raise StoryError("the file is empty: write a title, a date and a body, or delete it.",
                         source, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise StoryError(
            f"byte 0x{raw[exc.start]:02x} is not UTF-8 text: save the file as UTF-8.", source, line
        ) from None
    return text.removeprefix("\ufeff")


class _StoryLoader(SafeLoader):
    """A safe loader that leaves dates as text, so ``_Fields.when`` reads them with line numbers.

    (PyYAML's own timestamp resolver raises a bare ValueError for 2025-13-45.)
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in SafeLoader.yaml_implicit_resolvers.items()
    }


class Spelled(str):
    """A number in front matter, kept as the author spelled it.

    YAML 1.1 reads ``3.10`` as 3.1, ``1:30`` as 90, ``0x1F`` as 31, and 5,000
    digits as an int Python refuses to turn back into text: a title, a tag or a
    name is text, so it keeps its spelling. ``number`` is the value, for the few
    fields that want one (an enclosure's length).
    """

    @property
    def number(self) -> int | float | None:
        """Return the value YAML gives the spelling, or None when it is not a sane number."""
        if len(self) > 40:
            return None
        for construct in (_NUMBERS.construct_yaml_int, _NUMBERS.construct_yaml_float):
            try:
                value: int | float = construct(yaml.ScalarNode("", str(self)))
                return value
            except ValueError:
                continue
        return None


_NUMBERS = yaml.constructor.SafeConstructor()
for _tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
    _StoryLoader.add_constructor(_tag, lambda loader, node: Spelled(node.value))
_FLAT = FlatReader(_StoryLoader)


def _load_yaml(text: str, source: str, offset: int) -> Any:
    flat = _FLAT.load(text)  # most front matter, read without PyYAML (see frontmatter)
    if flat is not None:
        return flat
    try:
        return yaml.load(text, Loader=_StoryLoader)
    except Exception as exc:  # noqa: BLE001 - PyYAML raises more than YAMLError on hostile input
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 + offset if mark is not None else None
        raise StoryError("the YAML is not valid: fix the syntax (quote text that holds ': ' "
                         "or starts with a special character).", source, line) from None


def _split_markdown(text: str, source: str) -> tuple[dict[Any, Any], str, int]:
    fences = _FRONT_MATTER_FENCE.finditer(text)
    opening = next(fences, None)
    if opening is None or opening.start() != 0:
        raise StoryError(
            "no front matter: start the file with a line '---', the title and date, then '---'.",
            source, 1,
        )
    closing = next(fences, None)
    if closing is None:
        raise StoryError(
            "the front matter is not closed: add a line '---' after the last field.", source, 1
        )
    # The front matter keeps the newline after the opening fence, so YAML's line
    # numbers (from 0) plus one are the file's line numbers.
    front = text[opening.end():closing.start()]
    data = _load_yaml(front, source, 0)
    if not isinstance(data, dict):
        raise StoryError("the front matter must be 'key: value' lines, such as 'title: ...'.",
                         source, 2)
    return data, text[closing.end():].lstrip("\r\n"), 0


def _split_yaml(text: str, source: str) -> tuple[dict[Any, Any], str, int]:
    data = _load_yaml(text, source, 0)
    if not isinstance(data, dict):
        raise StoryError("a YAML story must be a mapping with title, date and body keys.",
                         source, 1)
    body = data.pop("body", "")
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise StoryError("body: it must be text (use 'body: |' and indent the Markdown).",
                         source, key_line(text, "body"))
    return data, body, 0


def key_line(text: str, key: str) -> int | None:
    """Find the line of a top-level key (only on the error path, so it may read the text again).

    Composes the YAML to find the key's node, so flow mappings and odd layouts
    point at the right line; falls back to a search for ``key:`` at a line start.
    """
    front = text
    start_line = 0
    fence = _FRONT_MATTER_FENCE.match(text)
    if fence is not None:
        closing = _FRONT_MATTER_FENCE.search(text, fence.end())
        front = text[fence.end():closing.start()] if closing else text[fence.end():]
    try:
        node = yaml.compose(front, Loader=SafeLoader)
    except Exception:  # noqa: BLE001 - any failure: fall back to the plain search
        node = None
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return key_node.start_mark.line + 1 + start_line
    match = re.search(rf"^[ \t]*{re.escape(key)}[ \t]*:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


class _Fields:
    """Check one story's fields, raising errors that point at the offending key's line."""

    def __init__(self, data: dict[Any, Any], source: str, text: str, offset: int,
                 settings: Settings, root: Path):
        self.data, self.source, self.text, self.settings = data, source, text, settings
        self.offset, self.root = offset, root

    def fail(self, key: str, message: str) -> StoryError:
        return StoryError(f"{key}: {message}", self.source, key_line(self.text, key))

    def text_field(self, key: str, required: bool = False, limit: int | None = None) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise StoryError(f"there is no {key}: add a line '{key}: ...' to the front matter.",
                                 self.source, 1)
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(key, "expected text on one line, not a list, mapping or other value.")
        cleaned = clean_line(str(value))
        if required and not cleaned:
            raise self.fail(key, f"the {key} is blank: write one.")
        limit = limit or LIMITS.get(key)
        if limit is not None and len(cleaned) > limit:
            raise self.fail(key, f"it is longer than {limit} characters: shorten it.")
        return cleaned or None

    def when(self, key: str, required: bool = False) -> datetime | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise StoryError(
                    f"there is no {key}: add '{key}: 2025-11-13T09:30:00+01:00' (ISO 8601).",
                    self.source, 1,
                )
            return None
        try:
            if isinstance(value, datetime):
                parsed = value
            elif isinstance(value, date):
                parsed = datetime.combine(value, time())
            elif isinstance(value, str) and len(value) < 64:
                parsed = datetime.fromisoformat(value.strip())
            else:
                raise ValueError
            if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
                raise self.fail(key, f"the year is outside {FIRST_YEAR}-{LAST_YEAR}: "
                                     "write the real date.")
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=self.settings.timezone)
            parsed.utcoffset()  # a broken zone raises here, not later in a feed
            return parsed.astimezone(self.settings.timezone)
        except (ValueError, OverflowError, TypeError):
            raise self.fail(key, "this is not an ISO 8601 date: write it like 2025-11-13 or "
                                 "2025-11-13T09:30:00+01:00.") from None

    def items(self, key: str, what: str, most: int | None = None) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        most = most or LIMITS[key]
        if len(items) > most:
            raise self.fail(key, f"more than {most} {what}: keep the ones that matter.")
        return items


def _build(f: _Fields, body: str, relative: str) -> Story:
    known = fields()
    unknown = [k for k in f.data if k not in known]
    if unknown:
        key = unknown[0]
        line = key_line(f.text, key) if isinstance(key, str) else None
        raise StoryError(f"unknown field: remove it or use one of {', '.join(known)}.",
                         f.source, line)
    path = story_path(relative)
    permalink = f.settings.url("/" + quote(path) + "/")
    title = f.text_field("title", required=True)
    published = f.when("date", required=True)
    assert title is not None and published is not None
    updated = f.when("updated") or published
    if updated < published:
        raise f.fail("updated", "it is earlier than the date: make it the same or later.")
    own_id = f.text_field("id")
    if own_id is not None and not is_story_id(own_id):
        raise f.fail("id", "it is not an absolute URI (nor a word an old RSS feed gave): use "
                           "the form urn:uuid:... (feeds new writes one), and never change it "
                           "afterwards.")
    draft = f.data.get("draft", False)
    if not isinstance(draft, bool):
        raise f.fail("draft", "expected true or false.")
    return Story(
        path=path,
        source=f.source,
        title=title,
        id=own_id or derived_id(path, published),
        date=published,
        updated=updated,
        authors=_authors(f),
        section=_section(f, relative),
        tags=_tags(f),
        summary=_summary(f),
        body=body,  # cleaned where it is rendered (markup.to_html, markup.summarize)
        image=_image(f, permalink),
        enclosures=_enclosures(f, permalink),
        link=_link(f),
        draft=draft,
        aliases=_aliases(f),
        episode=read_episode(f, permalink + "../", _url),
        has_own_id=own_id is not None,
        extra_groups=tuple((k.name, names) for k in KINDS if k.stored is None
                           and k.field is not None and (names := _names(f, k))),
    )


def _authors(f: _Fields) -> tuple[Author, ...]:
    author = kind("author")
    items = f.items("author", "authors", author.most)
    if not items:
        return (f.settings.author,) if f.settings.author else ()
    try:
        authors = tuple(dict.fromkeys(parse_author(item) for item in items))
    except (ValueError, TypeError) as exc:
        raise f.fail("author", f"{exc}.") from None
    if any(len(a.name) > author.length for a in authors):
        raise f.fail("author", f"a name is longer than {author.length} characters: shorten it.")
    return authors


def _section(f: _Fields, relative: str) -> str | None:
    names = _names(f, kind("section"))
    if names:
        return names[0]
    folder, slash, _ = relative.partition("/")
    return clean_line(folder) or None if slash else None


def _summary(f: _Fields) -> str | None:
    value = f.data.get("summary")
    if isinstance(value, str):  # a summary may have paragraphs: keep it plain text, one line
        f.data["summary"] = " ".join(xml_safe(value).split())
    return f.text_field("summary")


def _tags(f: _Fields) -> tuple[str, ...]:
    return _names(f, kind("tag"))


def _names(f: _Fields, group: Kind) -> tuple[str, ...]:
    """Read the names of a story's groups of one kind: one name (a section), or a list of
    words or short phrases (tags); none may be a folder of the site's own at the top."""
    assert group.field is not None
    found: tuple[str, ...]
    if not group.many:
        name = f.text_field(group.field, limit=group.length)
        found = (name,) if name is not None else ()
    else:
        found = _many(f, group)
    if not group.prefix and any(slugify(name) in reserved_folders() for name in found):
        folders = ", ".join(f"/{folder}/" for folder in reserved_folders())
        raise f.fail(group.field, f"this name is one the site's own URLs use ({folders}): "
                                  "choose another.")
    return found


def _many(f: _Fields, group: Kind) -> tuple[str, ...]:
    assert group.field is not None
    names: list[str] = []
    for item in f.items(group.field, group.field, group.most):
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise f.fail(group.field, f"each {group.name} is a word or short phrase, such as "
                                      f"'{group.field}: {group.example or '[one, two]'}'.")
        name = clean_line(str(item))
        if len(name) > group.length:
            raise f.fail(group.field, f"a {group.name} is longer than {group.length} characters: "
                                      "shorten it.")
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _url(f: _Fields, key: str, url: Any, base: str) -> str:
    """Resolve a URL or a path relative to the story file; only http(s) results pass."""
    if not isinstance(url, str) or not url.strip():
        raise f.fail(key, "expected a URL or a path relative to the story file.")
    if len(url) > LIMITS["url"]:
        raise f.fail(key, f"the URL is longer than {LIMITS['url']} characters.")
    try:
        resolved = urljoin(base, xml_safe(url.strip()).replace(" ", "%20"))
    except ValueError:
        resolved = ""
    if not is_web_url(resolved):
        raise f.fail(key, "it is not an http(s) URL or a path relative to the story file.")
    return resolved


def _image(f: _Fields, permalink: str) -> Image | None:
    value = f.data.get("image")
    if value is None:
        return None
    folder = permalink + "../"  # relative to the story *file*: the permalink's parent folder
    if isinstance(value, dict):
        if set(value) - {"url", "alt"}:
            raise f.fail("image", "an image is a URL, or a mapping with url and alt.")
        alt = value.get("alt", "")
        if not isinstance(alt, str | int | float) or isinstance(alt, bool):
            raise f.fail("image", "alt must be text describing the image.")
        alt = clean_line(str(alt))
        if len(alt) > 1000:
            raise f.fail("image", "the alt text is longer than 1000 characters: shorten it.")
        return _sized(f, Image(_url(f, "image", value.get("url"), folder), alt))
    return _sized(f, Image(_url(f, "image", value, folder)))


def _sized(f: _Fields, image: Image) -> Image:
    """Give an image of the site's own its size in pixels, read from the file's header
    (``imagesize``: the header alone, whatever the file's size); an image elsewhere, or one
    whose size cannot be read, has none (link previews then go without)."""
    relative = content_path(f.settings.base_url, image.url)
    local = local_file(f.root, relative) if relative is not None else None
    if local is None:
        return image
    try:
        size = imagesize.get(local)
    except Exception:  # noqa: BLE001 - a header it cannot read: no size, never no story
        return image
    width, height = (int(n) if float(n).is_integer() and n > 0 else None for n in size)
    if width is None or height is None:  # (-1: a format or an SVG size it does not know)
        return image
    return replace(image, width=width, height=height)


def _enclosures(f: _Fields, permalink: str) -> tuple[Enclosure, ...]:
    found = []
    for item in f.items("enclosures", "enclosures"):
        if not isinstance(item, dict) or set(item) - {"url", "type", "length"}:
            raise f.fail("enclosures", "each enclosure is a mapping with url, type and length.")
        media_type, length = item.get("type"), item.get("length", 0)
        if isinstance(length, Spelled):
            length = length.number
        if not isinstance(media_type, str) or not re.fullmatch(
                r"[A-Za-z0-9][\w.+-]{0,63}/[A-Za-z0-9][\w.+-]{0,63}", media_type):
            raise f.fail("enclosures", "type must be a media type such as audio/mpeg.")
        if isinstance(length, bool) or not isinstance(length, int) or not 0 <= length < 1 << 53:
            raise f.fail("enclosures", "length must be the size in bytes, a whole number.")
        url = _url(f, "enclosures", item.get("url"), permalink + "../")
        relative = content_path(f.settings.base_url, url)
        local = local_file(f.root, relative) if relative is not None else None
        if not length and local is not None:  # RSS 2.0 wants the size: take it from our file
            length = local.stat().st_size
        # A podcast app shows an episode's length (itunes:duration): read from our own file.
        seconds = duration(local) if local is not None and media_type.lower().startswith(
            ("audio/", "video/")) else None
        found.append(Enclosure(url, media_type.lower(), length, seconds))
    return tuple(found)


def _link(f: _Fields) -> str | None:
    value = f.text_field("link", limit=LIMITS["url"])
    if value is not None and not is_web_url(value):
        raise f.fail("link", "it must be an absolute http(s) URL.")
    return value


def _aliases(f: _Fields) -> tuple[str, ...]:
    """Old URLs of this story (from before an import): site paths that answer 301 to its page."""
    found: list[str] = []
    for item in f.items("aliases", "aliases"):
        if not isinstance(item, str) or not item.strip() or len(item) > LIMITS["url"]:
            raise f.fail("aliases", "each alias is an old URL or path of this story, such as "
                                    "/2019/05/old-name/.")
        alias = xml_safe(item.strip())
        if "://" in alias and not is_web_url(alias):
            raise f.fail("aliases", "an alias must be an http(s) URL or a path.")
        if not alias.startswith("/") and "://" not in alias or "\\" in alias:
            raise f.fail("aliases", "an alias must be a path that starts with '/'.")
        alias = old_address(alias)
        if alias == "/" or ".." in alias.split("/"):
            raise f.fail("aliases", "an alias must be an old page's path, not the home page.")
        media = content_path(f.settings.base_url, f.settings.url(alias))
        what = story_claim(alias[1:]) or (
            "a media file under content/"
            if media is not None and local_file(f.root, media) is not None else None)
        if what:
            raise f.fail("aliases", f"{alias} is one of the site's own URLs ({what}): remove "
                                    "it from the aliases.")
        if alias not in found:
            found.append(alias)
    return tuple(found)
