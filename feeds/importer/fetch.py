"""Fetch what an import reads: a feed or export file on disk, or a document over HTTP.

Every fetch is bounded: in size (a feed is not 50 MB; an export file on disk may
be larger and is read as a stream), in time, and in redirects (a loop is named as
one). Only http(s) is followed, however a server redirects, and only to addresses an
import may reach (``netguard``).
"""

from __future__ import annotations

import http.client
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path
from typing import IO, Any

from .. import __version__
from ..errors import FeedsError
from .netguard import AddressRefused, guarded_handlers

MAX_DOCUMENT_BYTES = 32 << 20  # a feed page; a newsroom's feed is well under a megabyte
MAX_MEDIA_BYTES = 200 << 20  # one image or enclosure fetched by --download-media
MAX_REDIRECTS = 10
TIMEOUT = 30.0  # seconds without an answer
CHUNK = 1 << 16
USER_AGENT = f"feeds-import/{__version__} (+https://pypi.org/project/feeds/)"


class FetchError(FeedsError):
    """A source could not be read; the message says why and what to do."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status that said no, if one did


@dataclass(frozen=True, slots=True)
class Fetched:
    """A document as fetched: where it ended up (after redirects), its bytes and media type."""

    url: str  # the final URL, or the file's path
    body: bytes
    content_type: str = ""


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow at most ``MAX_REDIRECTS`` redirects, to http(s) only, and say when they loop."""

    max_redirections = MAX_REDIRECTS
    max_repeats = 1

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: HTTPMessage, newurl: str) -> urllib.request.Request | None:
        if not is_url(newurl):
            raise FetchError(f"{req.full_url} redirects to {newurl[:200]}, which is not an "
                             "http(s) address: give the feed's own address.")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Fetcher:
    """Every fetch of one import: over HTTP only to addresses the import may reach (see
    ``netguard``), at every hop, redirects included; or from a file."""

    def __init__(self, allow_private: bool = False):
        self.allow_private = allow_private
        self._opener = urllib.request.build_opener(*guarded_handlers(allow_private), _Redirects)

    def open_url(self, url: str) -> Any:
        """Open ``url`` for reading, with the import's user agent, timeout and rules."""
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                       "Accept-Encoding": "identity"})
        try:
            return self._opener.open(request, timeout=TIMEOUT)
        except FetchError:
            raise
        except AddressRefused as exc:
            raise FetchError(f"{url}: {exc.message}") from None
        except urllib.error.HTTPError as exc:
            if exc.code in (301, 302, 303, 307, 308):
                raise FetchError(f"{url}: the redirects go round in a loop or past "
                                 f"{MAX_REDIRECTS} hops: give the feed's final address.") from None
            raise FetchError(f"{url}: the server answered {exc.code} {exc.reason}: check the "
                             "address.", exc.code) from None
        except urllib.error.URLError as exc:
            raise FetchError(f"{url}: cannot connect ({exc.reason}): check the address and "
                             "the network.") from None
        except (TimeoutError, OSError, ValueError, http.client.HTTPException) as exc:
            raise FetchError(f"{url}: cannot fetch it ({exc}): check the address.") from None

    def fetch(self, source: str, limit: int = MAX_DOCUMENT_BYTES) -> Fetched:
        """Return the bytes of a URL or a file, refusing more than ``limit`` of them."""
        if is_url(source):
            with self.open_url(source) as response:
                body = _read_bounded(response, limit, source)
                return Fetched(response.geturl(), body, response.headers.get_content_type())
        path = Path(source)
        try:
            if not path.is_file():
                raise FetchError(f"{source}: no such file, and not an http(s) address: give a "
                                 "feed URL, an export file or a site folder.")
            with open(path, "rb") as handle:
                return Fetched(str(path), _read_bounded(handle, limit, source))
        except OSError as exc:
            raise FetchError(f"{source}: cannot read it ({exc.strerror}).") from None

    def download(self, url: str, target: Path, limit: int = MAX_MEDIA_BYTES) -> str:
        """Download ``url`` into ``target`` (written whole or not at all); return its type."""
        partial = target.with_name(f".{target.name}.part")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.open_url(url) as response, open(partial, "wb") as out:
                size = 0
                while chunk := response.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(f"{url}: larger than {limit >> 20} MB: left as a link.")
                    out.write(chunk)
                media_type = response.headers.get_content_type()
            os.replace(partial, target)
            return str(media_type)
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise FetchError(f"{url}: the download failed ({exc}): left as a link.") from None
        finally:
            partial.unlink(missing_ok=True)


def _read_bounded(stream: IO[bytes], limit: int, source: str) -> bytes:
    chunks, size = [], 0
    try:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise FetchError(f"{source}: larger than {limit >> 20} MB, which is not a feed "
                                 "page: check the address (a WordPress export: give the file).")
            chunks.append(chunk)
    except (TimeoutError, OSError) as exc:
        raise FetchError(f"{source}: the transfer stopped ({exc}): try again.") from None
    return b"".join(chunks)
