"""The files a build copies rather than renders, and the ones it deletes.

A build copies the media files live stories use and the pages' own assets when
they changed (their size or time), each renamed into place whole, and deletes
what the site no longer has, with its gzip twin and the folders it leaves empty.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..site.media import local_file
from .manifest import Record
from .plan import STATIC, Plan
from .render import STAGING


def copy_changed(root: Path, out: Path, plan: Plan,
                 old: dict[str, Record]) -> tuple[list[Record], int]:
    """Copy the media files live stories use and the pages' assets, when they changed;
    return the records of every such file now in ``out``, and how many were copied."""
    sources = [(f"static/{name}", STATIC / name, "static") for name in plan.static]
    for file in plan.media:
        local = local_file(root, file)
        if local is not None:
            sources.append((file, local, "media"))
    records: list[Record] = []
    copied = 0
    for name, source, kind in sources:
        info = source.stat()
        stamp = f"{info.st_size}:{info.st_mtime_ns}"
        record = old.get(name)
        target = out / name
        if (record is None or record.digest != stamp
                or not _same(target, info.st_size, record.mtime_ns)):
            target.parent.mkdir(parents=True, exist_ok=True)
            staged = out / STAGING / f"copy-{len(records)}"
            shutil.copy2(source, staged)  # then renamed: whole for whoever reads the folder
            os.replace(staged, target)
            copied += 1
            record = Record(name, str(source), kind, stamp, info.st_size,
                            target.stat().st_mtime_ns)
        records.append(record)
    return records, copied


def _same(target: Path, size: int, mtime_ns: int) -> bool:
    try:
        info = target.stat()
    except OSError:
        return False
    return info.st_size == size and info.st_mtime_ns == mtime_ns


def delete(out: Path, record: Record) -> None:
    """Remove a file the site no longer has (and its gzip twin), and folders left empty."""
    target = out / record.name
    for path in (target, target.with_name(target.name + ".gz")):
        path.unlink(missing_ok=True)
    folder = target.parent
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()
        except OSError:
            break
        folder = folder.parent
