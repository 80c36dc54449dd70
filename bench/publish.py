"""Benchmark live publishing: ``python -m bench.publish`` (``make bench-publish``).

One figure per site size (default 1,000 and 10,000 generated stories), publish to served:
from just before a new story file is written to the moment *every* worker of
``feeds serve --workers 2`` reports one more story in ``/healthz``, over 50 publications made
one at a time. Each poll opens a new connection, so it may land on either worker; the figure
is when the slower of the two first reported the story. The whole path is timed: the
publisher noticing the file, parsing it, committing the catalogue, and each worker taking
the new version in (there is no in-process re-index to time apart any more: the workers only
read what the publisher commits).

Each size works on a copy of the cached generated site (without its ``.feeds/``), so the
cache stays pristine; the copy, and the processes started, are removed at the end.
``python -m bench.scale`` measures the same at 10,000 and 100,000 stories, with the rest of
the figures of a large site.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .latency import (
    FOLDER,
    PUBLISH_TIMEOUT,
    SETTLE_BETWEEN,
    WORKERS,
    Publishing,
    publish_latencies,
)
from .run import cached_site
from .servers import HOST
from .sites import add_baseline_option, served_by, site_sizes, work_folder

TARGET_P99, AIM_P50 = 1.0, 0.25


@dataclass(frozen=True, slots=True)
class SizeResult:
    """Everything measured on one site size."""

    stories: int
    publishing: Publishing


def main(argv: list[str] | None = None) -> int:
    """Measure every size, then print the table; exit 1 if a server cannot be set up."""
    args = _parser().parse_args(argv)
    if args.publications < 1 or not args.sizes or min(args.sizes) < 1:
        print("bench: give --publications of at least 1 and positive --sizes.", file=sys.stderr)
        return 1
    results = []
    with work_folder(None, "feeds-publish-") as work, served_by(args.baseline, work):
        for size in args.sizes:
            try:
                results.append(measure_size(size, args.seed, args.publications))
            except (RuntimeError, TimeoutError, OSError) as exc:
                print(f"bench: {size:,} stories: {exc}", file=sys.stderr)
                return 1
    print_report(results, args.publications)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.publish", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=site_sizes, default=[1000, 10_000],
                        help="comma-separated site sizes in stories (default: 1000,10000)")
    parser.add_argument("--publications", type=int, default=50,
                        help="files published per size (default: 50)")
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed (default: 1)")
    add_baseline_option(parser)
    return parser


def measure_size(size: int, seed: int, count: int) -> SizeResult:
    """Publish into a throw-away copy of the cached site of ``size`` stories."""
    with tempfile.TemporaryDirectory(prefix="feeds-publish-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        root = work / "site"
        shutil.copytree(cached_site(size, seed), root,
                        ignore=shutil.ignore_patterns(".feeds", FOLDER))
        print(f"{size:,} stories: publishing {count} files ...", flush=True)
        return SizeResult(size, publish_latencies(root, work / "feeds.log", count))


# The report ----------------------------------------------------------------------------------


def percentile(values: tuple[float, ...], share: float) -> float:
    """Return the nearest-rank percentile (the smallest value with ``share`` at or below it)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def print_report(results: list[SizeResult], count: int) -> None:
    """Print one column per size: publication latency, targets and verdicts."""
    print()
    print(_line("figure", [f"{r.stories:,} stories" for r in results], "target", "met?"))
    print(_line("-" * 47, ["-" * 15 for _ in results], "-" * 21, "----"))
    for name, cells, target, met in _rows(results):
        print(_line(name, cells, target, met))
    for result in results:
        print(f"\n{result.stories:,} stories, slowest publications: {_slowest(result)}")
        for line in result.publishing.log_lines:
            print(f"  server log: {line}")
    doubts = [f"(!) {r.stories:,} stories: {failure}"
               for r in results for failure in r.publishing.failures]
    if doubts:
        print("", *doubts, sep="\n")
    print(f"\n{count} publications per size, one at a time, {SETTLE_BETWEEN:.1f} s apart; "
          f"{WORKERS} workers; all on {HOST}.\nPercentiles are nearest-rank: over {count} "
          "samples, p99 is the largest of them (the max).")


def _rows(results: list[SizeResult]) -> list[tuple[str, list[str], str, str]]:
    """Return the table's rows: name, one cell per size, target, verdict."""
    lat = [r.publishing.latencies for r in results]
    failed = [len(r.publishing.failures) for r in results]
    p50 = [percentile(v, 0.50) for v in lat]
    p99 = [percentile(v, 0.99) for v in lat]
    return [
        ("publish -> served by every worker, p50", _ms(p50), f"aim <= {AIM_P50 * 1000:.0f} ms",
         _met(all(v <= AIM_P50 for v in p50))),
        ("publish -> served by every worker, p90", _ms([percentile(v, 0.9) for v in lat]),
         "", ""),
        ("publish -> served by every worker, p99", _ms(p99), f"<= {TARGET_P99 * 1000:.0f} ms",
         _met(all(v <= TARGET_P99 for v in p99) and not any(failed))),
        ("publish -> served by every worker, max", _ms([percentile(v, 1.0) for v in lat]),
         "", ""),
        (f"failed (over {PUBLISH_TIMEOUT:.0f} s) / publications",
         [f"{n} / {n + len(v)}" for n, v in zip(failed, lat, strict=True)], "0",
         _met(not any(failed))),
        ("workers (pids)", ["+".join(map(str, r.publishing.workers)) for r in results], "", ""),
    ]


def _slowest(result: SizeResult, shown: int = 3) -> str:
    """Name the slowest publications and when each worker first reported them."""
    samples = sorted(result.publishing.samples, key=lambda s: s.seconds, reverse=True)[:shown]
    return "; ".join(
        f"#{s.number} {s.seconds * 1000:,.0f} ms (" + ", ".join(
            f"worker {pid} at {t * 1000:,.0f}"
            for pid, t in zip(result.publishing.workers, s.per_worker, strict=True)) + ")"
        for s in samples) or "none served"


def _ms(values: list[float]) -> list[str]:
    """Format seconds as milliseconds, with two decimals below 10 ms so ratios stay legible."""
    return [f"{v * 1000:,.2f} ms" if v < 0.01 else f"{v * 1000:,.1f} ms" for v in values]


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def _line(name: str, cells: list[str], target: str, met: str) -> str:
    line = f"{name:<48}" + "".join(f"{c:>16}" for c in cells) + f"  {target:<22}{met}"
    return line.rstrip()


if __name__ == "__main__":
    sys.exit(main())
