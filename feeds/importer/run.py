"""``feeds import``: bring another site's items in as story files, so that its readers
notice nothing.

Idempotent: an item is matched with a story by its id. A new id becomes a new
file; a known one is rewritten only if the source changed it *and* the file is
exactly as the last import wrote it (``.feeds/imports.json`` keeps a digest of
each file written); a file edited since is reported, never overwritten. Every
file is checked by the site's own story reader before it is written, and
written whole (a temporary file, then a rename).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tqdm import tqdm

from ..catalog.groups import groups_of
from ..errors import FeedsError
from ..site.config import Settings
from ..site.files import CONTENT, CONTENT_PREFIX, walk
from ..site.storyfile import parse_story, read_story
from .fetch import Fetcher, FetchError
from .items import Item, SourceReport
from .media import MediaFetcher
from .plan import wanted_redirects
from .reading import Reading
from .redirects import add_redirects, missing_redirects
from .sources import plan_sources
from .spool import Spool
from .storyfiles import Draft, draft_id, draft_story, stamp, story_file

RECORD = "imports.json"  # in the state folder: what each import wrote


@dataclass(slots=True)
class Tally:
    """What an import did, by outcome."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("new", "updated", "unchanged", "skipped", "failed"), 0))
    failed_sources: int = 0

    def line(self, dry_run: bool) -> str:
        text = ", ".join(f"{count} {name}" for name, count in self.counts.items())
        return f"import: {text}" + (" (a dry run: nothing was written)" if dry_run else "")


class Importer:
    """One run of ``feeds import`` over a site."""

    def __init__(self, root: Path, settings: Settings, section: str | None = None,
                 dry_run: bool = False, download_media: bool = False,
                 out: IO[str] | None = None, state: Path | None = None,
                 allow_private: bool = False, old_base_url: str | None = None):
        self.root, self.settings, self.section = root, settings, section
        self.dry_run = dry_run
        self.out = out or sys.stdout
        self.record_path = (state or root / ".feeds") / RECORD
        self.record = _load_record(self.record_path)
        self.fetcher = Fetcher(allow_private)
        self.old_base_url = old_base_url
        self.media = MediaFetcher(root, settings, self.fetcher, download_media)
        self.tally = Tally()
        self.by_id, self.taken = _site_index(root, settings)
        self.seen: dict[str, str] = {}  # id -> position of the item that gave it
        self.groups: set[str] = set()  # of the stories imported: what redirects may name
        self.now = stamp()

    def run(self, sources: Iterable[str]) -> int:
        """Import every source, one at a time, each read whole into a spool on disk first
        (memory stays that of one item); return the exit status (1 if anything failed)."""
        reports = []
        for source in plan_sources(list(sources)):
            if isinstance(source, FetchError):
                self._failed_source(source)
                continue
            with Spool() as spool:
                reading = Reading(source.name, spool, self.fetcher, self.old_base_url, self.out)
                try:
                    report = source.read(reading)
                except FetchError as error:
                    self._failed_source(error)
                    continue
                finally:
                    reading.close()
                self.say(_describe(report))
                self.tally.counts["skipped"] += report.skipped
                for item in tqdm(spool.items(), total=spool.count, desc="importing",
                                 unit=" items", disable=None if spool.count > 200 else True,
                                 file=sys.stderr, leave=False):
                    self._import(item)
            reports.append(report)
        self._finish(reports)
        self.say(self.tally.line(self.dry_run))
        return 1 if self.tally.failed_sources or self.tally.counts["failed"] else 0

    def _failed_source(self, error: FetchError) -> None:
        self.tally.failed_sources += 1
        self.say(f"failed     {error.message}")

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def _import(self, item: Item) -> None:
        if item.date is None:
            self._date_undated(item)
        try:
            draft = draft_story(item, self.settings, self.section, self.now)
        except (FeedsError, ValueError) as error:
            self._count("failed", f"{item.position}: {error}")
            return
        for warning in item.warnings:
            self.say(f"warning    {item.position}: {warning}")
        if draft.id in self.seen:
            self._count("skipped", f"{item.position}: the same id as {self.seen[draft.id]}, "
                                   "imported from there")
            return
        self.seen[draft.id] = item.position
        existing = self.by_id.get(draft.id)
        relative = existing or self._free_name(draft)
        if not self.dry_run:
            draft = self.media.localise(draft, relative, item, self.say)
        try:
            story = parse_story(draft.text.encode(), CONTENT_PREFIX + relative, self.settings,
                                self.root)
        except FeedsError as error:
            self._count("failed", f"{item.position}: it would make a story the site refuses "
                                  f"({error.message}); nothing written")
            return
        if not story.draft:
            self.groups.update(g.key for g in groups_of(story))
        if existing is None:
            self._write(relative, draft, "new", item.position)
        else:
            self._update(relative, draft, item.position)

    def _date_undated(self, item: Item) -> None:
        """An item without a date keeps the date its story got at its first import (so that
        importing again changes nothing); a new one is dated now, with a warning."""
        existing = self.by_id.get(draft_id(item))
        if existing is not None:
            try:
                item.date = read_story(self.root, CONTENT_PREFIX + existing, self.settings).date
                return
            except FeedsError:
                pass
        item.warnings.append("it has no date: it is dated now, the moment of this import")

    def _update(self, relative: str, draft: Draft, position: str) -> None:
        path = self.root / CONTENT / relative
        try:
            current = path.read_bytes()
        except OSError as error:
            self._count("failed", f"{position}: {CONTENT_PREFIX}{relative} cannot be read "
                                  f"({error.strerror})")
            return
        if current == draft.text.encode():
            self._count("unchanged")
            return
        written = self.record.get(draft.id, {})
        if written.get("file") != relative or written.get("sha256") != _digest(current):
            why = ("was edited since it was imported" if written else
                   "holds this id but was not written by feeds import")
            self._count("skipped", f"{position}: {CONTENT_PREFIX}{relative} {why}: left as it "
                                   "is (delete it and import again to take the source's version)")
            return
        self._write(relative, draft, "updated", position)

    def _free_name(self, draft: Draft) -> str:
        return story_file(draft.folder, draft.name, self.taken)

    def _write(self, relative: str, draft: Draft, outcome: str, position: str) -> None:
        data = draft.text.encode()
        if not self.dry_run:
            try:
                _write_whole(self.root / CONTENT / relative, data)
            except OSError as error:
                self._count("failed", f"{position}: {CONTENT_PREFIX}{relative} cannot be "
                                      f"written ({error.strerror}): nothing written")
                return
            self.record[draft.id] = {"file": relative, "sha256": _digest(data)}
        self.by_id[draft.id] = relative
        self._count(outcome, f"{CONTENT_PREFIX}{relative}  ({position})")

    def _count(self, outcome: str, detail: str | None = None) -> None:
        self.tally.counts[outcome] += 1
        if detail is not None:
            self.say(f"{outcome:<10} {detail}")

    def _finish(self, reports: list[SourceReport]) -> None:
        wanted = wanted_redirects(reports, self.section, self.groups)
        entries = missing_redirects(self.settings, wanted)
        if self.dry_run:
            if entries:
                self.say(f"redirects: {len(entries)} would be added to config.yaml")
            return
        _save_record(self.record_path, self.record)
        if not entries:
            return
        by_hand = add_redirects(self.root, entries)
        if by_hand is None:
            self.say(f"redirects: {len(entries)} added to config.yaml, so readers of the old "
                     "feeds follow them to the new ones")
        else:
            self.say("redirects: config.yaml's layout does not allow adding them safely; add "
                     "these lines to it:\n" + by_hand)

def _describe(report: SourceReport) -> str:
    pages = f" in {report.pages} pages" if report.pages > 1 else ""
    line = f"read       {report.source}: {report.kind}, {_counted(report.items, 'item')}{pages}"
    if report.paid:
        line += f" ({report.paid} for paying readers there, public here)"
    if report.left_out:
        line += "; left out: " + ", ".join(_counted(count, what) for what, count
                                           in sorted(report.left_out.items()))
    return line


def _counted(count: int, what: str) -> str:
    """``3 symlinks out of the site``: the noun before a qualifier takes the plural."""
    head, space, rest = what.partition(" without ") if " without " in what else \
        what.partition(" out of ")
    if not space:
        head, space, rest = what, "", ""
    return f"{count} {head}{'s' * (count != 1)}{space}{rest}"


def _site_index(root: Path, settings: Settings) -> tuple[dict[str, str], set[str]]:
    """Return the site's stories by id (paths under content/) and every taken file name."""
    by_id: dict[str, str] = {}
    taken: set[str] = set()
    for source in walk(root).sources:
        relative = source.removeprefix(CONTENT_PREFIX)
        taken.add(relative.casefold())
        try:
            story = read_story(root, source, settings)
        except FeedsError:
            continue
        by_id.setdefault(story.id, relative)
    return by_id, taken


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _load_record(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return files if isinstance(files, dict) else {}


def _save_record(path: Path, record: dict[str, dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_whole(path, json.dumps({"version": 1, "files": record}, ensure_ascii=False,
                                  indent=1, sort_keys=True).encode())


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` as ``path`` whole or not at all (the publisher ignores ``.tmp`` files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
