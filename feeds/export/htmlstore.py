"""Story HTML kept from one build to the next, beside the build's manifest.

Rendering a story's Markdown is most of what re-rendering an archive page costs
(fifty stories on it, one of them changed), so a build keeps each story's HTML,
by a hash of its Markdown and permalink: the next build reads it instead of
rendering it again. One row per story and kind: a story's old HTML goes when its
new HTML comes, and a full build drops the HTML of stories that are gone.
"""

from __future__ import annotations

import hashlib
import sqlite3
from importlib import metadata
from pathlib import Path

from .. import __version__
from ..catalog.store import transaction
from ..documents.items import HtmlKey

SCHEMA = """
CREATE TABLE IF NOT EXISTS html (hash TEXT PRIMARY KEY, owner TEXT NOT NULL, html TEXT NOT NULL)
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS html_owner ON html(owner);
CREATE TABLE IF NOT EXISTS html_maker (maker TEXT NOT NULL);
"""
MAKERS = ("markdown-it-py", "nh3")  # what turns Markdown into HTML, beside feeds itself


def maker() -> str:
    """Name what made the HTML: kept HTML made by anything else is not used."""
    versions = []
    for name in MAKERS:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} ?")
    return ", ".join([f"feeds {__version__}", *versions])


def _hash(key: HtmlKey) -> str:
    return hashlib.blake2b("\0".join(key).encode(), digest_size=16).hexdigest()


class StoredHtml:
    """The HTML table of one manifest file: read by every process, written by the build's own."""

    def __init__(self, path: Path, writable: bool):
        self.writable = writable
        if writable:
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db.executescript(SCHEMA)
            made = [row[0] for row in self.db.execute("SELECT maker FROM html_maker")]
            if made != [maker()]:  # another feeds, or another Markdown or sanitiser version
                self.db.executescript("DELETE FROM html; DELETE FROM html_maker;")
                self.db.execute("INSERT INTO html_maker VALUES (?)", (maker(),))
        else:
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None,
                                      check_same_thread=False)
        self.used: set[str] = set()
        self._pending: dict[str, tuple[str, str]] = {}

    def get(self, key: HtmlKey) -> str | None:
        digest = _hash(key)
        try:
            row = self.db.execute("SELECT html FROM html WHERE hash = ?", (digest,)).fetchone()
        except sqlite3.Error:
            return None  # (no table yet: a first build)
        if row is not None:
            self.used.add(digest)
        return None if row is None else str(row[0])

    def put(self, key: HtmlKey, value: str) -> None:
        if self.writable:
            digest = _hash(key)
            self.used.add(digest)
            self._pending[digest] = (f"{key[1]}\0{key[2]}", value)

    def save(self, prune: bool) -> None:
        """Write the HTML made since the last save; with ``prune``, drop what was not used."""
        db = self.db
        with transaction(db, "BEGIN"):
            known = {digest for (digest,) in db.execute("SELECT hash FROM html")}
            fresh = [(d, owner, value) for d, (owner, value) in self._pending.items()
                     if d not in known]
            db.executemany("DELETE FROM html WHERE owner = ? AND hash != ?",
                           [(owner, d) for d, owner, _ in fresh])
            db.executemany("INSERT OR REPLACE INTO html VALUES (?, ?, ?)", fresh)
            if prune:
                db.executemany("DELETE FROM html WHERE hash = ?",
                               [(d,) for d in known - self.used])
        self._pending.clear()

    def close(self) -> None:
        self.db.close()
