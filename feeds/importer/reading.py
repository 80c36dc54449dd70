"""What every reader of a source is given: where to keep items, how to fetch, what the old
site's address was, and how to show progress."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import IO, Any

from tqdm import tqdm

from .fetch import Fetcher, FetchError
from .items import Item, SourceReport
from .spool import Spool

MAX_ITEMS = 1_000_000  # items of one source: past it, an export or history is not read
PROGRESS_EVERY = 5_000  # items between two progress lines when the output is not a terminal


class Counted:
    """A file as a parser reads it, which refuses one record (a post, a row) past ``limit``
    bytes as it is read: no event reaches the parser's loop while one huge text is read,
    so the check is here."""

    def __init__(self, stream: IO[bytes], name: str, limit: int, what: str):
        self.stream, self.name, self.limit, self.what = stream, name, limit, what
        self.read_bytes, self.start = 0, -1

    def mark(self) -> None:
        self.start = self.read_bytes

    def unmark(self) -> None:
        self.start = -1

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.read_bytes += len(data)
        if self.start >= 0 and self.read_bytes - self.start > self.limit:
            raise FetchError(f"{self.name}: {self.what} is larger than {self.limit >> 20} MB, "
                             "which none is, so nothing of it is imported: check the file.")
        return data


@dataclass(slots=True)
class Reading:
    """One source being read: its report so far, its spool, and the import's options."""

    source: str
    spool: Spool
    fetcher: Fetcher
    old_base_url: str | None = None  # --old-base-url: the old site's address
    out: IO[str] = field(default_factory=lambda: sys.stdout)
    report: SourceReport | None = None
    _bar: Any = None
    _shown: int = 0

    def start(self, kind: str, **fields: Any) -> SourceReport:
        """Begin the report of this source (its kind: "Ghost export 5.x", ...)."""
        self.report = SourceReport(self.source, kind, **fields)
        return self.report

    def add(self, item: Item) -> bool:
        """Keep ``item`` (once per id); say whether it was new; show progress."""
        if self.spool.count >= MAX_ITEMS:
            raise FetchError(f"{self.source}: more than {MAX_ITEMS:,} items, which is more "
                             "than one import takes: split the export, or import the newest "
                             "part from a feed.")
        added = self.spool.add(item)
        if added:
            self._progress()
        return added

    def warn(self, position: str, what: str) -> None:
        """Report something of the source that is imported but not as it was (``file:line``)."""
        print(f"warning    {position}: {what}", file=self.out, flush=True)

    def skip(self, position: str, why: str) -> None:
        """Report one thing of the source that is not imported, with where and why."""
        if self.report is not None:
            self.report.skipped += 1
        print(f"skipped    {position}: {why}", file=self.out, flush=True)

    def _progress(self) -> None:
        count = self.spool.count
        if self._bar is None and count == 200:
            self._bar = tqdm(desc=f"reading {self.source[-40:]}", unit=" items", disable=None,
                             file=sys.stderr, leave=False, initial=count)
        elif self._bar is not None:
            self._bar.update(1)
        if count - self._shown >= PROGRESS_EVERY and (self._bar is None or self._bar.disable):
            self._shown = count
            pages = self.report.pages if self.report is not None else 1
            where = f"{pages:,} pages, " if pages > 1 else ""
            print(f"reading    {self.source}: {where}{count:,} items so far", file=self.out,
                  flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
