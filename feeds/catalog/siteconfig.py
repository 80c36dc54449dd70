"""The site's settings as the publisher keeps them: read once ``config.yaml`` is quiet, stored in
the catalogue, and what a change of them means.

A broken or emptied ``config.yaml`` keeps the last good settings serving (those the
catalogue stored), with a problem until it is mended. A change of settings is a new
version stamping ``settings`` (every document reads it); one that changes what a story
means (``PARSE_SETTINGS``) reads every story again. So does a new feeds whose reading
rules changed (``PARSER``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..errors import ConfigError, FeedsError
from ..site.config import CONFIG_NAME, Settings, load_settings
from ..site.files import Signature, signature
from .store import Problem, commit_version, meta, next_stamp, set_meta, transaction
from .store.files import read_all_again

log = logging.getLogger(__name__)

PARSE_SETTINGS = ("base_url", "timezone", "author")  # what a parsed story depends on
# What reads files: every file is read again when it changes. The revision counts changes to
# the reading rules between releases (2: claims on the site's own URLs, numbers as spelled;
# 3: a local lead image's size in pixels, podcast episode fields, and each local audio or
# video enclosure's duration).
PARSER = f"{__version__}+3"


def problem(error: FeedsError) -> Problem:
    return Problem(error.path or CONFIG_NAME, error.line, error.message)


def stored(catalog: Path) -> Settings | None:
    """Return the settings a catalogue holds (the last good ones), or None."""
    try:
        db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
        try:
            raw = meta(db, "settings")
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return Settings.from_raw(json.loads(str(raw))) if raw else None


def first(root: Path, catalog: Path) -> tuple[Settings, Problem | None]:
    """Return the settings to start with, and the problem with ``config.yaml`` if it is
    broken (then the catalogue's are kept; with none, the error is raised)."""
    try:
        return load_settings(root), None
    except ConfigError as error:
        kept = stored(catalog)
        if kept is None:
            raise
        return kept, problem(error)


def read(root: Path) -> Settings | Problem:
    """Read the settings, or the problem that keeps the last good ones."""
    try:
        return load_settings(root)
    except ConfigError as error:
        return problem(error)


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing settings meant: the keys that changed, and whether to read every story
    again."""

    keys: set[str]
    reparse: bool


def store(db: sqlite3.Connection, settings: Settings, now: float, first: bool = False) -> Stored:
    """Store ``settings`` in the catalogue (each start, ``first``, and each change)."""
    raw = meta(db, "settings")
    old = Settings.from_raw(json.loads(str(raw))) if raw else None
    if old == settings and not first:
        return Stored(set(), False)
    reparse = old is None or any(getattr(old, k) != getattr(settings, k)
                                 for k in PARSE_SETTINGS)
    if meta(db, "parser") != PARSER:  # another feeds may read files otherwise
        read_all_again(db)
        set_meta(db, "parser", PARSER)
    changed = old is not None and old != settings
    with transaction(db):
        set_meta(db, "settings", json.dumps(settings.to_raw(), ensure_ascii=False))
        if changed:
            commit_version(db, {"settings"}, next_stamp(db, now))
    if reparse and old is not None:
        log.info("config.yaml changed what stories mean: reading every story again")
        read_all_again(db)
    return Stored({"settings"} if changed else set(), reparse and old is not None)


class ConfigWatch:
    """Read ``config.yaml`` again once it has changed and been quiet (an editor may be writing
    it slowly: half a file must not become the site's settings)."""

    def __init__(self, root: Path, settle: float):
        self.root = root
        self.settle = settle
        self._seen: Signature | None = None  # config.yaml as last read
        self._changed = 0.0  # when it was last seen changing; 0 when it is as read

    def start(self) -> None:
        self._seen = signature(str(self.root / CONFIG_NAME))

    @property
    def settling(self) -> bool:
        return bool(self._changed)

    def ready(self) -> bool:
        """Tell whether config.yaml changed and is quiet now: time to read it."""
        latest = signature(str(self.root / CONFIG_NAME))
        if latest != self._seen:
            self._seen, self._changed = latest, time.monotonic()
        elif self._changed and time.monotonic() - self._changed >= self.settle:
            self._changed = 0.0
            return True
        return False

