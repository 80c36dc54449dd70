"""Time first starts beside a baseline, in alternating rounds: ``python -m bench.firststart``.

For each site size (``--sizes``, default 10,000 and 100,000 generated stories, cached in
``bench/.cache/``), each of ``--rounds`` rounds (default 3) launches ``feeds serve
--workers 2`` on a fresh copy of the site without ``.feeds/``, once with this checkout and
once with ``--baseline`` (a commit, checked out with ``git archive``; default the release
before issue 19), in an order that alternates between rounds, so that a machine shared with
other work loads both alike. Each launch is timed to the first 200 of ``/rss.xml`` (the
first-start figure of ``bench.scale``), then until ``/healthz`` says the publisher runs (the
whole first build), and the publisher's peak RSS is read; then the server is stopped.

Prints medians (spread min-max), the ratio this over the baseline (paired within rounds),
the targets, and the load average before and after. ``bench.scale`` measures the rest of a
large site's figures (restart, memory, publications, ids) for this checkout alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from .latency import wait_for_publisher
from .report import Figure, Samples, print_report
from .run import cached_site
from .scale import MB, publisher_pid, targets_for
from .servers import SERVED, launch_feeds, peak_rss_bytes, show_tail, wait_for_200
from .sites import add_seed_and_baseline, baseline_code, copy_site, site_sizes, work_folder

START_BOUND = 120.0  # seconds a first start may take before the round counts as failed
PUBLISHER_BOUND = 600.0
FIRST, BUILT, PEAK = "first", "built", "peak"
BEFORE = "before "


def main(argv: list[str] | None = None) -> int:
    """Run the rounds of every size and print one table per size; exit 1 if a launch failed."""
    args = _parser().parse_args(argv)
    if args.rounds < 1:
        print("bench: give --rounds of at least 1.", file=sys.stderr)
        return 1
    print(f"load average before: {_load()}", flush=True)
    failed = False
    with work_folder(args.keep, "feeds-firststart-") as work:
        codes = {"": None, BEFORE: baseline_code(work, args.baseline)}
        results = []
        for size in args.sizes:
            source, samples = cached_site(size, args.seed), Samples()
            for number in range(1, args.rounds + 1):
                order = list(codes.items()) if number % 2 else list(codes.items())[::-1]
                for label, code in order:
                    print(f"{size:,} stories, round {number}/{args.rounds}, "
                          f"{'this checkout' if code is None else args.baseline}:", flush=True)
                    failed |= not measure(source, work, label, code, samples)
            results.append((size, samples))
    print(f"load average after: {_load()}")
    for size, samples in results:
        _print(size, samples, args)
    return 1 if failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.firststart", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=site_sizes, default=[10_000, 100_000],
                        help="comma-separated site sizes in stories (default: 10000,100000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per size (default: 3)")
    add_seed_and_baseline(parser)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the work files (server logs) in DIR")
    return parser


def measure(source: Path, work: Path, label: str, code: Path | None, samples: Samples) -> bool:
    """Launch one first start on a fresh copy with ``code`` (None: this checkout's); add its
    figures under ``label``; return False if it failed."""
    root, log = work / "site", work / f"feeds{label.strip()}.log"
    copy_site(source, root)
    SERVED.folder = code
    try:
        with launch_feeds(root, log) as server:
            seconds = wait_for_200(server.process, server.port, server.started, START_BOUND)
            late = wait_for_publisher(server.port, PUBLISHER_BOUND)
            built = time.perf_counter() - server.started
            publisher = publisher_pid(server.process.pid)
            peak = peak_rss_bytes(publisher) if publisher is not None else None
    except (RuntimeError, TimeoutError, OSError) as exc:
        samples.doubt(label + FIRST, str(exc))
        print(f"  ! {exc}", file=sys.stderr, flush=True)
        show_tail(log)
        return False
    finally:
        SERVED.folder = None
        shutil.rmtree(root, ignore_errors=True)
    samples.add(label + FIRST, seconds)
    if late:
        samples.doubt(label + BUILT, late)
    else:
        samples.add(label + BUILT, built)
    if peak is not None:
        samples.add(label + PEAK, peak / MB)
    print(f"  {seconds:.2f} s to the first 200, publisher running after {built:.1f} s, "
          f"its peak RSS {(peak or 0) / MB:.0f} MB", flush=True)
    return True


def _print(size: int, samples: Samples, args: argparse.Namespace) -> None:
    target = targets_for(size).first_start

    def row(name: str, key: str, style: str) -> Figure:
        mine, theirs = samples.of(key), samples.of(BEFORE + key)
        ratios = tuple(m / t for m, t in zip(mine, theirs, strict=False)) or None
        problems = tuple(samples.problems.get(key, []) + samples.problems.get(BEFORE + key, []))
        return Figure(name, mine, theirs or None, ratios, "", None, True, problems, style)

    print(f"\nfirst start: {size:,} stories (seed {args.seed}), {args.rounds} rounds "
          f"alternating with {args.baseline}, {os.cpu_count()} CPUs; medians, spread min-max; "
          "ratio: this over before, paired within rounds")
    print_report([row("first start, to first 200 of /rss.xml (s)", FIRST, "{:.2f}"),
                  row("until the publisher runs (s)", BUILT, "{:.1f}"),
                  row("publisher peak RSS (MB)", PEAK, "{:.0f}")],
                 other=f"before ({args.baseline})")
    mine = samples.of(FIRST)
    if mine:
        median = statistics.median(mine)
        print(f"first start median {median:.2f} s: target <= {target:g} s "
              f"{'met' if median <= target else 'NOT met'}")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
