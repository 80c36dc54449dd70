"""The generated sites as the benchmarks use them: their story files, fresh copies."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .latency import FOLDER

COPY_IGNORE = shutil.ignore_patterns(".feeds", FOLDER)


def story_files(root: Path) -> list[Path]:
    """Return the site's story files in the order of their paths (the publisher's order)."""
    content = root / "content"
    found = [path for path in content.rglob("*.md")
             if path.relative_to(content).parts[0] != FOLDER]
    return sorted(found, key=lambda path: path.relative_to(root).as_posix())


def copy_site(source: Path, target: Path) -> None:
    """Copy a cached site for one measurement, without its ``.feeds/`` (a first start)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=COPY_IGNORE)
    (target / "content" / FOLDER).mkdir()  # made before launch: no folder event to wait for
    os.sync()  # the copy's writeback must not compete with the launch about to be timed
