"""Read ``config.yaml`` into frozen ``Settings``, each setting declared once.

Every setting is one field of ``Settings`` carrying its default, its check and its
help text (Datasette's ``SETTINGS`` table, as dataclass fields): validation, the
README table and the catalogue's copy of the settings all come from that one place.
It is longer than a module here should be because it holds that table and the check of
each kind of value a setting takes; split, a setting's row and its check would part.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ..errors import ConfigError
from . import formats
from .caching import PurgeTarget, expand_variables, header_name, optional_seconds, purge_targets
from .crawlers import RobotsGroup, logo_url, robots_groups
from .podcasts import Shows, parse_shows
from .story import Author
from .text import EMAIL, clean_line, is_web_url
from .urlspace import own_url

# The C loader is several times faster; both are safe loaders (no tag builds an object).
_Loader: type[yaml.SafeLoader | yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DIGITS = 40  # a number spelled longer than this is no setting's: it stays text


class SafeLoader(_Loader):  # type: ignore[misc,valid-type]
    """The safe loader, for config.yaml and front matter: an int spelled with thousands of
    digits (Python refuses to print one past 4,300) stays the text it is."""


def _int(loader: Any, node: yaml.ScalarNode) -> Any:
    if len(node.value) > MAX_DIGITS:
        return node.value
    return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)


SafeLoader.add_constructor("tag:yaml.org,2002:int", _int)

CONFIG_NAME = "config.yaml"
MAX_CONFIG_BYTES = 1 << 20  # a config is a few hundred bytes; a megabyte is a mistake


def _setting(default: Any, check: Callable[[Any], Any], help: str) -> Any:
    """Declare one setting: its value as written in YAML by default, its check, its help."""
    return field(metadata={"default": default, "check": check, "help": help})


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("expected text on one line")
    return clean_line(str(value))


def _base_url(value: Any) -> str:
    url = _text(value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("it is not an http(s) address such as https://news.example/")
    if parts.query or parts.fragment or any(c in url for c in " <>\"'\\"):
        raise ValueError("it must be a plain address, without a query, fragment or quotes")
    return url if url.endswith("/") else url + "/"


def _language(value: Any) -> str:
    tag = _text(value)
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", tag):
        raise ValueError("it is not a language tag such as en or pt-BR")
    return tag


def _timezone(value: Any) -> ZoneInfo:
    name = _text(value)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("it is not an IANA time zone such as Europe/London") from None


def _whole(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"expected a whole number from {low} to {high}")
        return value
    return check


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _opml_format(value: Any) -> str:
    name = _text(value).lower()
    if formats.by_name(name) is None:
        raise ValueError(f"expected {formats.names()}")
    return name


def _hubs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ValueError("expected a list of hub URLs")
    hubs = []
    for item in value:
        url = _text(item)
        if not is_web_url(url):
            raise ValueError("each hub must be an http(s) URL")
        hubs.append(url)
    return tuple(hubs)


def _admin_token(value: Any) -> str:
    if value in ("", None):
        return ""
    token = _text(value)
    if token.startswith("${") and token.endswith("}"):
        return token  # read from the environment when asked
    if len(token) < 16 or " " in token:
        raise ValueError("use at least 16 characters and no spaces, such as the output of "
                         "python3 -c 'import secrets; print(secrets.token_urlsafe())', or "
                         "${NAME} to read it from the environment variable NAME")
    return token


MAX_REDIRECTS = 100_000


def old_address(value: str) -> str:
    """Return the form an old address is kept and looked up in: its path, decoded, with one
    leading slash and none at the end (``https://old.example/feed/`` is ``/feed``)."""
    if "://" in value:
        value = "/" + value.split("://", 1)[1].partition("/")[2]
    value = unquote(value.partition("?")[0].partition("#")[0])
    return "/" + value.strip("/")


def _redirects(value: Any) -> tuple[tuple[str, str], ...]:
    pairs = value.items() if isinstance(value, dict) else value
    if not isinstance(pairs, list | tuple) and not isinstance(value, dict):
        raise ValueError("expected a mapping of old paths to new ones, such as "
                         "'/feed/: /rss.xml'")
    found: dict[str, str] = {}
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError("expected a mapping of old paths to new ones")
        old, new = (_text(part) for part in pair)
        if not (old.startswith("/") or is_web_url(old)) or old_address(old) == "/":
            raise ValueError("each old address must be a path such as /feed/ or an http(s) URL, "
                             "and not the home page")
        if not (new.startswith("/") and not new.startswith("//") or is_web_url(new)) or any(
                c in new for c in " <>\"\\"):
            raise ValueError("each new address must be a site path such as /rss.xml or an "
                             "http(s) URL")
        what = own_url(old_address(old)) or own_url(old_address(old) + "/")
        if what:
            raise ValueError(f"{old} is one of the site's own URLs ({what}), which no redirect "
                             "can take: remove that line")
        if old_address(new) == old_address(old) and "://" not in new:
            raise ValueError("an address redirects to itself: remove that line")
        found[old_address(old)] = new
    if len(found) > MAX_REDIRECTS:
        raise ValueError(f"more than {MAX_REDIRECTS:,} redirects")
    _refuse_loops(found)
    return tuple(sorted(found.items()))


def _refuse_loops(found: dict[str, str]) -> None:
    """Refuse redirects that lead back where they started: a reader would go round forever."""
    done: set[str] = set()
    for start in found:
        path, seen = start, {start: None}  # (a dict: ordered, and found at once)
        while path in found and path not in done:
            new = found[path]
            if "://" in new:
                break
            path = old_address(new)
            if path in seen:
                steps = list(seen)
                loop = " -> ".join([*steps[steps.index(path):], path])
                raise ValueError(f"these redirects go round in a loop: {loop}; remove one")
            seen[path] = None
        done.update(seen)




def _optional(value: Any) -> str | None:
    """Return an optional text field as one clean line (None when absent or blank)."""
    if value is None:
        return None
    if not isinstance(value, str):
        return "\x00"  # no address: fails the checks that follow
    return clean_line(value) or None


def parse_author(value: Any) -> Author:
    """Turn a name or ``{name, email, uri}`` into an ``Author``; raise ``ValueError`` if neither.

    The same rules as every text field: one clean line, an e-mail that is one, and
    only an http(s) URI (a ``javascript:`` URI would end up as a link in every page).
    """
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        if clean_line(str(value)):
            return Author(clean_line(str(value)))
    if isinstance(value, dict):
        unknown = set(value) - {"name", "email", "uri"}
        if unknown:
            raise ValueError("an author has only name, email and uri")
        name = value.get("name")
        if not isinstance(name, str) or not clean_line(name):
            raise ValueError("an author needs a name")
        email = _optional(value.get("email"))
        if email is not None and not EMAIL.fullmatch(email):
            raise ValueError("the author's email is not an address such as desk@news.example")
        uri = _optional(value.get("uri"))
        if uri is not None and not is_web_url(uri):
            raise ValueError("the author's uri must be an http(s) URL")
        return Author(clean_line(name), email, uri)
    raise ValueError("expected a name, or a mapping with name, email and uri")


def _default_author(value: Any) -> Author | None:
    if value in ("", None):
        return None
    return parse_author(value)


@dataclass(frozen=True, slots=True)
class Settings:
    """The site's settings, checked: built only by ``load_settings`` and ``Settings.from_raw``."""

    title: str = _setting("feeds", _text, "The site's name, at the head of every feed's title.")
    base_url: str = _setting("http://127.0.0.1:8000/", _base_url,
                             "The public address the site is read at; every link uses it.")
    description: str = _setting("", _text, "One sentence on what the site publishes.")
    language: str = _setting("en", _language, "BCP 47 tag of the stories' language (en, pt-BR).")
    timezone: ZoneInfo = _setting("UTC", _timezone,
                                  "IANA time zone for dates written without an offset.")
    author: Author | None = _setting("", _default_author,
                                     "The default author: a name, or {name, email, uri}.")
    copyright: str = _setting("", _text, "A rights or credit line carried by every feed and page.")
    feed_size: int = _setting(50, _whole(1, 1000),
                              "How many of the newest stories each feed holds (1-1000).")
    page_size: int = _setting(20, _whole(1, 1000), "How many stories a listing page shows.")
    cache_max_age: int = _setting(900, _whole(0, 31_536_000),
                                  "Seconds readers may keep a feed (Cache-Control max-age).")
    cache_s_maxage: int | None = _setting(
        "", optional_seconds,
        "Seconds shared caches (a CDN, Varnish) may keep a document (s-maxage); empty: max-age.")
    cache_stale_while_revalidate: int = _setting(
        0, _whole(0, 31_536_000),
        "Seconds a cache may answer with a stale copy while it fetches a fresh one (RFC 5861).")
    cache_stale_if_error: int = _setting(
        0, _whole(0, 31_536_000),
        "Seconds a cache may answer with a stale copy while the site fails (RFC 5861).")
    surrogate_key_header: str = _setting(
        "xkey", header_name,
        "The header naming what each document depends on, for caches that purge by key.")
    purge: tuple[PurgeTarget, ...] = _setting(
        [], purge_targets,
        "Caches told the keys each publication changed: URLs, or {url, method, headers}.")
    hubs: tuple[str, ...] = _setting([], _hubs, "WebSub hub URLs told about every feed change.")
    write_ids: bool = _setting(True, _bool, "Write a permanent id into a story file that has none.")
    opml_format: str = _setting("atom", _opml_format,
                                f"The one format the OPML lists give feeds in: {formats.names()}.")
    robots: tuple[RobotsGroup, ...] = _setting(
        [], robots_groups,
        "More robots.txt rules: [{user_agent: ExampleBot, disallow: /}] (a * group replaces "
        "the site's own).")
    logo: str = _setting(
        "", logo_url,
        "The http(s) URL of the publisher's logo, for search engines' structured data.")
    document_cache_mb: int = _setting(
        64, _whole(1, 65_536),
        "Megabytes of rendered documents each server worker keeps hot (least recently used out).")
    redirects: tuple[tuple[str, str], ...] = _setting(
        {}, _redirects, "Old addresses answered 301 with a new one: {'/feed/': '/rss.xml'}.")
    admin_token: str = _setting(
        "", _admin_token,
        "A secret that shows /healthz's details to whoever sends it (Authorization: Bearer "
        "<token>), or ${NAME} to read it from the environment; empty: loopback only.")
    podcasts: Shows = _setting(
        {}, parse_shows,
        "Sections that are podcasts, by section: {briefing: {title, description, author, "
        "owner: {name, email}, image, categories, explicit, type, locked, funding, feed_size, "
        "guid}} "
        "(README, Podcasts).")

    stats: bool = _setting(
        True, _bool, "Count each feed's subscribers and polls for /stats/ and feeds stats "
        "(no address or User-Agent is kept).")
    stats_token: str = _setting(
        "", _admin_token,
        "The secret /stats/ answers to (Authorization: Bearer <token>, or ?token=), or ${NAME} "
        "to read it from the environment; empty: /stats/ is not served.")
    stats_retention_days: int = _setting(
        400, _whole(1, 36_500), "Days of statistics kept in the catalogue (older are deleted).")

    def admin_secret(self) -> str | None:
        """Return the admin token, read from the environment if it names a variable."""
        return _secret(self.admin_token)

    def stats_secret(self) -> str | None:
        """Return the stats token, read from the environment if it names a variable."""
        return _secret(self.stats_token)

    def redirect_for(self, path: str) -> str | None:
        """Return where ``redirects`` sends an old address (a request path), if anywhere."""
        return _redirect_map(self.redirects).get(old_address(path))

    @property
    def host(self) -> str:
        """Return the host of ``base_url``."""
        return urlsplit(self.base_url).hostname or "localhost"

    def url(self, path: str) -> str:
        """Return the absolute URL of a site path such as ``/rss.xml``."""
        return self.base_url.rstrip("/") + path

    def href(self, path: str) -> str:
        """Return a site path as a link that works wherever the site is served from."""
        return urlsplit(self.base_url).path.rstrip("/") + path

    def to_raw(self) -> dict[str, Any]:
        """Return the settings as YAML would write them: what the catalogue keeps for workers."""
        raw: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, ZoneInfo):
                value = value.key
            elif isinstance(value, Shows):
                value = value.to_raw()
            elif isinstance(value, Author):
                value = {k: v for k, v in (("name", value.name), ("email", value.email),
                                           ("uri", value.uri)) if v}
            elif isinstance(value, tuple):  # a list, or pairs as the mapping they were
                if value and isinstance(value[0], tuple):
                    value = dict(value)
                else:
                    value = [v.to_raw() if isinstance(v, PurgeTarget | RobotsGroup) else v
                             for v in value]
            raw[item.name] = "" if value is None else value
        return raw

    def fingerprint(self) -> str:
        """Return a stable text naming these exact settings."""
        return json.dumps(self.to_raw(), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_raw(cls, data: dict[Any, Any], path: str = CONFIG_NAME,
                 lines: dict[str, int] | None = None) -> Settings:
        """Check a mapping of settings (unknown keys are errors) and build ``Settings``."""
        known = {item.name: item for item in fields(cls)}
        lines = lines or {}
        for key in data:
            if key not in known:
                raise ConfigError(
                    f"unknown key: remove it, or use one of {', '.join(known)}.",
                    path, lines.get(str(key)), key=str(key)[:80],
                )
        values: dict[str, Any] = {}
        for name, item in known.items():
            raw = data.get(name)
            if raw is None:
                raw = item.metadata["default"]
            try:
                values[name] = item.metadata["check"](raw)
            except ValueError as exc:
                raise ConfigError(f"{name}: {exc} ({item.metadata['help']})",
                                  path, lines.get(name), key=name) from None
        return cls(**values)

    @classmethod
    def default(cls) -> Settings:
        """Return the settings a site with an empty ``config.yaml`` gets."""
        return cls.from_raw({})


def _secret(setting: str) -> str | None:
    token = expand_variables(setting) if setting else ""
    return token if len(token) >= 16 else None


_last_map: tuple[tuple[tuple[str, str], ...], dict[str, str]] = ((), {})


def _redirect_map(redirects: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Return ``redirects`` as a dict, kept for the settings in use: found by identity, as
    hashing (what ``lru_cache`` does) a tuple of 100,000 pairs takes milliseconds."""
    global _last_map
    kept, found = _last_map
    if kept is not redirects:
        found = dict(redirects)
        _last_map = (redirects, found)  # one assignment: safe beside other threads
    return found


def settings_table() -> list[tuple[str, Any, str]]:
    """Return (key, default as written in YAML, help) for every setting, for the docs."""
    return [(item.name, item.metadata["default"], item.metadata["help"])
            for item in fields(Settings)]


def load_settings(root: Path) -> Settings:
    """Read and check ``root/config.yaml``; raise ``ConfigError`` naming the key and the line."""
    shown = CONFIG_NAME  # like story files, named relative to the site folder
    try:
        text = _read(root / CONFIG_NAME)
    except FileNotFoundError:
        raise ConfigError(
            f"there is no {CONFIG_NAME}: create one with at least title and base_url.", shown
        ) from None
    except UnicodeDecodeError:
        raise ConfigError("the file is not UTF-8 text: save it as UTF-8.", shown) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror or exc}): make it a readable "
                          "regular file.", shown) from None
    if not text.strip():
        raise ConfigError("the file is empty: write at least title and base_url (if an editor "
                          "is still saving it, this clears itself).", shown, 1)
    try:
        node = yaml.compose(text, Loader=SafeLoader)
        data = yaml.load(text, Loader=SafeLoader) if node is not None else {}
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError("this is not valid YAML: fix the syntax (quote text that holds ': ').",
                          shown, line) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("the file must be a mapping of key: value lines.", shown, 1)
    return Settings.from_raw(data, shown, _key_lines(node))


def _read(path: Path) -> str:
    """Read a regular file of bounded size (a FIFO or a device would block or never end)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "it is not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise OSError(0, "it is larger than a megabyte")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)
    return raw.decode("utf-8").removeprefix("\ufeff")


def _key_lines(node: yaml.Node | None) -> dict[str, int]:
    """Map each top-level key to its line, so errors can point at it."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
