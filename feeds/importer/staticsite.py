"""Read a static generator's site folder (Hugo or Jekyll): every post, in Markdown, with the
id its feed gave readers.

What is shared by both lives here: a bounded walk that never leaves the folder
(a symlink pointing outside it is refused and counted), front matter in YAML
(``---``), TOML (``+++``, read by the standard library's ``tomllib``) or JSON, the
local media a post uses (copied beside its story), and the report of shortcodes and
Liquid tags that cannot be carried over, with their file and line. What each
generator decides (which files are posts, their permalinks, their feeds' ids) is in
``hugo`` and ``jekyll``.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from ..site.config import SafeLoader
from ..site.media import media_suffix
from .fetch import FetchError
from .items import SourceReport
from .reading import Reading

MAX_FILES = 200_000
MAX_DEPTH = 32
MAX_POST_BYTES = 4 << 20
MAX_MEDIA_BYTES = 200 << 20
MARKDOWN = (".md", ".markdown", ".mdown", ".mkd")


@dataclass(slots=True)
class Page:
    """One content file of the old site, as read: its path, front matter and body."""

    path: Path  # the file (inside the site folder)
    relative: str  # its path under the folder it was found in (content/, _posts/...)
    data: dict[str, Any]
    body: str
    body_line: int  # the line the body starts on, for messages
    html: bool = False  # an HTML file, not Markdown


@dataclass(slots=True)
class Walk:
    """The regular files under a folder, and what was refused on the way."""

    files: list[tuple[str, Path]] = field(default_factory=list)  # (relative, path)
    outside: int = 0  # symlinks that lead out of the site folder


class SiteError(ValueError):
    """A file of the old site cannot be read: the message names the line."""

    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.line = line


def read_site(folder: Path, reading: Reading) -> SourceReport:
    """Read a Hugo or Jekyll site folder (recognised by what it holds) into the spool."""
    from . import hugo, jekyll

    if hugo.is_hugo(folder):
        return hugo.read(folder, reading)
    if jekyll.is_jekyll(folder):
        return jekyll.read(folder, reading)
    raise FetchError(f"{folder}: a folder that is neither a Hugo site (a hugo.toml or "
                     "config.toml and content/) nor a Jekyll site (_config.yml, _posts/): "
                     "give the site's own folder.")


def walk(root: Path, folder: Path) -> Walk:
    """Every regular file under ``folder`` (inside the site ``root``), bounded in number
    and depth; a symlink whose target is outside ``root`` is counted, never read."""
    found = Walk()
    real_root = os.path.realpath(root)
    pending: list[tuple[Path, int]] = [(folder, 0)]
    while pending:
        current, depth = pending.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            target = os.path.realpath(path)
            if target != real_root and not target.startswith(real_root + os.sep):
                found.outside += 1
                continue
            try:
                info = os.stat(path)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                if depth < MAX_DEPTH and not entry.is_symlink():
                    pending.append((path, depth + 1))
            elif stat.S_ISREG(info.st_mode):
                found.files.append((path.relative_to(folder).as_posix(), path))
                if len(found.files) > MAX_FILES:
                    raise FetchError(f"{folder}: more than {MAX_FILES:,} files: give the "
                                     "site's own folder.")
    found.files.sort()
    return found


def inside(root: Path, path: Path) -> Path | None:
    """``path`` if it is a regular file inside ``root`` (symlinks resolved), else None."""
    real_root, target = os.path.realpath(root), os.path.realpath(path)
    if not target.startswith(real_root + os.sep):
        return None
    return Path(target) if os.path.isfile(target) else None


def read_page(path: Path, relative: str) -> Page:
    """Read a content file's front matter and body; raise ``SiteError`` naming the line."""
    try:
        if path.stat().st_size > MAX_POST_BYTES:
            raise SiteError(f"larger than {MAX_POST_BYTES >> 20} MB, which no post is")
        raw = path.read_bytes()
    except OSError as exc:
        raise SiteError(f"cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SiteError("it is not UTF-8 text", line) from None
    data, body, line = front_matter(text)
    return Page(path, relative, data, body, line, html=path.suffix.lower() in (".html", ".htm"))


def front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """Split front matter (YAML ``---``, TOML ``+++`` or a JSON object) from the body."""
    if text.startswith(("---\n", "+++\n")):
        fence = text[:3]
        end = re.search(rf"^{re.escape(fence)}[ \t]*$", text[4:], re.MULTILINE)
        if end is None:
            raise SiteError(f"its front matter has no closing {fence} line")
        front, body = text[4:4 + end.start()], text[4 + end.end():].lstrip("\n")
        data = _toml(front) if fence == "+++" else _yaml(front)
        return data, body, text.count("\n", 0, len(text) - len(body)) + 1
    if text.startswith("{"):
        try:
            data, end_at = json.JSONDecoder().raw_decode(text)
        except (ValueError, RecursionError) as exc:
            raise SiteError(f"its JSON front matter is not valid ({str(exc)[:80]})") from None
        if not isinstance(data, dict):
            raise SiteError("its JSON front matter is not an object")
        body = text[end_at:].lstrip("\n")
        return data, body, text.count("\n", 0, len(text) - len(body)) + 1
    return {}, text, 1


def _yaml(text: str) -> dict[str, Any]:
    try:
        if any(isinstance(token, yaml.AliasToken) for token in yaml.scan(text, Loader=SafeLoader)):
            raise SiteError("its front matter uses YAML aliases (*name), which no post needs "
                            "and which can blow up a reader: write the values out")
        data = yaml.load(text, Loader=SafeLoader)
    except SiteError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SiteError("its YAML front matter is not valid", (mark.line + 2) if mark else 1
                        ) from None
    except (ValueError, RecursionError) as exc:
        raise SiteError(f"its YAML front matter cannot be read ({str(exc)[:80]})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SiteError("its front matter is not a mapping of fields")
    return data


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise SiteError(f"its TOML front matter is not valid ({str(exc)[:80]})",
                        int(found.group(1)) + 1 if found else 1) from None


def text(value: Any) -> str:
    """A front matter value as one line of text ("" for what is not text)."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    return ""


def words(value: Any) -> list[str]:
    """A front matter list of words (or one word, or a space-separated string as Jekyll)."""
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [text(v) for v in value if text(v)][:100]
    return []


def when(value: Any, zone: Any = None) -> datetime | None:
    """A front matter date: TOML and YAML give datetimes or dates, JSON gives text. One
    without an offset is in ``zone`` (the old site's), else left naive."""
    found: datetime | None = None
    if isinstance(value, datetime):
        found = value
    elif isinstance(value, date):
        found = datetime.combine(value, time())
    elif isinstance(value, str) and value.strip():
        raw = value.strip()
        raw = re.sub(r"^(\d{4}-\d{2}-\d{2}) (\d)", r"\1T\2", raw)
        raw = re.sub(r" ?([+-]\d{2}):?(\d{2})$", r"\1:\2", raw)
        try:
            found = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
    if found is not None and found.tzinfo is None and zone is not None:
        found = found.replace(tzinfo=zone)
    return found


def aware(value: datetime) -> datetime:
    """``value`` with an offset (UTC when it had none), to compare and to write."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def media_reference(root: Path, page_folder: Path, static: Path | None,
                    reference: str) -> Path | None:
    """The local file a post's image or link names, if it is one the site can serve: a path
    beside the post (a page bundle's image), or under the site's static folder."""
    if not reference or "://" in reference or reference.startswith(("#", "mailto:", "//")):
        return None
    clean = reference.partition("?")[0].partition("#")[0]
    if media_suffix(clean) is None:
        return None
    if clean.startswith("/"):
        base = static if static is not None else root
        return inside(root, base / clean.lstrip("/"))
    return inside(root, page_folder / clean)


_LOCAL_TARGETS = re.compile(r"!?\[[^\]]*\]\(<?([^)\s>]+)|\b(?:src|href)=[\"']([^\"']+)")


def local_targets(body: str) -> Iterator[str]:
    """Every link and image target in a Markdown body (and its raw HTML)."""
    for match in _LOCAL_TARGETS.finditer(body):
        yield match.group(1) or match.group(2)


def line_of(body: str, offset: int, first: int) -> int:
    """The line of the file at ``offset`` in a body that starts on line ``first``."""
    return first + body.count("\n", 0, offset)
