"""The live site: the current snapshot and the documents rendered from it, by URL path.

Plain Python, no Flask: the web layer asks ``Site.prepared(path)`` and gets
bytes that were rendered and compressed once for this snapshot and kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .config import Settings, load_settings
from .index import Snapshot, parse_all
from .pages import front_page, not_found_page, story_page
from .render import MEDIA_TYPES, Document, render_feed, site_feed
from .responses import Prepared, prepare
from .validators import ValidatorStore

log = logging.getLogger(__name__)

NOT_FOUND = "(404)"  # not a path any request can have: every request path starts with /


@dataclass(slots=True)
class _State:
    """A snapshot with its memo of rendered documents; replaced whole, never edited."""

    snapshot: Snapshot
    documents: dict[str, Prepared] = field(default_factory=dict)


class Site:
    """A site folder served live: one current state, swapped as a single reference."""

    def __init__(self, root: Path, settings: Settings | None = None):
        self.root = root
        settings = settings or load_settings(root)
        self._state = _State(self._build(settings))
        self._validators = ValidatorStore(root)

    def _build(self, settings: Settings) -> Snapshot:
        return Snapshot.build(settings, parse_all(self.root, settings), datetime.now(UTC))

    @property
    def snapshot(self) -> Snapshot:
        return self._state.snapshot

    def prepared(self, path: str) -> Prepared | None:
        """Return the document served at ``path``, rendered and compressed on first use."""
        state = self._state
        found = state.documents.get(path)
        if found is not None:
            return found
        render = resolve(state.snapshot, path)
        if render is None:
            return None  # unknown paths are unbounded, so they are not remembered
        found = self._prepare(path, render(), state.snapshot)
        state.documents[path] = found
        return found

    def not_found(self) -> Prepared:
        """Return the 404 page of the current snapshot."""
        state = self._state
        found = state.documents.get(NOT_FOUND)
        if found is None:
            found = self._prepare(NOT_FOUND, not_found_page(state.snapshot), state.snapshot)
            state.documents[NOT_FOUND] = found
        return found

    def _prepare(self, path: str, document: Document, snapshot: Snapshot) -> Prepared:
        stamp = self._validators.last_modified(path, document.etag, document.last_modified)
        return prepare(document, stamp, snapshot.settings.cache_max_age)


def resolve(snapshot: Snapshot, path: str) -> Callable[[], Document] | None:
    """Map a URL path to the function that renders it: the site's one URL table."""
    if path == "/":
        return lambda: front_page(snapshot)
    name = path[1:]
    if name in MEDIA_TYPES:
        return lambda: render_feed(snapshot, site_feed(snapshot), name)
    if path.endswith("/"):
        story = snapshot.by_path.get(path[1:-1])
        if story is not None:
            return lambda: story_page(snapshot, story)
    return None
