"""The generated sites as the benchmarks use them: their story files, fresh copies."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .latency import FOLDER
from .servers import SERVED

ROOT = Path(__file__).resolve().parent.parent  # this checkout

COPY_IGNORE = shutil.ignore_patterns(".feeds", FOLDER)
BASELINE = "8e2167f"  # main before issue 19's second part: what its figures are measured beside


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


def site_sizes(text: str) -> list[int]:
    """Parse a ``--sizes`` argument such as ``10000,100000`` into ascending sizes."""
    try:
        return sorted({int(part) for part in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list like 10000,100000") from None


@contextlib.contextmanager
def work_folder(chosen: Path | None, prefix: str, under: Path | None = None) -> Iterator[Path]:
    """Yield the folder a benchmark works in: ``chosen`` (kept afterwards), or a temporary
    one (under ``under``, default the system's), removed at the end."""
    if chosen is not None:
        chosen.mkdir(parents=True, exist_ok=True)
        yield chosen.resolve()
        return
    with tempfile.TemporaryDirectory(prefix=prefix, dir=under,
                                     ignore_cleanup_errors=True) as name:
        yield Path(name)


def baseline_code(folder: Path, revision: str) -> Path:
    """Check out ``feeds/`` of ``revision`` into a folder of its own (put it first on
    ``PYTHONPATH`` to run that version)."""
    target = folder / f"baseline-{revision}"
    target.mkdir(parents=True)
    archive = folder / "baseline.tar"
    with open(archive, "wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", revision, "feeds"], stdout=out,
                       check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target


def add_seed_and_baseline(parser: argparse.ArgumentParser) -> None:
    """Add ``--seed`` (the generated site's) and ``--baseline COMMIT`` (measured beside this
    checkout, default ``BASELINE``)."""
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed (default: 1)")
    parser.add_argument("--baseline", default=BASELINE,
                        help=f"the commit measured beside this checkout (default: {BASELINE})")


def add_baseline_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--baseline COMMIT``: serve with that commit's ``feeds`` instead of this checkout's
    (run the benchmark once each way, alternately, and compare the medians)."""
    parser.add_argument("--baseline", metavar="COMMIT",
                        help="serve with this commit's feeds/ (checked out with git archive) "
                             "instead of this checkout's, on the same generated site")


@contextlib.contextmanager
def served_by(revision: str | None, work: Path) -> Iterator[None]:
    """Make the servers started within serve ``revision``'s code (checked out under
    ``work``), or this checkout's when it is None."""
    if revision is None:
        yield
        return
    SERVED.folder = baseline_code(work, revision)
    print(f"serving with {revision}'s feeds ({SERVED.folder})", flush=True)
    try:
        yield
    finally:
        SERVED.folder = None
