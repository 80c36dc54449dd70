"""The settings for shared caches in front of the site: how long they keep, where to purge.

Checked here and declared in ``config.Settings`` beside the others. A purge target
is where the publisher sends the surrogate keys a publication changed (Varnish
with vmod xkey, Fastly, any cache that purges by key): its URL, the method, and
extra request headers, whose values may name an environment variable
(``${FASTLY_TOKEN}``) so that no secret is written in ``config.yaml`` or kept in
the catalogue.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from .text import clean_line, is_web_url

_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")  # RFC 9110 5.6.2: a header name, a method
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_TARGETS = 20


@dataclass(frozen=True, slots=True)
class PurgeTarget:
    """One cache to purge: the request to send it, the keys going in the key header."""

    url: str
    method: str = "PURGE"
    headers: tuple[tuple[str, str], ...] = ()

    def to_raw(self) -> dict[str, Any]:
        """Return the target as config.yaml writes it."""
        raw: dict[str, Any] = {"url": self.url, "method": self.method}
        if self.headers:
            raw["headers"] = dict(self.headers)
        return raw

    def request_headers(self) -> list[tuple[str, str]]:
        """Return the extra headers, with ``${NAME}`` replaced by the environment's value."""
        return [(name, expand_variables(value)) for name, value in self.headers]


def expand_variables(value: str) -> str:
    """Return ``value`` with each ``${NAME}`` replaced by that environment variable's value."""
    return _VARIABLE.sub(lambda m: os.environ.get(m.group(1), ""), value)


def header_name(value: Any) -> str:
    """Check an HTTP header name (empty: no header)."""
    if value in ("", None):
        return ""
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise ValueError("expected a header name such as xkey or Surrogate-Key, or nothing")
    return value


def optional_seconds(value: Any) -> int | None:
    """Check a number of seconds that may be left out (empty: the directive is not sent)."""
    if value in ("", None):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 31_536_000:
        raise ValueError("expected a whole number of seconds from 0 to 31536000, or nothing")
    return value


def purge_targets(value: Any) -> tuple[PurgeTarget, ...]:
    """Check the ``purge:`` list: URLs, or mappings of url, method and headers."""
    if isinstance(value, str | dict):
        value = [value]
    if not isinstance(value, list | tuple) or len(value) > MAX_TARGETS:
        raise ValueError(f"expected a list of up to {MAX_TARGETS} caches to purge, each a URL "
                         "or {url, method, headers}")
    return tuple(_target(item) for item in value)


def _target(item: Any) -> PurgeTarget:
    if isinstance(item, PurgeTarget):
        return item
    if isinstance(item, str):
        item = {"url": item}
    if not isinstance(item, dict) or set(item) - {"url", "method", "headers"}:
        raise ValueError("each cache to purge is a URL, or a mapping of url, method and headers")
    url = clean_line(str(item.get("url") or ""))
    if not is_web_url(url):
        raise ValueError("each cache to purge needs an http(s) url")
    method = item.get("method") or "PURGE"
    if not isinstance(method, str) or not _TOKEN.fullmatch(method):
        raise ValueError("a purge method is one word, such as PURGE or POST")
    headers = item.get("headers") or {}
    if not isinstance(headers, dict):
        raise ValueError("a purge target's headers are a mapping of name: value")
    checked = []
    for name, text in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ValueError(f"{str(name)[:40]!r} is not a header name")
        if not isinstance(text, str | int) or isinstance(text, bool):
            raise ValueError(f"the header {name} needs a text value")
        checked.append((name, clean_line(str(text))))
    return PurgeTarget(url, method.upper(), tuple(checked))
