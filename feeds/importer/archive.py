"""Read a ``.zip`` a platform hands over (WordPress.com's split export, Substack's export,
a Ghost or Blogger export zipped) without being hurt by it.

zipfile does the reading (the standard library's, well kept); the limits are ours.
A zip is a stranger's: it may declare a million members, claim small sizes and
inflate to gigabytes (a zip bomb, or members that overlap), be encrypted, or name
members ``../../etc/passwd``. Members are only ever read into memory or as a
bounded stream, never extracted by their names, so no name can lead a write
anywhere; every read is counted against a per-member and a whole-archive budget
whatever the sizes the archive declares.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO

from .fetch import FetchError

MAX_MEMBERS = 200_000
MAX_MEMBER_BYTES = 1 << 30  # one export part may be large (it is read as a stream)
MAX_TOTAL_BYTES = 8 << 30  # everything read from one archive
MAX_RATIO = 200  # inflated / compressed, for members past a megabyte (text compresses ~10x)


def is_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) in (b"PK\x03\x04", b"PK\x05\x06")  # (the second: empty)
    except OSError:
        return False


class Archive:
    """A zip file opened for bounded reading; ``names`` lists its files."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise FetchError(f"{path}: not a zip file that can be read ({exc}): download the "
                             "export again.") from None
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise FetchError(f"{path}: more than {MAX_MEMBERS:,} files in the zip, which no "
                             "export holds: check the file.")
        self.members = {}
        for info in infos:
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise FetchError(f"{path}: {info.filename[:200]} is encrypted: export it "
                                 "again without a password.")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1 << 20 and ratio > MAX_RATIO:
                raise FetchError(f"{path}: {info.filename[:200]} inflates {ratio:,.0f} times, "
                                 "as only a zip bomb does: nothing of it is imported.")
            self.members[info.filename.replace("\\", "/")] = info
        self.budget = MAX_TOTAL_BYTES

    @property
    def names(self) -> list[str]:
        return list(self.members)

    def read(self, name: str, limit: int) -> bytes:
        """Return a member's bytes, refusing more than ``limit`` of them."""
        with self.open(name, limit) as stream:
            return stream.read()

    def open(self, name: str, limit: int = MAX_MEMBER_BYTES) -> IO[bytes]:
        """Open a member as a stream that stops past ``limit`` bytes (or the archive's)."""
        try:
            inner = self.zip.open(self.members[name])
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise FetchError(f"{self.path}: {name[:200]} cannot be read ({exc}).") from None
        return _Bounded(inner, self, name, limit)  # type: ignore[return-value]

    def close(self) -> None:
        self.zip.close()


class _Bounded:
    """A member's stream, counted against its limit and the archive's budget."""

    def __init__(self, inner: IO[bytes], archive: Archive, name: str, limit: int):
        self.inner, self.archive, self.name, self.left = inner, archive, name, limit

    def read(self, size: int = -1) -> bytes:
        want = self.left + 1 if size < 0 else min(size, self.left + 1)
        try:
            data = self.inner.read(want)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise FetchError(f"{self.archive.path}: {self.name[:200]} is damaged ({exc}): "
                             "download the export again.") from None
        self.left -= len(data)
        self.archive.budget -= len(data)
        if self.left < 0 or self.archive.budget < 0:
            raise FetchError(f"{self.archive.path}: {self.name[:200]} inflates past what an "
                             "export holds (a zip bomb?): nothing of it is imported.")
        return data

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> _Bounded:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
