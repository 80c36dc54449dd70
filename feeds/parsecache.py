"""Remember parsed stories between runs, so a restart reads only the files that changed.

Parsing YAML front matter is most of a cold start (about 0.1 ms a file with
PyYAML's C loader, so a second at 10,000 stories, in every worker). The cache
is JSON (never pickle: loading it can build no object), kept in ``.feeds/``
beside the validators, and trusted only for a file whose size, modification
time and inode are those it was parsed with, under the same settings.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from . import __version__
from .config import Settings
from .story import Author, Enclosure, Image, Story

log = logging.getLogger(__name__)

FORMAT = 1
CACHE_FILE = "stories.json"
Signature = tuple[int, int, int]


def signature(path: str) -> Signature | None:
    """Return what identifies a version of a file, or None when it is gone."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


class ParseCache:
    """Parsed stories by source path and file signature, loaded once and saved on demand."""

    def __init__(self, folder: Path, settings: Settings):
        self.path = folder / CACHE_FILE
        self.settings = settings
        self.key = f"{FORMAT}/{__version__}/{_fingerprint(settings)}"
        # Loaded entries hold JSON data; new ones hold the Story, encoded only when saved.
        self.entries: dict[str, tuple[Signature, dict[str, Any] | Story]] = {}
        self.dirty = False
        self._writer: threading.Thread | None = None
        self._load()

    def _load(self) -> None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("key") != self.key:
            return
        for source, (stamp, story) in data.get("files", {}).items():
            self.entries[source] = ((stamp[0], stamp[1], stamp[2]), story)

    def get(self, source: str, stamp: Signature | None) -> Story | None:
        """Return the cached story for this exact version of the file, if there is one."""
        entry = self.entries.get(source)
        if entry is None or stamp is None or entry[0] != stamp:
            return None
        if isinstance(entry[1], Story):
            return entry[1]
        try:
            return _decode(entry[1], self.settings)
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, source: str, stamp: Signature | None, story: Story) -> None:
        if stamp is not None:
            self.entries[source] = (stamp, story)
            self.dirty = True

    def forget(self, source: str) -> None:
        if self.entries.pop(source, None) is not None:
            self.dirty = True

    def save(self) -> None:
        """Write the cache in the background, atomically (the last complete write wins).

        The owner thread keeps changing ``entries``; the writer gets a copy.
        """
        if not self.dirty or (self._writer is not None and self._writer.is_alive()):
            return
        self.dirty = False
        entries = dict(self.entries)
        self._writer = threading.Thread(target=self._write, args=(entries,),
                                        name="feeds-parse-cache", daemon=True)
        self._writer.start()

    def _write(self, entries: dict[str, tuple[Signature, dict[str, Any] | Story]]) -> None:
        temporary = self.path.with_name(f".{CACHE_FILE}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(exist_ok=True)
            with open(temporary, "w", encoding="utf-8") as handle:
                files = {source: (stamp, _encode(item) if isinstance(item, Story) else item)
                         for source, (stamp, item) in entries.items()}
                json.dump({"key": self.key, "files": files}, handle,
                          ensure_ascii=False, separators=(",", ":"))
            os.replace(temporary, self.path)
        except OSError as exc:
            log.warning("cannot save the parse cache %s (%s); restarts will read every file",
                        self.path, exc)
            temporary.unlink(missing_ok=True)


def _fingerprint(settings: Settings) -> str:
    return json.dumps([repr(getattr(settings, f.name)) for f in fields(settings)])


def _encode(story: Story) -> dict[str, Any]:
    data = {f.name: getattr(story, f.name) for f in fields(story)}
    data["date"] = story.date.isoformat()
    data["updated"] = story.updated.isoformat()
    data["authors"] = [asdict(a) for a in story.authors]
    data["image"] = asdict(story.image) if story.image else None
    data["enclosures"] = [asdict(e) for e in story.enclosures]
    return data


def _decode(data: dict[str, Any], settings: Settings) -> Story:
    zone = settings.timezone
    image = data["image"]
    return Story(**{
        **data,
        "date": datetime.fromisoformat(data["date"]).astimezone(zone),
        "updated": datetime.fromisoformat(data["updated"]).astimezone(zone),
        "authors": tuple(Author(**a) for a in data["authors"]),
        "tags": tuple(data["tags"]),
        "image": Image(**image) if image else None,
        "enclosures": tuple(Enclosure(**e) for e in data["enclosures"]),
    })
