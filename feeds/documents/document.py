"""What rendering a URL gives: a document (bytes, media type, status) or a redirect.

Plain records: the web layer adds the validators (``web.responses``: ETag and
Last-Modified), the build command writes the bytes to files.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass

HTML = "text/html; charset=utf-8"
GZIP_LEVEL = 9


def compress(body: bytes) -> bytes:
    """Return the gzip encoding of a body: the same bytes from the server and the static build
    (no time or name in the header, RFC 1952 2.3)."""
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


@dataclass(frozen=True, slots=True)
class Document:
    """A rendered body and what HTTP needs to know about it."""

    body: bytes
    media_type: str
    status: int = 200  # 410 for the page of a story that was removed


@dataclass(frozen=True, slots=True)
class Redirect:
    """An answer that sends the reader elsewhere in the site."""

    location: str  # a site path, such as /world/new-name/
    status: int  # 301 moved for good, 307 for now, 308 (a missing trailing slash)
