"""Documents made ready to send: both encodings, their validators and header lists, built once.

``answer`` is the whole per-poll cost: pick the encoding, evaluate the
preconditions, hand prebuilt headers and bytes to the WSGI server.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .conditional import Outcome, accepts_gzip, evaluate, http_date
from .feedspec import Document, strong_etag

Headers = list[tuple[str, str]]
StartResponse = Callable[..., Any]

STATUS = {
    Outcome.SEND: "200 OK",
    Outcome.NOT_MODIFIED: "304 Not Modified",
    Outcome.PRECONDITION_FAILED: "412 Precondition Failed",
}


@dataclass(frozen=True, slots=True)
class Variant:
    """One encoding of a document: its bytes, its own strong ETag and its headers."""

    body: bytes
    etag: str
    headers: Mapping[Outcome, Headers]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document ready to serve from memory, in identity and gzip encodings."""

    identity: Variant
    gzipped: Variant
    last_modified: int


def prepare(
    document: Document, last_modified: int, max_age: int, extra: Iterable[tuple[str, str]] = ()
) -> Prepared:
    """Compress a document once and build every header list it will be answered with."""
    compressed = gzip.compress(document.body, compresslevel=9, mtime=0)  # mtime=0: stable bytes
    common = [
        ("Last-Modified", http_date(last_modified)),
        ("Cache-Control", f"public, max-age={max_age}"),
        ("Vary", "Accept-Encoding"),
        *extra,
    ]
    return Prepared(
        identity=_variant(document.body, document.media_type, common, None),
        gzipped=_variant(compressed, document.media_type, common, "gzip"),
        last_modified=last_modified,
    )


def _variant(body: bytes, media_type: str, common: Headers, coding: str | None) -> Variant:
    etag = strong_etag(body)
    # RFC 9110 15.4.5: a 304 carries the validators and caching headers a 200 would.
    not_modified = [("ETag", etag), *common]
    ok = [("Content-Type", media_type), ("Content-Length", str(len(body))), *not_modified]
    if coding:
        ok.append(("Content-Encoding", coding))
    return Variant(body, etag, {
        Outcome.SEND: ok,
        Outcome.NOT_MODIFIED: not_modified,
        Outcome.PRECONDITION_FAILED: not_modified,
    })


def answer(prepared: Prepared, environ: dict[str, Any], start_response: StartResponse,
           head: bool) -> list[bytes]:
    """Answer a GET or HEAD for ``prepared`` (RFC 9110 13.2.2), with no rendering and no I/O."""
    variant = (prepared.gzipped if accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING"))
               else prepared.identity)
    outcome = evaluate(
        variant.etag,
        prepared.last_modified,
        environ.get("HTTP_IF_MATCH"),
        environ.get("HTTP_IF_UNMODIFIED_SINCE"),
        environ.get("HTTP_IF_NONE_MATCH"),
        environ.get("HTTP_IF_MODIFIED_SINCE"),
    )
    headers = variant.headers[outcome]
    now = time.time()
    if prepared.last_modified > now:
        # RFC 9110 8.8.2.1: never send a Last-Modified later than the Date; the
        # true (later) second still decides If-Modified-Since above.
        stamp = http_date(int(now))
        headers = [(k, stamp if k == "Last-Modified" else v) for k, v in headers]
    start_response(STATUS[outcome], headers)
    if outcome is not Outcome.SEND or head:
        return []
    return [variant.body]
