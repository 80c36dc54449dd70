"""Small pure functions for HTTP validators and conditional requests (RFC 9110 13.1-13.2).

They run on every poll, so the common cases (the client sends back exactly
the ETag or date it was given) are answered by one comparison, and parsed
header values are memoised in small bounded tables.
"""

from __future__ import annotations

import re
from email.utils import formatdate
from enum import Enum
from typing import TypeVar

from werkzeug.http import parse_date

_MEMO_LIMIT = 1024
T = TypeVar("T")
_ETAG = re.compile(r'\s*(W/)?("[^"]*")\s*(?:,|$)')


class Outcome(Enum):
    """What the preconditions of a GET or HEAD decide (RFC 9110 13.2.2)."""

    SEND = 200
    NOT_MODIFIED = 304
    PRECONDITION_FAILED = 412


def http_date(epoch: int) -> str:
    """Format seconds since the epoch as an IMF-fixdate (RFC 9110 5.6.7)."""
    return formatdate(epoch, usegmt=True)


def _memo(table: dict[str, T], key: str, value: T) -> None:
    if len(table) >= _MEMO_LIMIT:
        table.clear()
    table[key] = value


_DATES: dict[str, int | None] = {}


def parse_http_date(value: str) -> int | None:
    """Return an HTTP-date as epoch seconds, or None when it is not a valid date.

    RFC 9110 13.1.3: an invalid If-Modified-Since is ignored, never an error.
    """
    try:
        return _DATES[value]
    except KeyError:
        pass
    parsed = parse_date(value) if len(value) <= 64 else None
    epoch = int(parsed.timestamp()) if parsed is not None else None
    _memo(_DATES, value, epoch)
    return epoch


def _etags(value: str) -> list[tuple[bool, str]]:
    """Split an If-Match/If-None-Match list into (weak, opaque-tag) pairs; junk ends the list."""
    found: list[tuple[bool, str]] = []
    position = 0
    while position < len(value) and len(found) < 64:
        match = _ETAG.match(value, position)
        if match is None:
            break
        found.append((match.group(1) is not None, match.group(2)))
        position = match.end()
    return found


def none_match(header: str, etag: str) -> bool:
    """Tell whether If-None-Match matches ``etag`` by weak comparison (RFC 9110 13.1.2)."""
    if header == etag:
        return True
    header = header.strip()
    if header == "*":
        return True
    return any(tag == etag for _, tag in _etags(header))


def match(header: str, etag: str) -> bool:
    """Tell whether If-Match matches ``etag`` by strong comparison (RFC 9110 13.1.1)."""
    header = header.strip()
    if header == "*" or header == etag:
        return True
    return any(not weak and tag == etag for weak, tag in _etags(header))


def evaluate(
    etag: str,
    last_modified: int,
    if_match: str | None,
    if_unmodified_since: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
) -> Outcome:
    """Decide a GET or HEAD on an existing representation, in RFC 9110 13.2.2's order."""
    # Step 1-2: If-Match, else If-Unmodified-Since.
    if if_match is not None:
        if not match(if_match, etag):
            return Outcome.PRECONDITION_FAILED
    elif if_unmodified_since is not None:
        since = parse_http_date(if_unmodified_since)
        if since is not None and last_modified > since:
            return Outcome.PRECONDITION_FAILED
    # Step 3: If-None-Match takes precedence; If-Modified-Since counts only without it.
    if if_none_match is not None:
        return Outcome.NOT_MODIFIED if none_match(if_none_match, etag) else Outcome.SEND
    if if_modified_since is not None:
        since = parse_http_date(if_modified_since)
        if since is not None and last_modified <= since:
            return Outcome.NOT_MODIFIED
    return Outcome.SEND


_CODINGS: dict[str, bool] = {}


def accepts_gzip(header: str | None) -> bool:
    """Tell whether Accept-Encoding admits gzip (RFC 9110 12.5.3), with q-values honoured."""
    if not header:
        return False
    try:
        return _CODINGS[header]
    except KeyError:
        pass
    weights: dict[str, float] = {}
    for item in header.split(",")[:32]:
        coding, _, params = item.partition(";")
        quality = 1.0
        name, _, number = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(number)
            except ValueError:
                quality = 0.0
        weights[coding.strip().lower()] = quality
    gzip = weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0)))
    accepted = gzip > 0
    _memo(_CODINGS, header, accepted)
    return accepted
