"""Documents made ready to send: both encodings, their validators and header lists, built once.

``answer`` is the whole per-poll cost: pick the encoding, evaluate the
preconditions, hand prebuilt headers and bytes to the WSGI server. The ETag is
a strong hash of the exact bytes sent (RFC 9110 8.8.3), the gzip body having its
own; Last-Modified comes from the catalogue (``View.last_modified``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..documents.document import Document, Redirect, compress
from ..documents.headers import PAGE_POLICY, SECURITY, Headers
from .conditional import Outcome, accepts_gzip, evaluate, http_date

StartResponse = Callable[..., Any]

STATUS = {
    Outcome.SEND: "200 OK",
    Outcome.NOT_MODIFIED: "304 Not Modified",
    Outcome.PRECONDITION_FAILED: "412 Precondition Failed",
}
REASONS = {200: "OK", 301: "Moved Permanently", 307: "Temporary Redirect",
           308: "Permanent Redirect", 404: "Not Found", 410: "Gone"}


def strong_etag(body: bytes) -> str:
    """Return a strong validator for exactly these bytes (RFC 9110 8.8.3)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@dataclass(frozen=True, slots=True)
class Variant:
    """One encoding of a document: its bytes, its own strong ETag and its headers."""

    body: bytes
    etag: str
    headers: Mapping[Outcome, Headers]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document (or redirect) ready to serve from memory, in identity and gzip encodings."""

    status: int
    identity: Variant
    gzipped: Variant
    last_modified: int
    deps: frozenset[str] = frozenset()  # the catalogue keys it was rendered from

    @property
    def size(self) -> int:
        return len(self.identity.body) + len(self.gzipped.body)


def prepare(document: Document, last_modified: int, cache_control: str,
            extra: Iterable[tuple[str, str]] = (), deps: frozenset[str] = frozenset(),
            keys: Sequence[tuple[str, str]] = ()) -> Prepared:
    """Compress a document once and build every header list it will be answered with.

    ``keys`` (the surrogate key header) go with the document's bytes only: a cache that
    revalidates keeps the keys of the copy it stored, and a 304 stays a few hundred bytes
    where a feed's keys, one per story, would add a kilobyte to every poll."""
    compressed = compress(document.body)
    common = [
        ("Last-Modified", http_date(last_modified)),
        ("Cache-Control", cache_control),
        ("Vary", "Accept-Encoding"),
        *SECURITY,
        *extra,
    ]
    if document.media_type.startswith("text/html"):
        common.append(("Content-Security-Policy", PAGE_POLICY))
    if document.status != 200:  # a 410 page: no validators to revalidate against
        common = [h for h in common if h[0] != "Last-Modified"]
    return Prepared(
        status=document.status,
        identity=_variant(document.body, document.media_type, common, None, keys),
        gzipped=_variant(compressed, document.media_type, common, "gzip", keys),
        last_modified=last_modified,
        deps=deps,
    )


def prepare_redirect(redirect: Redirect, location: str, cache_control: str,
                     extra: Iterable[tuple[str, str]] = (),
                     deps: frozenset[str] = frozenset()) -> Prepared:
    """Build the answer of a redirect (its body says where, for people)."""
    body = f"{redirect.status} {REASONS[redirect.status]}: {location}\n".encode()
    headers = [("Location", location), ("Content-Type", "text/plain; charset=utf-8"),
               ("Content-Length", str(len(body))), ("Cache-Control", cache_control),
               *SECURITY, *extra]
    variant = Variant(body, "", {outcome: headers for outcome in Outcome})
    return Prepared(redirect.status, variant, variant, 0, deps)


def _variant(body: bytes, media_type: str, common: Headers, coding: str | None,
             keys: Sequence[tuple[str, str]] = ()) -> Variant:
    etag = strong_etag(body)
    # RFC 9110 15.4.5: a 304 carries the validators and caching headers a 200 would.
    not_modified = [("ETag", etag), *common]
    ok = [("Content-Type", media_type), ("Content-Length", str(len(body))), *not_modified,
          *keys]
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
    if prepared.status != 200:
        start_response(f"{prepared.status} {REASONS[prepared.status]}",
                       variant.headers[Outcome.SEND])
        return [] if head else [variant.body]
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
