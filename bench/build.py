"""Benchmark ``feeds build`` against Hugo: ``python -m bench.build`` (``make bench-build``).

On the generated site of 10,000 stories the other benchmarks use (``bench.generate``,
cached in ``bench/.cache/``), each of ``--rounds`` rounds (default 3) times, on a fresh
copy of the site:

1. A full build: ``feeds build`` with no ``.feeds/`` and no output folder, so it builds
   the catalogue (parsing every story) and writes every document with its gzip twin;
   then Debian's ``hugo`` building the same stories into an empty ``public/`` (minimal
   layouts, ``bench.hugo``), in the same round. The figure is feeds' wall time over
   Hugo's (paired within the round); the cores feeds kept busy (CPU time over wall time,
   its worker processes included) are shown beside the machine's.
2. A full build again with the catalogue kept (no output folder): the documents alone.
3. ``--edits`` incremental builds (default 5), each after one story file was edited (a
   sentence added to its body): the figure is each build's wall time, from the command's
   start to its exit; each must rewrite a handful of files and show the new sentence.
   Then one incremental build after a new story (which moves every listing page of its
   groups), for information.

Every build runs ``python -m feeds build`` as a command, timed with ``wait4`` (wall, CPU
and peak RSS of the largest process). The work folder is on ``/dev/shm`` (tmpfs) when it
has room, for feeds and Hugo alike, so that the figures measure the programs rather than
this machine's disk; ``--work DIR`` puts it elsewhere. Medians over rounds, spreads min-max.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
from pathlib import Path

from .hugo import HUGO_STORIES, MB, run_hugo, write_hugo_site
from .report import Figure, Samples, print_report
from .run import cached_site
from .servers import find_tool
from .sites import story_files, work_folder
from .timing import Timed, run_timed

BUILD_TIMEOUT = 900.0
INCREMENTAL_TARGET = 0.5  # seconds
TMPFS = Path("/dev/shm")
ROOM = 4 << 30  # bytes the work folder needs: the site, its build, Hugo's copy and build
WRITTEN = re.compile(r"(\d[\d,]*) written")

FULL, KEPT, EDIT, NEW, CORES, PEAK, HUGO, HUGO_PEAK = (
    "full", "kept", "edit", "new", "cores", "peak", "hugo", "hugo peak")


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print the table; exit 1 if a build failed."""
    args = _parser().parse_args(argv)
    if args.rounds < 1 or args.edits < 1:
        print("bench: give --rounds and --edits of at least 1.", file=sys.stderr)
        return 1
    hugo = find_tool("hugo")
    source = cached_site(HUGO_STORIES, args.seed)
    samples = Samples()
    roomy = TMPFS.is_dir() and shutil.disk_usage(TMPFS).free > ROOM
    with work_folder(args.work, "feeds-build-", TMPFS if roomy else None) as work:
        print(f"work folder: {work}", flush=True)
        for number in range(1, args.rounds + 1):
            print(f"round {number}/{args.rounds}", flush=True)
            measure_round(source, work, hugo, args.edits, samples)
    _print(args, samples, hugo)
    return 1 if samples.problems else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default: 3)")
    parser.add_argument("--edits", type=int, default=5,
                        help="one-file incremental builds per round (default: 5)")
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed (default: 1)")
    parser.add_argument("--work", type=Path, metavar="DIR",
                        help="the work folder (default: a temporary folder on /dev/shm)")
    return parser


def feeds_build(site: Path, log: Path) -> Timed:
    """Run ``feeds build`` on ``site`` into ``site/public``."""
    command = [sys.executable, "-m", "feeds", "build", "--root", str(site)]
    return run_timed(command, log, BUILD_TIMEOUT)


def measure_round(source: Path, work: Path, hugo: str | None, edits: int,
                  samples: Samples) -> None:
    """Measure one round on a fresh copy of the site (see the module's docstring)."""
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(source, site, ignore=shutil.ignore_patterns(".feeds"))
    os.sync()  # the copy's writeback must not compete with the build about to be timed
    full = _checked(feeds_build(site, work / "full.log"), FULL, samples)
    if full is not None:
        samples.add(FULL, full.seconds)
        samples.add(CORES, full.cores())
        samples.add(PEAK, full.peak_rss)
        print(f"  full build: {full.seconds:.2f} s, {full.cores():.2f} cores busy, "
              f"max RSS {full.peak_rss / MB:.0f} MB", flush=True)
    if hugo is not None:
        write_hugo_site(work / "hugo", site)
        took, peak, code, output = run_hugo(hugo, work / "hugo")
        if code == 0:
            samples.add(HUGO, took)
            samples.add(HUGO_PEAK, peak)
            print(f"  hugo build: {took:.2f} s, max RSS {peak / MB:.0f} MB", flush=True)
        else:
            samples.doubt(HUGO, f"hugo exited with {code}: {output.strip()[-200:]}")
        shutil.rmtree(work / "hugo", ignore_errors=True)
    shutil.rmtree(site / "public")
    shutil.rmtree(site / ".feeds" / "builds")
    kept = _checked(feeds_build(site, work / "kept.log"), KEPT, samples)
    if kept is not None:
        samples.add(KEPT, kept.seconds)
    _edits(site, work, edits, samples)


def _edits(site: Path, work: Path, edits: int, samples: Samples) -> None:
    """Time one-file incremental builds, then one after a new story."""
    files = story_files(site)
    for number in range(edits):
        story = files[(number * 7919) % len(files)]  # spread over the site
        sentence = f"An edit for the benchmark, number {number}."
        story.write_text(story.read_text(encoding="utf-8") + f"\n{sentence}\n",
                         encoding="utf-8")
        done = _checked(feeds_build(site, work / "edit.log"), EDIT, samples)
        if done is None:
            continue
        page = site / "public" / story.relative_to(site / "content").with_suffix("")
        if sentence not in (page / "index.html").read_text(encoding="utf-8"):
            samples.doubt(EDIT, f"{story.name}: the edit is not on its page")
        written = WRITTEN.search(done.output)
        if written is None or not 0 < int(written.group(1).replace(",", "")) < 100:
            samples.doubt(EDIT, f"{story.name}: not a handful of files rewritten")
        samples.add(EDIT, done.seconds)
    new = site / "content" / "world" / "a-new-story-for-the-benchmark.md"
    new.write_text("---\ntitle: A new story\ndate: 2025-12-31T12:00:00Z\ntags: [bench]\n---\n\n"
                   "Something happened.\n", encoding="utf-8")
    done = _checked(feeds_build(site, work / "new.log"), NEW, samples)
    if done is not None:
        samples.add(NEW, done.seconds)


def _checked(timed: Timed, key: str, samples: Samples) -> Timed | None:
    if timed.code != 0:
        samples.doubt(key, f"feeds build exited with {timed.code}: {timed.output[-300:]}")
        return None
    return timed


def _print(args: argparse.Namespace, samples: Samples, hugo: str | None) -> None:
    cores = os.cpu_count() or 1
    full, other = samples.of(FULL), samples.of(HUGO)
    ratios = tuple(f / h for f, h in zip(full, other, strict=False)) if other else None
    figures = [
        Figure("full build, no .feeds/ (s)", full, other or None, ratios,
               "ratio <= 1" if other else "", 1.0 if other else None, True,
               _doubts(samples, FULL, HUGO), "{:.2f}"),
        Figure(f"cores busy in the full build (of {cores})", samples.of(CORES), None, None,
               f">= {0.75 * cores:.1f}", 0.75 * cores, False, (), "{:.2f}"),
        Figure("peak RSS, largest process (MB)", tuple(v / MB for v in samples.of(PEAK)),
               tuple(v / MB for v in samples.of(HUGO_PEAK)) or None, None, "", None, True, (),
               "{:.0f}"),
        Figure("full build, catalogue kept (s)", samples.of(KEPT), None, None, "", None, True,
               _doubts(samples, KEPT), "{:.2f}"),
        Figure(f"one file edited: build (s, {args.edits} per round)", samples.of(EDIT), None,
               None, f"<= {INCREMENTAL_TARGET} s", INCREMENTAL_TARGET, True,
               _doubts(samples, EDIT), "{:.3f}"),
        Figure("one new story: build (s)", samples.of(NEW), None, None, "", None, True,
               _doubts(samples, NEW), "{:.3f}"),
    ]
    print(f"\nfeeds build bench: {HUGO_STORIES:,} stories (seed {args.seed}), "
          f"{args.rounds} rounds, {cores} CPUs; medians, spread min-max")
    print_report(figures, other="hugo")
    if hugo is None:
        print("\nhugo column: hugo is not installed (apt-get install -y hugo).")
    else:
        print("\nhugo column: Debian's hugo building the same stories with minimal layouts "
              "into an empty public/ (bench.hugo), in the same rounds.")
    judged = [f for f in figures if f.threshold is not None]
    missed = [f.name for f in judged if not f.met().startswith("yes")]
    print(f"\ntargets met: {len(judged) - len(missed)} of {len(judged)}"
          + "".join(f"\n  NOT met: {name}" for name in missed))
    if full:
        print(f"full build median {statistics.median(full):.2f} s")


def _doubts(samples: Samples, *keys: str) -> tuple[str, ...]:
    return tuple(problem for key in keys for problem in samples.problems.get(key, ()))


if __name__ == "__main__":
    sys.exit(main())
