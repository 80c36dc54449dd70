"""Benchmark ``feeds build`` against Hugo and against a baseline: ``python -m bench.build``.

On the generated site of 10,000 stories the other benchmarks use (``bench.generate``,
cached in ``bench/.cache/``), each of ``--rounds`` rounds (default 3) times, on fresh
copies of the site, with this checkout and with ``--baseline`` (a commit, default the
release before these figures, checked out with ``git archive``), in alternating order:

1. A full build: ``feeds build`` with no ``.feeds/`` and no output folder, so it builds
   the catalogue (parsing every story) and writes every document with its gzip twin.
   Beside it, in the same round, Debian's ``hugo`` builds the same stories into an empty
   ``public/`` twice (``bench.hugo``): with its own RSS template, whose feeds carry
   summaries, and with one whose feeds carry each whole story, as feeds' do (the equal
   work; the ratio is feeds' over this one's, paired within the round). The cores feeds
   kept busy (CPU time over wall time, its worker processes included) are shown too.
2. A full build again with the catalogue kept (no output folder): the documents alone.
3. ``--edits`` incremental builds (default 5), each after one story file was edited (a
   sentence added to its body), each the command run once: its wall time, from the
   command's start to its exit; each must rewrite a handful of files and show the new
   sentence. Then one build after a new story (which moves every listing page of its
   groups), for information.
4. This checkout only: ``feeds build --watch`` left running, and ``--edits`` edits, 1.2 s
   apart (a later second: see *Times that mean something* in the README): from the file
   written to the build's line saying it is done, with the sentence on the page.

Every build runs ``python -m feeds build`` as a command, timed with ``wait4`` (wall, CPU
and peak RSS of the largest process). The work folder is on ``/dev/shm`` (tmpfs) when it
has room, for feeds and Hugo alike, so that the figures measure the programs rather than
this machine's disk; ``--work DIR`` puts it elsewhere. Medians over rounds, spreads min-max.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from .hugo import HUGO_STORIES, MB, run_hugo, write_hugo_site
from .report import Figure, Samples, print_report
from .run import cached_site
from .servers import find_tool, stop
from .sites import ROOT, add_seed_and_baseline, baseline_code, story_files, work_folder
from .timing import Timed, run_timed

BUILD_TIMEOUT = 900.0
INCREMENTAL_TARGET = 0.3  # seconds, for one edited story with a build that keeps running
TMPFS = Path("/dev/shm")
ROOM = 6 << 30  # bytes the work folder needs: two copies of the site and their builds, Hugo's
WRITTEN = re.compile(r"(\d[\d,]*) written")
WATCH_TIMEOUT = 60.0
EDIT_GAP = 1.2  # seconds between edits under --watch

FULL, KEPT, EDIT, NEW, WATCH, CORES, PEAK = "full", "kept", "edit", "new", "watch", "cores", "peak"
HUGO, HUGO_FULL, HUGO_PEAK = "hugo", "hugo full", "hugo peak"
BEFORE = "before "  # the baseline's figures: "before full"...


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print the tables; exit 1 if a build failed."""
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
        codes = {"": ROOT, BEFORE: baseline_code(work, args.baseline)}
        for number in range(1, args.rounds + 1):
            print(f"round {number}/{args.rounds}", flush=True)
            order = list(codes.items()) if number % 2 else list(codes.items())[::-1]
            for label, code in order:
                measure_round(source, work / f"site{label.strip()}", code, label, args.edits,
                              samples)
            if hugo is not None:
                measure_hugo(source, work, hugo, samples)
            _watch(source, work / "watched", args.edits, samples)
    _print(args, samples, hugo)
    return 1 if samples.problems else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default: 3)")
    parser.add_argument("--edits", type=int, default=5,
                        help="one-file incremental builds per round (default: 5)")
    add_seed_and_baseline(parser)
    parser.add_argument("--work", type=Path, metavar="DIR",
                        help="the work folder (default: a temporary folder on /dev/shm)")
    return parser


def feeds_build(site: Path, log: Path, code: Path = ROOT) -> Timed:
    """Run ``feeds build`` of ``code`` on ``site`` into ``site/public``."""
    command = [sys.executable, "-m", "feeds", "build", "--root", str(site)]
    return run_timed(command, log, BUILD_TIMEOUT, code)


def _fresh(source: Path, site: Path) -> None:
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(source, site, ignore=shutil.ignore_patterns(".feeds"))
    os.sync()  # the copy's writeback must not compete with the build about to be timed


def measure_round(source: Path, site: Path, code: Path, label: str, edits: int,
                  samples: Samples) -> None:
    """Measure one version's builds on a fresh copy of the site (steps 1-3 of the module's
    docstring); ``label`` prefixes its figures' keys."""
    _fresh(source, site)
    full = _checked(feeds_build(site, site.parent / "full.log", code), label + FULL, samples)
    if full is not None:
        samples.add(label + FULL, full.seconds)
        samples.add(label + CORES, full.cores())
        samples.add(label + PEAK, full.peak_rss)
        print(f"  {label or 'this '}full build: {full.seconds:.2f} s, {full.cores():.2f} cores "
              f"busy, max RSS {full.peak_rss / MB:.0f} MB", flush=True)
    shutil.rmtree(site / "public")
    shutil.rmtree(site / ".feeds" / "builds")
    kept = _checked(feeds_build(site, site.parent / "kept.log", code), label + KEPT, samples)
    if kept is not None:
        samples.add(label + KEPT, kept.seconds)
    _edits(site, code, label, edits, samples)
    shutil.rmtree(site, ignore_errors=True)


def measure_hugo(source: Path, work: Path, hugo: str, samples: Samples) -> None:
    """Build the stories with Hugo, its own feeds and full-content ones (``bench.hugo``)."""
    for key, full_content in ((HUGO, False), (HUGO_FULL, True)):
        write_hugo_site(work / "hugo", source, full_content)
        took, peak, code, output = run_hugo(hugo, work / "hugo")
        if code == 0:
            samples.add(key, took)
            samples.add(HUGO_PEAK, peak)
            print(f"  {key} build: {took:.2f} s, max RSS {peak / MB:.0f} MB", flush=True)
        else:
            samples.doubt(key, f"hugo exited with {code}: {output.strip()[-200:]}")
        shutil.rmtree(work / "hugo", ignore_errors=True)


def _edit(story: Path, sentence: str) -> None:
    story.write_text(story.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")


def _on_page(site: Path, story: Path, sentence: str) -> bool:
    page = site / "public" / story.relative_to(site / "content").with_suffix("") / "index.html"
    return sentence in page.read_text(encoding="utf-8")


def _edits(site: Path, code: Path, label: str, edits: int, samples: Samples) -> None:
    """Time one-file incremental builds, then one after a new story."""
    files = story_files(site)
    for number in range(edits):
        story = files[(number * 7919) % len(files)]  # spread over the site
        sentence = f"An edit for the benchmark, number {number}."
        _edit(story, sentence)
        done = _checked(feeds_build(site, site.parent / "edit.log", code), label + EDIT, samples)
        if done is None:
            continue
        if not _on_page(site, story, sentence):
            samples.doubt(label + EDIT, f"{story.name}: the edit is not on its page")
        written = WRITTEN.search(done.output)
        if written is None or not 0 < int(written.group(1).replace(",", "")) < 100:
            samples.doubt(label + EDIT, f"{story.name}: not a handful of files rewritten")
        samples.add(label + EDIT, done.seconds)
    new = site / "content" / "world" / "a-new-story-for-the-benchmark.md"
    new.write_text("---\ntitle: A new story\ndate: 2025-12-31T12:00:00Z\ntags: [bench]\n---\n\n"
                   "Something happened.\n", encoding="utf-8")
    done = _checked(feeds_build(site, site.parent / "new.log", code), label + NEW, samples)
    if done is not None:
        samples.add(label + NEW, done.seconds)


def _watch(source: Path, site: Path, edits: int, samples: Samples) -> None:
    """Time edits under ``feeds build --watch`` (this checkout): file written to build done."""
    _fresh(source, site)
    command = [sys.executable, "-m", "feeds", "build", "--watch", "--root", str(site)]
    with open(site.parent / "watch.log", "wb") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=log, start_new_session=True, cwd=ROOT,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout is not None
    lines = _Lines(process.stdout)
    try:
        if lines.next(BUILD_TIMEOUT) is None:
            samples.doubt(WATCH, "feeds build --watch did not finish its first build")
            return
        files = story_files(site)
        for number in range(edits):
            time.sleep(EDIT_GAP)
            story = files[(number * 7919 + 13) % len(files)]
            sentence = f"A watched edit, number {number}."
            started = time.perf_counter()
            _edit(story, sentence)
            line = lines.next(WATCH_TIMEOUT)
            took = time.perf_counter() - started
            if line is None or not _on_page(site, story, sentence):
                samples.doubt(WATCH, f"{story.name}: not built within {WATCH_TIMEOUT:.0f} s")
                continue
            samples.add(WATCH, took)
            print(f"  watched edit: {took:.3f} s ({line.strip()})", flush=True)
    finally:
        stop(process)
        shutil.rmtree(site, ignore_errors=True)


class _Lines:
    """The lines a process prints, read in a thread so that waiting for one is bounded."""

    def __init__(self, stream: IO[bytes]):
        self._lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            self._lines.put(raw.decode(errors="replace"))

    def next(self, timeout: float) -> str | None:
        """Return the next line saying a build is done, or None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                return None
            if line.startswith("feeds build: ") and " files in " in line:
                return line
        return None


def _checked(timed: Timed, key: str, samples: Samples) -> Timed | None:
    if timed.code != 0:
        samples.doubt(key, f"feeds build exited with {timed.code}: {timed.output[-300:]}")
        return None
    return timed


def _print(args: argparse.Namespace, samples: Samples, hugo: str | None) -> None:
    cores = os.cpu_count() or 1
    full, equal = samples.of(FULL), samples.of(HUGO_FULL)
    figures = [
        Figure("full build, no .feeds/ (s)", full, equal or None, _ratios(full, equal),
               "ratio <= 1" if equal else "", 1.0 if equal else None, True,
               _doubts(samples, FULL, HUGO_FULL), "{:.2f}"),
        Figure("  hugo with its own feeds (summaries) (s)", (), samples.of(HUGO) or None,
               None, "", None, True, _doubts(samples, HUGO), "{:.2f}"),
        Figure(f"cores busy in the full build (of {cores})", samples.of(CORES), None, None,
               f">= {0.75 * cores:.1f}", 0.75 * cores, False, (), "{:.2f}"),
        Figure("peak RSS, largest process (MB)", tuple(v / MB for v in samples.of(PEAK)),
               tuple(v / MB for v in samples.of(HUGO_PEAK)) or None, None, "", None, True, (),
               "{:.0f}"),
        Figure("full build, catalogue kept (s)", samples.of(KEPT), None, None, "", None, True,
               _doubts(samples, KEPT), "{:.2f}"),
        Figure(f"one file edited: build --watch (s, {args.edits} per round)",
               samples.of(WATCH), None, None, f"<= {INCREMENTAL_TARGET} s", INCREMENTAL_TARGET,
               True, _doubts(samples, WATCH), "{:.3f}"),
        Figure(f"one file edited: feeds build (s, {args.edits} per round)", samples.of(EDIT),
               None, None, "", None, True, _doubts(samples, EDIT), "{:.3f}"),
        Figure("one new story: feeds build (s)", samples.of(NEW), None, None, "", None, True,
               _doubts(samples, NEW), "{:.3f}"),
    ]
    print(f"\nfeeds build bench: {HUGO_STORIES:,} stories (seed {args.seed}), "
          f"{args.rounds} rounds, {cores} CPUs; medians, spread min-max")
    print_report(figures, other="hugo (full content)")
    if hugo is None:
        print("\nhugo column: hugo is not installed (apt-get install -y hugo).")
    else:
        print("\nhugo column: Debian's hugo building the same stories with minimal layouts, its "
              "feeds carrying each whole story as feeds' do (and, the row below, its own feeds, "
              "of summaries), into an empty public/ (bench.hugo), in the same rounds.")
    before = [
        Figure(f"{name} (s)", samples.of(key), samples.of(BEFORE + key) or None,
               _ratios(samples.of(key), samples.of(BEFORE + key)), "", None, True,
               _doubts(samples, key, BEFORE + key), "{:.3f}")
        for name, key in (("full build, no .feeds/", FULL), ("full build, catalogue kept", KEPT),
                          ("one file edited: feeds build", EDIT),
                          ("one new story: feeds build", NEW))
    ] + [Figure(f"cores busy in the full build (of {cores})", samples.of(CORES),
                samples.of(BEFORE + CORES) or None, None, "", None, False, (), "{:.2f}")]
    print(f"\nthis checkout beside {args.baseline} (the same rounds, alternating; ratio: "
          "this over before)")
    print_report(before, other=f"before ({args.baseline})")
    judged = [f for f in figures if f.threshold is not None]
    missed = [f.name for f in judged if not f.met().startswith("yes")]
    print(f"\ntargets met: {len(judged) - len(missed)} of {len(judged)}"
          + "".join(f"\n  NOT met: {name}" for name in missed))
    if full:
        print(f"full build median {statistics.median(full):.2f} s")


def _ratios(mine: tuple[float, ...], other: tuple[float, ...]) -> tuple[float, ...] | None:
    """Return the ratios of paired samples (the same rounds), or None without the other's."""
    return tuple(m / o for m, o in zip(mine, other, strict=False)) if other else None


def _doubts(samples: Samples, *keys: str) -> tuple[str, ...]:
    return tuple(problem for key in keys for problem in samples.problems.get(key, ()))


if __name__ == "__main__":
    sys.exit(main())
