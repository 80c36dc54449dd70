"""Benchmark feeds on large sites: ``python -m bench.scale`` (``make bench-scale``).

For each site size (``--sizes``, default 10,000 and 100,000 generated stories) the
benchmark runs ``--rounds`` rounds (default 3); each figure is the median over the rounds,
printed with its spread (min-max) beside its target and whether the target is met. Every
round works on fresh copies, without ``.feeds/``, of two cached sites in ``bench/.cache/``:
the generated site (``bench.generate``: every story has an ``id:``), and its twin whose
story files have no ``id:`` line. The cache stays pristine. Every server is
``feeds serve --workers 2`` on 127.0.0.1, in its own process group, and is stopped by
signalling that group.

One round of one size:

1. First start: launched with no ``.feeds/``; ``/rss.xml`` is polled every 10 ms on new
   connections until it answers 200: the figure is launch to that 200. The server then
   runs until ``/healthz`` says its publisher is running (the first build is whole), which
   is timed too, and the publisher's peak RSS (``VmHWM``) is noted; then it is stopped.
2. First start from the history: the same copy without ``.feeds/`` but with the
   ``history/`` the first start wrote (a new server from the site's folder): launch to the
   first 200, and until the publisher runs, as in 1.
3. Restart: the same copy, launched again with the ``.feeds/`` that server left: launch to
   the first 200.
4. Worker memory: on the restarted server, once its publisher is running, the site's and
   every section's feeds (RSS, Atom, JSON Feed) and 1,000 story pages (spread evenly over
   the sorted story files) are fetched. Each fetch opens a new connection and asks
   ``/healthz`` on it first, which names the worker serving that connection, then asks
   for the page; a page is fetched again, on new connections (bounded), until every
   worker has served it. Then each worker's PSS is read (the ``Pss:`` line of
   ``/proc/<pid>/smaps_rollup``); the figure is the larger. The workers are the pids that
   ``/healthz`` names, checked to descend from the server and not to be its publisher.
5. Publication: still on that server, 50 new story files (unique title and id, dated now)
   are written one at a time; each counts as served when every worker's ``/healthz``
   reports one more story (``bench.latency``). The figures are each round's p50 and p99
   (nearest rank; a publication not served within 10 s counts as 10 s).
6. An archive without ids: the twin without ``id:`` lines, launched with no ``.feeds/``.
   From launch, a thread reads the first 200 bytes of every story file not yet seen with
   an ``id:`` line, in passes 0.1 s apart (bounded in time), until every file has one:
   the figure is launch to then. While the ids are being written (a hundredth of the files
   have theirs, not all), one new story (with its id) is written and timed until every
   worker counts it: publishing must not wait for the archive's ids.

When ``hugo`` is installed, Hugo builds the same 10,000 stories ``--rounds`` times, each
into an empty ``public/``, with minimal layouts that render each page's title and content;
its wall time and its peak RSS (``ru_maxrss`` of the hugo process, from ``wait4``) are
printed in the "hugo" column, beside feeds' first start and its publisher's peak RSS.
Hugo's page count is checked, and every story's page must be in ``public/``.

Figures with no target are shown for information. The exit status is 0 when every
measurement ran, whether or not its target was met; 1 if a measurement failed (a server
that did not start, say: its log is shown).
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import report
from .generate import SECTIONS, SIZES
from .hugo import HUGO_STORIES, HugoResult, hugo_figures, measure_hugo
from .latency import (
    FOLDER,
    PUBLISH_TIMEOUT,
    WORKERS,
    Sample,
    agreed_count,
    find_workers,
    publish_one,
    publish_series,
    wait_for_publisher,
)
from .publish import percentile
from .report import Figure, print_report
from .run import CACHE, cached_site
from .servers import (
    HOST,
    REQUEST_TIMEOUT,
    START_TIMEOUT,
    Launched,
    command_line,
    descendants,
    find_tool,
    launch_feeds,
    peak_rss_bytes,
    pss_bytes,
    show_tail,
    wait_for_200,
)
from .sites import (
    add_baseline_option,
    copy_site,
    served_by,
    site_sizes,
    story_files,
    work_folder,
)

MB = 1e6
FEED_FILES = ("rss.xml", "atom.xml", "feed.json")
STORY_PAGES = 1000  # story pages fetched before the workers' memory is read
ATTEMPTS_PER_PAGE = 40  # new connections per page at most, until every worker served it
FETCH_TIMEOUT = 900.0  # seconds all the pages of one round may take
PUBLICATIONS = 50
SCAN_HEAD = 200  # bytes read from the start of a story file to look for its id line
SCAN_PAUSE = 0.1  # seconds between passes over the files still without an id
MISS_RUN = 300  # a pass stops after this many files in a row without an id (ids come in order)

# What one round measures, by figure.
FIRST, BUILT, PEAK, RESTART, PSS = "first", "built", "peak", "restart", "pss"
P50, P99, BARE_FIRST, IDS, DURING = "p50", "p99", "bare first", "ids", "during"
HISTORY_FIRST, HISTORY_BUILT = "history first", "history built"


@dataclass(frozen=True, slots=True)
class Targets:
    """The targets of one site size, in seconds and MB."""

    first_start: float
    restart: float
    worker_mb: float
    ids: float


TARGETS = ((10_000, Targets(2.0, 0.5, 100.0, 10.0)), (100_000, Targets(8.0, 1.5, 200.0, 60.0)))
P50_TARGET, P99_TARGET, DURING_TARGET = 0.25, 1.0, 1.0  # seconds, at every size


def targets_for(size: int) -> Targets:
    """Return the targets of the smallest listed size at or above ``size`` (else the largest)."""
    for limit, targets in TARGETS:
        if size <= limit:
            return targets
    return TARGETS[-1][1]


@dataclass(slots=True)
class Samples(report.Samples):
    """What the rounds of one size measured, by figure, and what makes a figure doubtful."""

    size: int = 0
    failed: bool = False  # a measurement raised: the exit status says so


@dataclass(frozen=True, slots=True)
class Fetched:
    """The fetches before the memory reading: how many, and what went wrong."""

    requests: int
    problems: tuple[str, ...]


def main(argv: list[str] | None = None) -> int:
    """Measure every size, then Hugo, and print the table; see the module's docstring."""
    args = _parser().parse_args(argv)
    if args.rounds < 1 or not args.sizes or min(args.sizes) < STORY_PAGES:
        print(f"bench: give --rounds of at least 1 and --sizes of at least {STORY_PAGES}.",
              file=sys.stderr)
        return 1
    hugo = None if args.no_hugo else find_tool("hugo")
    with work_folder(args.keep, "feeds-scale-") as work:
        with served_by(args.baseline, work):
            results = [measure_size(size, args.seed, args.rounds, work) for size in args.sizes]
        hugo_result = None
        if hugo is not None:
            print(f"hugo: building {HUGO_STORIES:,} stories, {_count(args.rounds, 'time')} ...",
                  flush=True)
            hugo_result = measure_hugo(hugo, cached_site(HUGO_STORIES, args.seed), work,
                                       args.rounds)
    print_scale_report(args, results, hugo_result, hugo)
    return 1 if any(result.failed for result in results) else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=site_sizes, default=[10_000, 100_000],
                        help="comma-separated site sizes in stories (default: 10000,100000)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds per size; figures are medians over them (default: 3)")
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed (default: 1)")
    parser.add_argument("--no-hugo", action="store_true", help="do not build with Hugo")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the work files (server logs, the Hugo site) in DIR "
                             "instead of a temporary folder")
    add_baseline_option(parser)
    return parser


# The sites ------------------------------------------------------------------------------------


def cached_site_without_ids(stories: int, seed: int) -> Path:
    """Return the generated site with the ``id:`` line taken out of every story file, made
    only the first time (beside its final name, then renamed into place, like
    ``bench.run.cached_site``)."""
    final = CACHE / f"site-{stories}-{seed}-{SIZES}-without-ids"
    if (final / "config.yaml").is_file():
        return final
    source = cached_site(stories, seed)
    partial = Path(tempfile.mkdtemp(prefix=f"{final.name}.partial-", dir=CACHE))
    try:
        print(f"writing {stories} stories without ids into {final} ...", flush=True)
        strip_ids(source, partial)
        os.rename(partial, final)
    except OSError:
        if not (final / "config.yaml").is_file():
            raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return final


def strip_ids(source: Path, target: Path) -> None:
    """Copy the site at ``source`` into ``target`` without the ``id:`` line of any story."""
    shutil.copy2(source / "config.yaml", target / "config.yaml")
    for path in story_files(source):
        relative = path.relative_to(source)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        stripped = without_id(path.read_bytes())
        if has_id_line(stripped[:SCAN_HEAD]):
            raise RuntimeError(f"{relative}: its id line could not be taken out")
        (target / relative).write_bytes(stripped)


def without_id(text: bytes) -> bytes:
    """Return a story file without the ``id:`` lines of its front matter."""
    front, fence, body = text.partition(b"\n---\n")  # the opening fence has no newline before
    lines = [line for line in front.split(b"\n") if not line.startswith(b"id:")]
    return b"\n".join(lines) + fence + body


def has_id_line(head: bytes) -> bool:
    return b"\nid:" in head


def page_paths(root: Path) -> list[str]:
    """Return the URL paths fetched before the memory reading: the site's and each section's
    feeds, then ``STORY_PAGES`` story pages spread evenly over the sorted story files."""
    feeds = [f"/{name}" for name in FEED_FILES]
    feeds += [f"/{section}/{name}" for section in SECTIONS for name in FEED_FILES]
    files = story_files(root)
    chosen = [files[i * len(files) // STORY_PAGES] for i in range(min(STORY_PAGES, len(files)))]
    content = root / "content"
    stories = ["/" + urllib.parse.quote(path.relative_to(content).with_suffix("").as_posix()) + "/"
               for path in chosen]
    return feeds + stories


# One size -------------------------------------------------------------------------------------


def measure_size(size: int, seed: int, rounds: int, work: Path) -> Samples:
    """Run every round of one size; a measurement that fails is noted and the rest go on."""
    with_ids, bare = cached_site(size, seed), cached_site_without_ids(size, seed)
    samples = Samples(size=size)
    targets = targets_for(size)
    for number in range(1, rounds + 1):
        print(f"{size:,} stories, round {number}/{rounds}:", flush=True)
        label = f"round {number}"
        root, log = work / f"site-{size}-{number}", work / f"feeds-{size}-{number}.log"
        _guarded(samples, (FIRST, BUILT, PEAK, HISTORY_FIRST, HISTORY_BUILT, RESTART, PSS, P50,
                           P99), label, log,
                 functools.partial(served_site, with_ids, root, log, samples, targets))
        root, log = work / f"bare-{size}-{number}", work / f"bare-{size}-{number}.log"
        _guarded(samples, (BARE_FIRST, IDS, DURING), label, log,
                 functools.partial(archive_without_ids, bare, root, log, samples, targets))
    return samples


def _guarded(samples: Samples, keys: Sequence[str], label: str, log: Path,
             step: Callable[[], None]) -> None:
    """Run one measurement; if it fails, mark its figures doubtful and show the server log."""
    try:
        step()
    except (RuntimeError, TimeoutError, OSError, ValueError) as exc:
        samples.failed = True
        for key in keys:
            samples.doubt(key, f"{label} failed: {exc}")
        print(f"  ! {label} failed: {exc}", file=sys.stderr, flush=True)
        show_tail(log)


def served_site(source: Path, root: Path, log: Path, samples: Samples, targets: Targets) -> None:
    """Figures 1-4 on a fresh copy of the site with ids: first start, restart, memory and
    publication; the copy is removed after."""
    copy_site(source, root)
    try:
        first_start(root, log, samples, targets)
        from_history(root, log, samples, targets)
        restart(root, log, samples, targets)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def first_start(root: Path, log: Path, samples: Samples, targets: Targets) -> None:
    """Time launch to the first 200 without ``.feeds/``, then run until the publisher is
    running (so the restart after is an honest one) and note the publisher's peak RSS."""
    with launch_feeds(root, log, WORKERS) as server:
        seconds = wait_for_200(server.process, server.port, server.started,
                               _start_bound(targets.first_start))
        samples.add(FIRST, seconds)
        late = wait_for_publisher(server.port, _publisher_bound(targets))
        built = time.perf_counter() - server.started
        if late:
            samples.doubt(RESTART, f"before a restart: {late}")
            samples.doubt(BUILT, late)
        else:
            samples.add(BUILT, built)
        publisher = publisher_pid(server.process.pid)
        peak = peak_rss_bytes(publisher) if publisher is not None else None
        if peak is None:
            samples.doubt(PEAK, "found no publisher process to measure")
        else:
            samples.add(PEAK, peak)
    print(f"  first start: {seconds:.2f} s to the first 200, publisher running after "
          f"{built:.1f} s, its peak RSS {(peak or 0) / MB:.0f} MB", flush=True)


def from_history(root: Path, log: Path, samples: Samples, targets: Targets) -> None:
    """Time a first start from the history the first start wrote, without ``.feeds/``."""
    if not (root / "history").is_dir():
        raise RuntimeError("the first start wrote no history/")
    shutil.rmtree(root / ".feeds")
    with launch_feeds(root, log, WORKERS) as server:
        seconds = wait_for_200(server.process, server.port, server.started,
                               _start_bound(targets.first_start))
        samples.add(HISTORY_FIRST, seconds)
        late = wait_for_publisher(server.port, _publisher_bound(targets))
        built = time.perf_counter() - server.started
        if late:
            samples.doubt(HISTORY_BUILT, late)
        else:
            samples.add(HISTORY_BUILT, built)
    print(f"  first start from history/: {seconds:.2f} s to the first 200, publisher running "
          f"after {built:.1f} s", flush=True)


def restart(root: Path, log: Path, samples: Samples, targets: Targets) -> None:
    """Time launch to the first 200 with ``.feeds/`` kept, then measure the workers' memory
    after serving many pages, then the publications."""
    with launch_feeds(root, log, WORKERS) as server:
        seconds = wait_for_200(server.process, server.port, server.started,
                               _start_bound(targets.restart))
        samples.add(RESTART, seconds)
        print(f"  restart: {seconds:.2f} s to the first 200", flush=True)
        late = wait_for_publisher(server.port, _publisher_bound(targets))
        if late:
            for key in (PSS, P50, P99):
                samples.doubt(key, f"after a restart: {late}")
        workers = serving_workers(server, samples)
        worker_memory(server.port, workers, page_paths(root), samples)
        publications(server.port, workers, root / "content" / FOLDER, samples)


def serving_workers(server: Launched, samples: Samples) -> tuple[int, ...]:
    """Return the pids ``/healthz`` names, doubting the memory figure if one is not a worker
    of this server (not its descendant, or its publisher)."""
    workers = find_workers(server.port)
    family = set(descendants(server.process.pid))
    for pid in workers:
        if pid not in family:
            samples.doubt(PSS, f"/healthz named {pid}, which is not a process of this server")
        elif "publish" in command_line(pid):
            samples.doubt(PSS, f"/healthz named {pid}, which is the publisher")
    return workers


def publisher_pid(server_pid: int) -> int | None:
    """Return the pid of the server's ``feeds publish`` child, if it is running."""
    for pid in descendants(server_pid):
        if "publish" in command_line(pid):
            return pid
    return None


def worker_memory(port: int, workers: tuple[int, ...], paths: list[str],
                  samples: Samples) -> None:
    """Fetch every page from every worker, then read each worker's PSS; keep the largest."""
    started = time.monotonic()
    fetched = fetch_from_every_worker(port, workers, paths)
    for problem in fetched.problems:
        samples.doubt(PSS, problem)
    sizes = {pid: pss_bytes(pid) for pid in workers}
    found = [size for size in sizes.values() if size is not None]
    if len(found) < len(workers):
        samples.doubt(PSS, "a worker was gone before its memory was read")
    if found:
        samples.add(PSS, max(found))
    shown = ", ".join(f"{pid}: {(size or 0) / MB:.1f} MB" for pid, size in sizes.items())
    print(f"  worker PSS after {len(paths):,} pages ({fetched.requests:,} requests, "
          f"{time.monotonic() - started:.0f} s): {shown}", flush=True)


def fetch_from_every_worker(port: int, workers: tuple[int, ...], paths: list[str]) -> Fetched:
    """Fetch each path on new connections until every worker has served it (bounded)."""
    deadline = time.monotonic() + FETCH_TIMEOUT
    requests, unserved, statuses, errors = 0, [], {}, []
    for path in paths:
        served: set[int] = set()
        for _ in range(ATTEMPTS_PER_PAGE):
            if time.monotonic() > deadline:
                return Fetched(requests, (f"stopped fetching after {FETCH_TIMEOUT:.0f} s, at "
                                          f"{path}",))
            try:
                worker, status = fetch_on_a_worker(port, path)
            except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                errors.append(f"{path}: {type(exc).__name__}: {exc}")
                continue
            requests += 1
            if status != 200:
                statuses[path] = status
            served.add(worker)
            if served.issuperset(workers):
                break
        else:
            unserved.append(path)
    problems = [f"{len(unserved)} pages not served by every worker in {ATTEMPTS_PER_PAGE} "
                f"connections, e.g. {unserved[0]}"] if unserved else []
    problems += [f"{len(statuses)} pages answered other than 200, e.g. "
                 f"{next(iter(statuses.items()))}"] if statuses else []
    problems += [f"{len(errors)} failed fetches, e.g. {errors[0]}"] if errors else []
    return Fetched(requests, tuple(problems))


def fetch_on_a_worker(port: int, path: str) -> tuple[int, int]:
    """On one new connection, ask ``/healthz`` (which names the worker serving it), then
    ``path`` as a feed reader would (gzip); return the worker's pid and the page's status."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        worker = int(json.loads(response.read())["worker"])
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        page = connection.getresponse()
        page.read()
        return worker, page.status
    finally:
        connection.close()


def publications(port: int, workers: tuple[int, ...], folder: Path, samples: Samples) -> None:
    """Publish ``PUBLICATIONS`` stories one at a time; note this round's p50 and p99."""
    served, failures = publish_series(port, workers, folder, PUBLICATIONS)
    latencies = tuple(sample.seconds for sample in served) + (PUBLISH_TIMEOUT,) * len(failures)
    for failure in failures:
        for key in (P50, P99):
            samples.doubt(key, f"{failure} (counted as {PUBLISH_TIMEOUT:.0f} s)")
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    samples.add(P50, p50)
    samples.add(P99, p99)
    print(f"  {len(latencies)} publications: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
          f"{len(failures)} not served within {PUBLISH_TIMEOUT:.0f} s", flush=True)


# The archive without ids ----------------------------------------------------------------------


class IdScan:
    """A thread that reads the head of every story file until each has an ``id:`` line.

    The publisher writes ids in the order of the files' paths, so a pass over the files
    still without one stops after ``MISS_RUN`` misses in a row: it has reached where the
    publisher is. A pass that finds none left notes when, in seconds after ``started``.
    """

    def __init__(self, files: list[Path], started: float, bound: float):
        self.files = files
        self.started = started
        self.bound = bound
        self.seconds: float | None = None  # launch to every file having an id
        self.left = len(files)
        self.passes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="id-scan", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait(self) -> None:
        """Wait until the scan ends: every file has an id, or its time is up."""
        self._thread.join(max(0.0, self.started + self.bound - time.perf_counter()) + 5.0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def _run(self) -> None:
        pending = self.files
        while pending and not self._stop.is_set() and self.elapsed() < self.bound:
            pending = _still_without_id(pending)
            self.passes += 1
            self.left = len(pending)
            if not pending:
                self.seconds = self.elapsed()
                return
            self._stop.wait(SCAN_PAUSE)


def _still_without_id(files: list[Path]) -> list[Path]:
    """Return the files (in order) whose first ``SCAN_HEAD`` bytes hold no id line, looking
    no further than ``MISS_RUN`` misses in a row."""
    left: list[Path] = []
    misses = 0
    for index, path in enumerate(files):
        if misses >= MISS_RUN:
            left.extend(files[index:])
            break
        try:
            with open(path, "rb") as file:
                found = has_id_line(file.read(SCAN_HEAD))
        except OSError:
            found = False
        if found:
            misses = 0
        else:
            left.append(path)
            misses += 1
    return left


def archive_without_ids(source: Path, root: Path, log: Path, samples: Samples,
                        targets: Targets) -> None:
    """Figure 5 on a fresh copy of the site without ids: launch to every file having an id,
    and a new story published meanwhile; the copy is removed after."""
    copy_site(source, root)
    files = story_files(root)
    try:
        with launch_feeds(root, log, WORKERS) as server:
            scan = IdScan(files, server.started, _ids_bound(targets))
            scan.start()
            try:
                first = wait_for_200(server.process, server.port, server.started,
                                     _start_bound(targets.first_start))
                samples.add(BARE_FIRST, first)
                publish_amid_ids(server, first, root / "content" / FOLDER, scan, samples)
                scan.wait()
            finally:
                scan.stop()
        _note_ids(scan, samples, len(files))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def publish_amid_ids(server: Launched, first: float, folder: Path, scan: IdScan,
                     samples: Samples) -> None:
    """While the ids are being written (some files have theirs, not all), write one new story
    and time it to every worker: publishing must not stall behind the id writing."""
    deadline = time.perf_counter() + scan.bound
    while (scan.seconds is None and len(scan.files) - scan.left < max(1, len(scan.files) // 100)
           and time.perf_counter() < deadline):
        time.sleep(SCAN_PAUSE)
    workers = find_workers(server.port)
    count = agreed_count(server.port, workers)
    if count != samples.size:
        samples.doubt(DURING, f"the workers counted {count:,} stories before it, "
                              f"not {samples.size:,}")
    if scan.seconds is not None:
        samples.doubt(DURING, "every id was written before the new story: it did not "
                              "compete with the id writing")
    outcome = publish_one(server.port, workers, folder / "amid-ids.md", 1, count + 1)
    if isinstance(outcome, Sample):
        samples.add(DURING, outcome.seconds)
        shown = f"{outcome.seconds * 1000:.0f} ms"
    else:
        samples.add(DURING, PUBLISH_TIMEOUT)
        samples.doubt(DURING, f"{outcome} (counted as {PUBLISH_TIMEOUT:.0f} s)")
        shown = "not served"
    print(f"  without ids: {first:.2f} s to the first 200; a new story written while the ids "
          f"were being written reached every worker in {shown} "
          f"({len(scan.files) - scan.left:,} of {len(scan.files):,} files had an id then)",
          flush=True)


def _note_ids(scan: IdScan, samples: Samples, files: int) -> None:
    if scan.seconds is not None:
        samples.add(IDS, scan.seconds)
        print(f"  without ids: every one of {files:,} files had its id {scan.seconds:.1f} s "
              f"after launch ({scan.passes} passes)", flush=True)
        return
    waited = scan.elapsed()
    samples.add(IDS, waited)
    samples.doubt(IDS, f"{scan.left:,} of {files:,} files still had no id after "
                       f"{waited:.0f} s (counted as {waited:.0f} s, a lower bound)")
    print(f"  ! without ids: {scan.left:,} files still without an id after {waited:.0f} s",
          flush=True)


def _start_bound(target: float) -> float:
    return max(START_TIMEOUT, 12 * target)


def _publisher_bound(targets: Targets) -> float:
    return max(120.0, 30 * targets.first_start)


def _ids_bound(targets: Targets) -> float:
    return max(60.0, 5 * targets.ids)


# The report -----------------------------------------------------------------------------------


def print_scale_report(args: argparse.Namespace, results: list[Samples],
                       hugo: HugoResult | None, hugo_path: str | None) -> None:
    """Print the table (figures beside targets and Hugo's), then what it means."""
    figures = [figure for samples in results for figure in size_figures(samples, hugo)]
    if hugo is not None and hugo.stories not in args.sizes:
        figures += hugo_figures(hugo)
    print(f"\nfeeds scale bench: {', '.join(f'{s:,}' for s in args.sizes)} stories "
          f"(seed {args.seed}), {_count(args.rounds, 'round')} each, feeds serve --workers "
          f"{WORKERS}, {os.cpu_count()} CPUs, all on {HOST}; medians over rounds, spread "
          "min-max")
    print_report(figures, other="hugo")
    if hugo is not None:
        pages = f"{hugo.pages:,}" if hugo.pages is not None else "an unknown number of"
        print(f"\nhugo column: {hugo.version} building the same {hugo.stories:,} stories "
              f"({pages} pages, every story's page checked in public/) into an empty "
              f"public/, {_count(len(hugo.seconds), 'build')}: wall time (s) beside feeds' "
              "first start, peak RSS of the hugo process (MB) beside feeds' publisher peak RSS.")
    elif hugo_path is None and not args.no_hugo:
        print("\nhugo column: hugo is not installed (apt-get install -y hugo).")
    _print_verdict(figures, results)


def size_figures(samples: Samples, hugo: HugoResult | None) -> list[Figure]:
    """Return one size's rows, with Hugo's figures beside feeds' when Hugo built this size."""
    targets = targets_for(samples.size)
    beside = hugo if hugo is not None and hugo.stories == samples.size else None
    name = f"{samples.size:,}:".ljust(9)
    ms = [value * 1000 for value in samples.of(DURING)]
    return [
        _figure(samples, FIRST, f"{name}first start, no .feeds/ (s to 1st 200)",
                targets.first_start, "s", beside.seconds if beside else None),
        _figure(samples, BUILT, f"{name}first start -> publisher running (s)", None, "s"),
        _figure(samples, PEAK, f"{name}publisher peak RSS, first build (MB)", None, "MB",
                tuple(v / MB for v in beside.peak_rss) if beside else None, scale=1 / MB),
        _figure(samples, HISTORY_FIRST, f"{name}first start from history/ (s to 1st 200)",
                targets.first_start, "s"),
        _figure(samples, HISTORY_BUILT, f"{name}from history/ -> publisher running (s)", None,
                "s"),
        _figure(samples, RESTART, f"{name}restart, .feeds/ kept (s to 1st 200)",
                targets.restart, "s"),
        _figure(samples, PSS, f"{name}worker PSS after {STORY_PAGES + 3 + 3 * len(SECTIONS):,} "
                f"pages (MB, max of {WORKERS})", targets.worker_mb, "MB", scale=1 / MB),
        _figure(samples, P50, f"{name}publish -> every worker, p50 of {PUBLICATIONS} (ms)",
                P50_TARGET * 1000, "ms", scale=1000),
        _figure(samples, P99, f"{name}publish -> every worker, p99 of {PUBLICATIONS} (ms)",
                P99_TARGET * 1000, "ms", scale=1000),
        _figure(samples, BARE_FIRST, f"{name}no ids: first start (s to 1st 200)", None, "s"),
        _figure(samples, IDS, f"{name}no ids: launch -> every file has an id (s)",
                targets.ids, "s"),
        Figure(f"{name}no ids: new story -> every worker (ms)", tuple(ms), None, None,
               _target(DURING_TARGET * 1000, "ms"), DURING_TARGET * 1000, True,
               tuple(samples.problems.get(DURING, ())), "{:,.0f}"),
    ]


def _figure(samples: Samples, key: str, name: str, threshold: float | None, unit: str,
            other: tuple[float, ...] | None = None, scale: float = 1.0) -> Figure:
    style = {"s": "{:.2f}", "MB": "{:.1f}", "ms": "{:,.0f}"}[unit]
    values = tuple(value * scale for value in samples.of(key))
    target = _target(threshold, unit) if threshold is not None else ""
    return Figure(name, values, other, None, target, threshold, True,
                  tuple(samples.problems.get(key, ())), style)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _target(threshold: float, unit: str) -> str:
    return f"<= {threshold:,g} {unit}"


def _print_verdict(figures: list[Figure], results: list[Samples]) -> None:
    judged = [figure for figure in figures if figure.threshold is not None]
    met = [figure for figure in judged if figure.met().startswith("yes")]
    missed = [figure for figure in judged if not figure.met().startswith("yes")]
    print(f"\ntargets met: {len(met)} of {len(judged)}")
    for figure in missed:
        value = figure.judged()
        shown = "no sample" if value is None or math.isnan(value) else \
            f"median {figure.style.format(value)}"
        print(f"  NOT met: {figure.name.strip()} ({shown}, target {figure.target})")
    failed = [f"{result.size:,}" for result in results if result.failed]
    if failed:
        print(f"\nbench: a measurement failed at {', '.join(failed)} stories (see above): "
              "exit status 1.")
    spreads = [figure for figure in judged if len(figure.feeds) > 1
               and statistics.median(figure.feeds) > 0
               and (max(figure.feeds) - min(figure.feeds)) / statistics.median(figure.feeds) > 0.5]
    if spreads:
        print("wide spread (max - min over half the median): "
              + ", ".join(figure.name.strip() for figure in spreads))


if __name__ == "__main__":
    sys.exit(main())
