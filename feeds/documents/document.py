"""What rendering a URL gives: a document (bytes, media type, status) or a redirect.

Plain records: the web layer adds the validators (``web.responses``: ETag and
Last-Modified), the build command writes the bytes to files.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass

HTML = "text/html; charset=utf-8"
# What each level buys, measured on this machine (zlib; the sample site's news stories, and
# the 10,000-story bench site's 570 MB of documents): level 9 leaves 31.06 % of the news
# bytes and takes 23.7 CPU-s for the bench site; 6, 31.07 % and 20.3 s; 5, 31.12 % and
# 12.8 s; 4, 31.36 % and 8.4 s; 1, 32.84 % and 5.4 s. Past 5 each level costs more time
# for less than 0.1 % of the bytes, so 5: a full static build spends half what it did on
# compression, for 0.2 % more bytes on a full fetch.
GZIP_LEVEL = 5


def compress(body: bytes) -> bytes:
    """Return the gzip encoding of a body: the same bytes from the server and the static build
    (no time or name in the header, RFC 1952 2.3; one level for both: ``GZIP_LEVEL``)."""
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
