"""Read ``config.yaml`` into frozen ``Settings``, checked against one table of known keys."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .errors import ConfigError
from .story import Author

# The C loader is several times faster; both are safe loaders (no tag builds an object).
SafeLoader: type[yaml.SafeLoader | yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CONFIG_NAME = "config.yaml"


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the settings table: its default and what it is for."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("title", "feeds", "The site's name, used as every feed's title."),
    Setting("base_url", "http://127.0.0.1:8000/", "The public address the site is read at."),
    Setting("description", "", "One sentence on what the site publishes."),
    Setting("language", "en", "The stories' language, as a BCP 47 tag such as en or en-GB."),
    Setting("timezone", "UTC", "The IANA time zone for dates written without an offset."),
    Setting("author", "", "The default author: a name, or {name, email, uri}."),
    Setting("copyright", "", "A rights or credit line carried by every feed and page."),
    Setting("feed_size", 50, "How many of the newest stories each feed holds."),
    Setting("page_size", 20, "How many stories a listing page shows."),
    Setting("cache_max_age", 900, "Seconds readers and caches may keep a feed (Cache-Control)."),
    Setting("hubs", [], "WebSub hub URLs told about every feed change."),
    Setting("write_ids", True, "Write a permanent id into a story file that has none."),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The site's settings, checked; built only by ``load_settings`` or ``Settings.default``."""

    title: str
    base_url: str
    description: str
    language: str
    timezone: ZoneInfo
    author: Author | None
    copyright: str
    feed_size: int
    page_size: int
    cache_max_age: int
    hubs: tuple[str, ...]
    write_ids: bool
    path: str = CONFIG_NAME

    @property
    def host(self) -> str:
        """Return the host of ``base_url``, which names the site in derived ids."""
        return urlsplit(self.base_url).hostname or "localhost"

    def url(self, path: str) -> str:
        """Return the absolute URL of a site path such as ``/rss.xml``."""
        return self.base_url.rstrip("/") + path

    def href(self, path: str) -> str:
        """Return a site path as a link that works wherever the site is served from."""
        return urlsplit(self.base_url).path.rstrip("/") + path

    @classmethod
    def default(cls) -> Settings:
        """Return the settings a site with an empty ``config.yaml`` gets."""
        return _build({}, CONFIG_NAME, {})


def load_settings(root: Path) -> Settings:
    """Read and check ``root/config.yaml``; raise ``ConfigError`` naming the key and the line."""
    path = root / CONFIG_NAME
    shown = CONFIG_NAME  # like story files, named relative to the site folder
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"there is no {CONFIG_NAME}: create one with at least title and base_url.", shown
        ) from None
    except UnicodeDecodeError:
        raise ConfigError("the file is not UTF-8 text: save it as UTF-8.", shown) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror}).", shown) from None
    try:
        node = yaml.compose(text, Loader=SafeLoader)
        data = yaml.load(text, Loader=SafeLoader) if node is not None else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"this is not valid YAML ({reason}): fix the syntax.",
                          shown, line) from None
    if not isinstance(data, dict):
        raise ConfigError("the file must be a mapping of key: value lines.", shown, 1)
    return _build(data, shown, _key_lines(node))


def _key_lines(node: yaml.Node | None) -> dict[str, int]:
    """Map each top-level key to its line, so errors can point at it."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}


def _build(data: dict[Any, Any], path: str, lines: dict[str, int]) -> Settings:
    known = {s.name: s for s in SETTINGS}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"unknown key {key!r}: remove it, or use one of {', '.join(known)}.",
                path, lines.get(str(key)), key=str(key),
            )
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = data.get(setting.name, setting.default)
        if raw is None:
            raw = setting.default
        check = _CHECKS[setting.name]
        try:
            values[setting.name] = check(raw)
        except ValueError as exc:
            raise ConfigError(
                f"{setting.name}: {exc} ({setting.help})",
                path, lines.get(setting.name), key=setting.name,
            ) from None
    names = {f.name for f in fields(Settings)} - {"path"}
    assert names == set(values), "SETTINGS and Settings disagree"
    return Settings(**values, path=path)


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("expected text")
    return str(value).strip()


def _base_url(value: Any) -> str:
    url = _text(value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) address such as https://news.example/")
    if parts.query or parts.fragment:
        raise ValueError(f"{url!r} must not have a query or fragment")
    return url if url.endswith("/") else url + "/"


def _language(value: Any) -> str:
    tag = _text(value)
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", tag):
        raise ValueError(f"{tag!r} is not a language tag such as en or pt-BR")
    return tag


def _timezone(value: Any) -> ZoneInfo:
    name = _text(value)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone such as Europe/London") from None


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{value!r} is not a whole number of at least 1")
    return value


def _non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a whole number of at least 0")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    return value


def _hubs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError("expected a list of hub URLs")
    hubs = []
    for item in value:
        url = _text(item)
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise ValueError(f"{url!r} is not an http(s) URL")
        hubs.append(url)
    return tuple(hubs)


def parse_author(value: Any) -> Author:
    """Turn a name or ``{name, email, uri}`` into an ``Author``; raise ``ValueError`` if neither."""
    if isinstance(value, str) and value.strip():
        return Author(value.strip())
    if isinstance(value, dict):
        unknown = set(value) - {"name", "email", "uri"}
        if unknown:
            raise ValueError(f"unknown author field {sorted(map(str, unknown))[0]!r}; "
                             "use name, email and uri")
        name = value.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("an author needs a name")
        email, uri = value.get("email"), value.get("uri")
        if email is not None and (not isinstance(email, str) or "@" not in email):
            raise ValueError(f"{email!r} is not an email address")
        if uri is not None and (not isinstance(uri, str) or not urlsplit(uri).scheme):
            raise ValueError(f"{uri!r} is not an absolute URI")
        return Author(name.strip(), email or None, uri or None)
    raise ValueError("expected a name, or a mapping with name, email and uri")


def _default_author(value: Any) -> Author | None:
    if value in ("", None):
        return None
    return parse_author(value)


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "title": _text,
    "base_url": _base_url,
    "description": _text,
    "language": _language,
    "timezone": _timezone,
    "author": _default_author,
    "copyright": _text,
    "feed_size": _positive_int,
    "page_size": _positive_int,
    "cache_max_age": _non_negative_int,
    "hubs": _hubs,
    "write_ids": _bool,
}
