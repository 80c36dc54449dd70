"""RFC 9110 13.1-13.2 as pure functions: every precedence case, and garbage in the headers."""

from __future__ import annotations

import pytest

from feeds.web.conditional import (
    Outcome,
    accepts_gzip,
    evaluate,
    http_date,
    match,
    none_match,
    parse_http_date,
)

ETAG = '"abc"'
LM = 1_763_100_000  # an HTTP date in whole seconds
SAME = http_date(LM)
OLDER = http_date(LM - 1)
NEWER = http_date(LM + 1)


def decide(im: str | None = None, ius: str | None = None, inm: str | None = None,
           ims: str | None = None) -> Outcome:
    return evaluate(ETAG, LM, im, ius, inm, ims)


@pytest.mark.parametrize(("inm", "ims", "outcome"), [
    # No conditions: send.
    (None, None, Outcome.SEND),
    # If-None-Match alone: weak comparison (13.1.2), lists, and "*".
    ('"abc"', None, Outcome.NOT_MODIFIED),
    ('W/"abc"', None, Outcome.NOT_MODIFIED),
    ('"x", "abc"', None, Outcome.NOT_MODIFIED),
    ('"x",W/"abc" ', None, Outcome.NOT_MODIFIED),
    ("*", None, Outcome.NOT_MODIFIED),
    ('"abd"', None, Outcome.SEND),
    ("abc", None, Outcome.SEND),
    # If-Modified-Since alone (13.1.3).
    (None, SAME, Outcome.NOT_MODIFIED),
    (None, NEWER, Outcome.NOT_MODIFIED),
    (None, OLDER, Outcome.SEND),
    (None, "yesterday", Outcome.SEND),
    (None, "", Outcome.SEND),
    (None, "Sunday, 06-Nov-94 08:49:37 GMT", Outcome.SEND),  # RFC 850 form, old
    (None, "Sun Nov  6 08:49:37 2094", Outcome.NOT_MODIFIED),  # asctime form, future
    # If-None-Match takes precedence: If-Modified-Since is then ignored (13.2.2 step 3-4).
    ('"nope"', NEWER, Outcome.SEND),
    ('"abc"', OLDER, Outcome.NOT_MODIFIED),
])
def test_none_match_and_modified_since(inm: str | None, ims: str | None, outcome: Outcome) -> None:
    assert decide(inm=inm, ims=ims) is outcome


@pytest.mark.parametrize(("im", "ius", "inm", "outcome"), [
    ('"abc"', None, None, Outcome.SEND),
    ("*", None, None, Outcome.SEND),
    ('"x", "abc"', None, None, Outcome.SEND),
    ('W/"abc"', None, None, Outcome.PRECONDITION_FAILED),  # If-Match compares strongly
    ('"x"', None, None, Outcome.PRECONDITION_FAILED),
    (None, OLDER, None, Outcome.PRECONDITION_FAILED),
    (None, SAME, None, Outcome.SEND),
    (None, "garbage", None, Outcome.SEND),  # an invalid date is ignored
    ('"abc"', OLDER, None, Outcome.SEND),  # If-Match present: If-Unmodified-Since ignored
    ('"x"', None, '"abc"', Outcome.PRECONDITION_FAILED),  # step 1 before step 3
    ('"abc"', None, '"abc"', Outcome.NOT_MODIFIED),
])
def test_match_and_unmodified_since(im: str | None, ius: str | None, inm: str | None,
                                    outcome: Outcome) -> None:
    assert decide(im=im, ius=ius, inm=inm) is outcome


@pytest.mark.parametrize("garbage", [
    '"abc', 'W/', ',,,,', '"a" junk "abc"', "\x00\x01", '"' * 5000, "W/" * 3000 + '"abc"',
    ", ".join(f'"{i}"' for i in range(2000)),
])
def test_garbled_etag_lists_never_match_and_never_raise(garbage: str) -> None:
    assert none_match(garbage, '"zzz"') is False
    assert match(garbage, '"zzz"') is False


def test_parse_http_date_bounds_its_input() -> None:
    assert parse_http_date(SAME) == LM
    assert parse_http_date("x" * 10_000) is None
    assert parse_http_date("Mon, 32 Nov 2025 99:99:99 GMT") is None


@pytest.mark.parametrize(("header", "gzip"), [
    (None, False), ("", False), ("gzip", True), ("gzip, deflate, br", True), ("br", False),
    ("GZIP", True), ("x-gzip", True), ("*", True), ("gzip;q=0", False), ("*;q=0", False),
    ("gzip;q=0.5, identity", True), ("identity", False), ("br, *;q=0.1", True),
    ("gzip;q=0, *", False), ("gzip;q=abc", False), ("deflate, gzip ; q=1.0", True),
])
def test_accepts_gzip(header: str | None, gzip: bool) -> None:
    assert accepts_gzip(header) is gzip
