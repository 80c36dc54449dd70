"""``feeds build --watch``: build, then keep the build current, writing as the site publishes.

A build that runs once pays, for every edit, for starting Python and importing
feeds, comparing every story file with the catalogue, and making the feed
entries and story HTML of every other story in the documents it writes again
(README, "A static build": of a 0.8 s one-file build, 0.5 s). A build that stays
running is the publisher itself (``feeds publish``'s loop: inotify, the quiet
time, a parse child, one commit) with a hook that writes, after each commit, the
documents that read a changed key: the same incremental write as ``feeds
build``, with its caches warm.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from ..catalog.loop import Loop
from ..catalog.publisher import Publisher, PublisherBusy
from ..catalog.store import STATE_FOLDER
from ..documents.items import widen_html_cache
from ..documents.syndication import widen_entry_cache
from ..errors import FeedsError
from .build import Summary, build, write
from .manifest import Manifest
from .render import BUILD_ENTRIES, BUILD_HTML_CACHE

log = logging.getLogger(__name__)


def watch(root: Path, out: Path, stop: threading.Event, processes: int | None = None,
          say: Callable[[str], None] = print,
          built: Callable[[Summary], None] = lambda summary: None) -> None:
    """Build ``root`` into ``out``, then write each publication until ``stop`` is set;
    ``built`` is called with each build's summary (the first, then one per commit)."""
    widen_html_cache(BUILD_HTML_CACHE)  # every story stays warm between publications
    widen_entry_cache(BUILD_ENTRIES)
    built(build(root, out, processes, say))
    manifest = Manifest(root / STATE_FOLDER, out)

    def rebuild(keys: set[str], version: int) -> None:
        try:
            built(write(root, out, processes, manifest=manifest))
        except FeedsError as error:  # (a full disk: said, and the next commit tries again)
            say(error.message)

    try:
        publisher = Publisher(root, processes, write_ids=False, status=False,
                              on_commit=[rebuild])
    except PublisherBusy as error:
        raise FeedsError("feeds serve is running here, and publishes this site: run "
                         "feeds build without --watch (it builds from the catalogue the "
                         "server keeps), or stop the server.") from error
    try:
        Loop(publisher).run(stop)
    finally:
        manifest.close()
