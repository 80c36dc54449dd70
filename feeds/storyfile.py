"""The only code that knows the story file formats: read one file into a ``Story``.

Two formats (DESIGN.md, "A story"): ``*.md`` is YAML front matter between two
``---`` lines followed by the Markdown body; ``*.yaml``/``*.yml`` is a mapping whose
``body`` key holds the Markdown. YAML is always loaded with a safe loader, so no
tag in a story can construct a Python object.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import uuid
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import yaml

from .config import SafeLoader, Settings, parse_author
from .errors import StoryError
from .markup import xml_safe
from .story import Author, Enclosure, Image, Story, slugify

MARKDOWN_SUFFIXES = (".md", ".markdown")
YAML_SUFFIXES = (".yaml", ".yml")
IGNORED_ENDINGS = ("~", ".swp", ".tmp")
CONTENT_PREFIX = "content/"
# Files a story may link to by a relative path, served from content/ by their suffix.
MEDIA_SUFFIXES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml",
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".ogg": "audio/ogg", ".opus": "audio/ogg",
    ".wav": "audio/wav", ".mp4": "video/mp4", ".webm": "video/webm", ".pdf": "application/pdf",
}

FIELDS = (
    "title", "date", "id", "updated", "author", "section", "tags", "summary",
    "image", "enclosures", "link", "draft",
)
_FRONT_MATTER_FENCE = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def is_story_file(relative: str) -> bool:
    """Tell whether a path under ``content/`` (``/``-separated) is a story, not a scratch file."""
    if relative.startswith((".", "_")) or "/." in relative or "/_" in relative:
        return False
    if relative.endswith(IGNORED_ENDINGS):
        return False
    return relative.endswith(MARKDOWN_SUFFIXES + YAML_SUFFIXES)


def story_path(relative: str) -> str:
    """Return the permalink path of a story file: its path under ``content/`` less the suffix."""
    return relative.rpartition(".")[0]


def read_story(root: Path, source: str, settings: Settings) -> Story:
    """Read and check the story file ``source`` (``content/...``, relative to the site root).

    Raise ``StoryError`` with the file, the line and the fix. Paths stay plain
    strings here: this runs once per file at start-up, thousands of times.
    """
    relative = source.removeprefix(CONTENT_PREFIX)
    try:
        with open(os.path.join(root, source), "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise StoryError(f"cannot read the file ({exc.strerror}).", source) from None
    text = _decode(raw, source)
    if relative.endswith(YAML_SUFFIXES):
        data, body = _split_yaml(text, source)
    else:
        data, body = _split_markdown(text, source)
    return _build(data, body, relative, source, text, settings, root)


def derived_id(settings: Settings, published: datetime, path: str) -> str:
    """Return the RFC 4151 tag URI a story gets when its file carries no ``id``."""
    return f"tag:{settings.host},{published:%Y-%m-%d}:/{quote(path)}"


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


class _StoryLoader(SafeLoader):  # type: ignore[misc,valid-type]
    """A safe loader that leaves dates as text, so ``_Fields.when`` reads them with line numbers.

    (PyYAML's own timestamp resolver raises a bare ValueError for 2025-13-45.)
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in SafeLoader.yaml_implicit_resolvers.items()
    }


def _load_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_StoryLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "it cannot be read"
        raise StoryError(
            f"the YAML is not valid ({problem}): fix the syntax (quote text that holds ': ').",
            source, line,
        ) from None


def _split_markdown(text: str, source: str) -> tuple[dict[str, Any], str]:
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
    data = _load_yaml(front, source)
    if not isinstance(data, dict):
        raise StoryError("the front matter must be 'key: value' lines, such as 'title: ...'.",
                         source, 2)
    return data, text[closing.end():].lstrip("\r\n")


def _split_yaml(text: str, source: str) -> tuple[dict[str, Any], str]:
    data = _load_yaml(text, source)
    if not isinstance(data, dict):
        raise StoryError("a YAML story must be a mapping with title, date and body keys.",
                         source, 1)
    body = data.pop("body", "")
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise StoryError("body must be text (use 'body: |' and indent the Markdown).",
                         source, _key_line(text, "body"))
    return data, body


def _key_line(text: str, key: str) -> int | None:
    """Find the line of a top-level key: only on the error path, so it may re-read the text."""
    match = re.search(rf"^{re.escape(key)}[ \t]*:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


class _Fields:
    """Check one story's fields, raising errors that point at the offending key's line."""

    def __init__(self, data: dict[str, Any], source: str, text: str, settings: Settings,
                 root: Path):
        self.data, self.source, self.text, self.settings = data, source, text, settings
        self.root = root

    def fail(self, key: str, message: str) -> StoryError:
        return StoryError(f"{key}: {message}", self.source, _key_line(self.text, key))

    def text_field(self, key: str, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise StoryError(f"there is no {key}: add a line '{key}: ...' to the front matter.",
                                 self.source, 1)
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(key, "expected text, not a list or mapping: write it on one line.")
        cleaned = " ".join(xml_safe(str(value)).split())
        if required and not cleaned:
            raise self.fail(key, f"the {key} is blank: write one.")
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
        zone = self.settings.timezone
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, date):
            parsed = datetime.combine(value, time())
        elif isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                raise self.fail(key, f"{value!r} is not an ISO 8601 date: write it like "
                                     "2025-11-13 or 2025-11-13T09:30:00+01:00.") from None
        else:
            raise self.fail(key, f"{value!r} is not a date: write it like 2025-11-13T09:30:00.")
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=zone)
        return parsed.astimezone(zone)


def _build(
    data: dict[str, Any], body: str, relative: str, source: str, text: str,
    settings: Settings, root: Path,
) -> Story:
    unknown = [k for k in data if k not in FIELDS]
    if unknown:
        key = str(unknown[0])
        raise StoryError(f"unknown field {key!r}: remove it or use one of {', '.join(FIELDS)}.",
                         source, _key_line(text, key))
    f = _Fields(data, source, text, settings, root)
    path = story_path(relative)
    permalink = settings.url("/" + quote(path) + "/")
    title = f.text_field("title", required=True)
    published = f.when("date", required=True)
    assert title is not None and published is not None
    updated = f.when("updated") or published
    if updated < published:
        raise f.fail("updated", "it is earlier than the date: make it the same or later.")
    own_id = f.text_field("id")
    if own_id is not None and not _URI_SCHEME.match(own_id):
        raise f.fail("id", f"{own_id!r} is not an absolute URI: use the form urn:uuid:... "
                           "or tag:host,2025-11-13:/path, and never change it afterwards.")
    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        raise f.fail("draft", f"{draft!r} is not true or false.")
    return Story(
        path=path,
        source=source,
        title=title,
        id=own_id or derived_id(settings, published, path),
        date=published,
        updated=updated,
        authors=_authors(f, settings),
        section=_section(f, relative),
        tags=_tags(f),
        summary=f.text_field("summary"),
        body=body,  # cleaned where it is rendered (markup.to_html, markup.summarize)
        image=_image(f, permalink),
        enclosures=_enclosures(f, permalink),
        link=_link(f),
        draft=draft,
        has_own_id=own_id is not None,
    )


def _authors(f: _Fields, settings: Settings) -> tuple[Author, ...]:
    value = f.data.get("author")
    if value is None:
        return (settings.author,) if settings.author else ()
    items = value if isinstance(value, list) else [value]
    try:
        return tuple(parse_author(item) for item in items)
    except ValueError as exc:
        raise f.fail("author", f"{exc}.") from None


def _section(f: _Fields, relative: str) -> str | None:
    section = f.text_field("section")
    if section is not None:
        return section
    folder, slash, _ = relative.partition("/")
    return folder if slash else None


def _tags(f: _Fields) -> tuple[str, ...]:
    value = f.data.get("tags")
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise f.fail("tags", "expected a list, such as 'tags: [politics, europe]'.")
    tags: list[str] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise f.fail("tags", f"{item!r} is not a tag: each tag is a word or short phrase.")
        tag = " ".join(xml_safe(str(item)).split())
        if tag and tag not in tags:
            tags.append(tag)
    return tuple(tags)


def _absolute(f: _Fields, key: str, url: Any, permalink: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise f.fail(key, "expected a URL or a path relative to the story file.")
    resolved = urljoin(permalink, url.strip())
    if urlsplit(resolved).scheme not in ("http", "https"):
        raise f.fail(key, f"{url!r} is not an http(s) URL or a relative path.")
    return resolved


def _image(f: _Fields, permalink: str) -> Image | None:
    value = f.data.get("image")
    if value is None:
        return None
    if isinstance(value, dict):
        alt = value.get("alt", "")
        if not isinstance(alt, str):
            raise f.fail("image", "alt must be text describing the image.")
        # Relative to the story *file*: the permalink's parent folder.
        return Image(_absolute(f, "image", value.get("url"), permalink + "../"),
                     xml_safe(alt.strip()))
    return Image(_absolute(f, "image", value, permalink + "../"))


def _enclosures(f: _Fields, permalink: str) -> tuple[Enclosure, ...]:
    value = f.data.get("enclosures")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise f.fail("enclosures", "expected a list of {url, type, length} mappings.")
    found = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"url", "type", "length"}:
            raise f.fail("enclosures", "each enclosure is a mapping with url, type and length.")
        media_type, length = item.get("type"), item.get("length", 0)
        if not isinstance(media_type, str) or not re.fullmatch(r"[\w.+-]+/[\w.+-]+", media_type):
            raise f.fail("enclosures", f"{media_type!r} is not a media type such as audio/mpeg.")
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise f.fail("enclosures", f"{length!r} is not a size in bytes.")
        url = _absolute(f, "enclosures", item.get("url"), permalink + "../")
        if not length:  # RSS 2.0 wants the size: take it from the file when it is ours
            local = local_media(f.root, f.settings, url)
            length = local.stat().st_size if local is not None and local.is_file() else 0
        found.append(Enclosure(url, media_type, length))
    return tuple(found)


def local_media(root: Path, settings: Settings, url: str) -> Path | None:
    """Return the file under ``content/`` that a URL of this site names, if it is a media file.

    Only media suffixes map to files, so a story's own source and ``config.yaml``
    can never be named this way; ``..`` cannot climb out of ``content/``.
    """
    if not url.startswith(settings.base_url):
        return None
    relative = unquote(urlsplit(url).path).removeprefix(urlsplit(settings.base_url).path)
    if os.path.splitext(relative)[1].lower() not in MEDIA_SUFFIXES:
        return None
    content = os.path.realpath(os.path.join(root, "content"))
    path = os.path.realpath(os.path.join(content, relative))
    if not path.startswith(content + os.sep) or any(
            part.startswith((".", "_")) for part in relative.split("/")):
        return None
    return Path(path)


def missing_media(root: Path, settings: Settings, story: Story) -> list[str]:
    """Return the site's own media URLs of a story whose file is not under ``content/``."""
    wanted = [story.image.url] if story.image else []
    wanted += [e.url for e in story.enclosures]
    missing = []
    for url in wanted:
        if url.startswith(settings.base_url):
            local = local_media(root, settings, url)
            if local is None or not local.is_file():
                missing.append(url)
    return missing


def _link(f: _Fields) -> str | None:
    value = f.text_field("link")
    if value is not None and urlsplit(value).scheme not in ("http", "https"):
        raise f.fail("link", f"{value!r} is not an absolute http(s) URL.")
    return value


def write_id(file: Path, story_id: str, lock: Path) -> bool:
    """Insert ``id: "<story_id>"`` into a story file that has none, changing nothing else.

    The new line goes right after the opening ``---`` (Markdown) or at the top
    (YAML), in the file's own line ending. The file is replaced atomically, and
    only if nobody wrote to it meanwhile; ``lock`` keeps the server's workers
    from doing it twice. Return whether the file was written.
    """
    lock.parent.mkdir(exist_ok=True)
    with open(lock, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        before = file.stat()
        raw = file.read_bytes()
        updated = _with_id(raw, story_id, file.name.endswith(YAML_SUFFIXES))
        if updated is None:
            return False
        temporary = file.with_name(f".{file.name}.{os.getpid()}.id.tmp")  # ignored: starts with .
        try:
            temporary.write_bytes(updated)
            shutil.copymode(file, temporary)
            after = file.stat()
            if (after.st_mtime_ns, after.st_size) != (before.st_mtime_ns, before.st_size):
                return False  # someone is writing it: try again at the next change
            os.replace(temporary, file)
        finally:
            temporary.unlink(missing_ok=True)
    return True


def _with_id(raw: bytes, story_id: str, is_yaml: bool) -> bytes | None:
    """Return the bytes with the id line added; None if it has an id or no front matter."""
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw[len(bom):].decode("utf-8")
    newline = "\r\n" if "\r\n" in text.partition("\n")[0] + "\n" else "\n"
    line = f"id: {json.dumps(story_id, ensure_ascii=False)}{newline}"
    if is_yaml:
        front = text
        fence = re.match(r"---[ \t]*\r?\n", text)
        at = fence.end() if fence else 0
    else:
        fence = _FRONT_MATTER_FENCE.match(text)
        if fence is None:
            return None
        closing = _FRONT_MATTER_FENCE.search(text, fence.end())
        front = text[: closing.start()] if closing else text
        at = text.index("\n", fence.start()) + 1
    if re.search(r"^id[ \t]*:", front, re.MULTILINE):
        return None
    return bom + (text[:at] + line + text[at:]).encode("utf-8")


def create_story(root: Path, settings: Settings, title: str, section: str | None,
                 tags: list[str], when: datetime) -> Path:
    """Write a new Markdown story with a fresh id and ``when`` as its date; never overwrite."""
    clean_title = " ".join(xml_safe(title).split())
    if not clean_title:
        raise StoryError("the title is blank: give the story a headline.")
    folder = root / "content"
    if section:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", section):
            raise StoryError(f"section {section!r} must be one folder name: letters, digits, "
                             "'.', '_' or '-'.")
        folder = folder / section
    path = folder / f"{slugify(clean_title)[:80].strip('-')}.md"
    lines = [
        f"title: {json.dumps(clean_title, ensure_ascii=False)}",  # JSON strings are YAML too
        f"id: \"urn:uuid:{uuid.uuid4()}\"",
        f"date: {when.replace(microsecond=0).isoformat()}",
    ]
    if tags:
        listed = [" ".join(t.split()) for t in tags if t.strip()]
        lines.append(f"tags: {json.dumps(listed, ensure_ascii=False)}")
    text = "---\n" + "\n".join(lines) + "\n---\n\nWrite the story here.\n"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise StoryError("this file already exists: choose another title, or edit it.",
                         path.relative_to(root)) from None
    return path
