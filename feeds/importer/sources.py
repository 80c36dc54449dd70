"""Read one source, whatever it is: a feed URL or file (with its history), or a WordPress
export file, into a ``SourceReport``."""

from __future__ import annotations

from pathlib import Path

from .feedsource import read_feed
from .fetch import fetch, is_url
from .items import SourceReport
from .wxr import is_wxr, looks_like_wxr, read_wxr


def read_source(source: str) -> SourceReport:
    """Read ``source``; raise ``FetchError`` (nothing of it is imported) when it cannot be."""
    if not is_url(source) and looks_like_wxr(Path(source)):
        return read_wxr(source, Path(source))  # read as a stream: exports can be large
    fetched = fetch(source)
    if is_wxr(fetched):
        return read_wxr(source, fetched.body)
    return read_feed(fetched, source)
