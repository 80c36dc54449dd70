"""The live site: the current snapshot and the documents rendered from it, by URL path.

Plain Python, no Flask: the web layer asks ``Site.document(path)`` and gets
bytes that were rendered once for this snapshot and kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .config import Settings, load_settings
from .index import Snapshot, parse_all
from .pages import front_page, not_found_page, story_page
from .render import MEDIA_TYPES, Document, render_feed, site_feed

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _State:
    """A snapshot with its memo of rendered documents; replaced whole, never edited."""

    snapshot: Snapshot
    documents: dict[str, Document | None] = field(default_factory=dict)


class Site:
    """A site folder served live: one current state, swapped as a single reference."""

    def __init__(self, root: Path, settings: Settings | None = None):
        self.root = root
        settings = settings or load_settings(root)
        self._state = _State(self._build(settings))
        self._lock = threading.Lock()

    def _build(self, settings: Settings) -> Snapshot:
        return Snapshot.build(settings, parse_all(self.root, settings), datetime.now(UTC))

    @property
    def snapshot(self) -> Snapshot:
        return self._state.snapshot

    def document(self, path: str) -> Document | None:
        """Return the document served at ``path`` (rendered on first use), or None."""
        state = self._state
        if path in state.documents:
            return state.documents[path]
        render = resolve(state.snapshot, path)
        document = render() if render else None
        # Only remember what exists: unknown paths are unbounded, known ones are not.
        if document is not None:
            state.documents[path] = document
        return document

    def not_found(self) -> Document:
        """Return the 404 page for the current snapshot."""
        state = self._state
        if "404" not in state.documents:
            state.documents["404"] = not_found_page(state.snapshot)
        document = state.documents["404"]
        assert document is not None
        return document


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
