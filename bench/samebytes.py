"""Check that a build gives the same bytes as a baseline's: ``python -m bench.samebytes``.

On the generated site the benchmarks use (``bench.generate``, 10,000 stories by default,
cached in ``bench/.cache/``), ``feeds build`` of this checkout and of ``--baseline`` (a
commit, checked out with ``git archive`` as ``bench.build`` does) each build a fresh copy
with no ``.feeds/`` and no output folder; then every file of the two ``public/`` folders is
compared byte for byte. A gzip twin (``.gz``) is compared after decompression: its
compression level is not part of what a reader gets (``8e2167f`` compressed at level 9, this
version at 5), its document is. Each twin is also checked against the document beside it.

Prints each difference (a file on one side only; a file whose bytes differ, with the first
differing offset and the bytes around it) and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .build import feeds_build
from .run import cached_site
from .sites import ROOT, add_seed_and_baseline, baseline_code, work_folder

SHOWN = 20  # differences printed in full; the rest are counted
AROUND = 60  # bytes shown on each side of the first difference


@dataclass(frozen=True, slots=True)
class Difference:
    """One file that is not the same on both sides."""

    path: str
    what: str


def main(argv: list[str] | None = None) -> int:
    """Build with both versions, compare, print; exit 1 on any difference."""
    args = _parser().parse_args(argv)
    source = cached_site(args.stories, args.seed)
    with work_folder(args.work, "feeds-samebytes-") as work:
        outputs = {}
        for label, code in (("this checkout", ROOT),
                            (args.baseline, baseline_code(work, args.baseline))):
            site = work / ("site-" + ("this" if code == ROOT else "baseline"))
            _copy(source, site)
            started = time.perf_counter()
            done = feeds_build(site, work / f"{site.name}.log", code)
            if done.code != 0:
                print(f"samebytes: feeds build of {label} exited with {done.code}:\n"
                      f"{done.output[-2000:]}", file=sys.stderr)
                return 1
            print(f"{label}: built in {time.perf_counter() - started:.1f} s", flush=True)
            outputs[label] = site / "public"
        mine, theirs = outputs.values()
        differences = list(compare(mine, theirs))
        count = sum(1 for _ in _files(mine))
    _print(differences, count, args)
    return 1 if differences else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.samebytes", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=10_000,
                        help="stories in the generated site (default: 10000)")
    add_seed_and_baseline(parser)
    parser.add_argument("--work", type=Path, metavar="DIR",
                        help="the work folder, kept afterwards (default: a temporary folder)")
    return parser


def _copy(source: Path, site: Path) -> None:
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(source, site, ignore=shutil.ignore_patterns(".feeds"))


def _files(root: Path) -> Iterator[str]:
    for folder, _, names in os.walk(root):
        for name in names:
            yield (Path(folder) / name).relative_to(root).as_posix()


def compare(mine: Path, theirs: Path) -> Iterator[Difference]:
    """Yield every file that differs between two build folders, in the order of their paths."""
    left, right = set(_files(mine)), set(_files(theirs))
    for path in sorted(left | right):
        if path not in right:
            yield Difference(path, "only in this checkout's build")
        elif path not in left:
            yield Difference(path, "only in the baseline's build")
        else:
            what = _differ(mine / path, theirs / path)
            if what:
                yield Difference(path, what)
    for path in sorted(left):
        if path.endswith(".gz") and path[:-3] in left:
            what = _differ(mine / path, mine / path[:-3])
            if what:
                yield Difference(path, "this checkout's twin is not its document: " + what)


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _differ(one: Path, other: Path) -> str:
    """Say how two files' bytes (a twin's after decompression) differ, or '' if they do not."""
    a, b = _read(one), _read(other)
    if a == b:
        return ""
    pairs = enumerate(zip(a, b, strict=False))
    at = next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))
    start = max(0, at - AROUND)
    return (f"{len(a):,} bytes against {len(b):,}, first differing at byte {at:,}:\n"
            f"      this: {a[start:at + AROUND]!r}\n      base: {b[start:at + AROUND]!r}")


def _print(differences: list[Difference], count: int, args: argparse.Namespace) -> None:
    for difference in differences[:SHOWN]:
        print(f"  {difference.path}: {difference.what}")
    if len(differences) > SHOWN:
        print(f"  ... and {len(differences) - SHOWN} more")
    verdict = "the same bytes" if not differences else f"{len(differences)} differences"
    print(f"\nsamebytes: {args.stories:,} stories (seed {args.seed}), {count:,} files of this "
          f"checkout's build against {args.baseline}'s (gzip twins decompressed): {verdict}")


if __name__ == "__main__":
    sys.exit(main())
