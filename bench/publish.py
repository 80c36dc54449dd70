"""Benchmark live publishing: ``python -m bench.publish`` (``make bench-publish``).

Two figures per site size (1,000 and 10,000 generated stories):

* publish to served: from a story file written to the moment *every* server worker
  (``feeds serve --workers 2``) reports it in ``/healthz``, over 50 publications;
* re-index: the in-process cost of one changed file (``Catalog.update`` and a new
  snapshot), which must not grow with the site; and the whole ``Site.refresh``
  beside it (it also re-renders the site's three feeds for WebSub and Last-Modified).

Each size works on a copy of the cached generated site, so the cache stays pristine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from .run import cached_site
from .servers import HOST, feeds_server

PUBLISH_TIMEOUT = 10.0  # seconds one publication may take before it counts as a failure
SETTLE_BETWEEN = 0.3  # seconds between publications
TARGET_P99, AIM_P50 = 1.0, 0.25


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    results = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="feeds-publish-") as work:
            root = Path(work) / "site"
            shutil.copytree(cached_site(size, args.seed), root,
                            ignore=shutil.ignore_patterns(".feeds"))
            print(f"{size:,} stories: publishing {args.publications} files ...", flush=True)
            latencies, failures = publish_latencies(root, Path(work), args.publications)
            print(f"{size:,} stories: re-indexing after one changed file, "
                  f"{args.publications} times ...", flush=True)
            reindex, refresh = reindex_costs(root, args.publications)
            results[size] = (latencies, failures, reindex, refresh)
    _report(results, args.publications)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.publish", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")],
                        default=[1000, 10_000], help="site sizes (default: 1000,10000)")
    parser.add_argument("--publications", type=int, default=50,
                        help="files published per size (default: 50)")
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed (default: 1)")
    return parser


def health(port: int) -> tuple[int, int]:
    """Return (worker pid, stories published) from one /healthz on a new connection."""
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", "/healthz")
        report = json.loads(connection.getresponse().read())
        return int(report["worker"]), int(report["stories"])
    finally:
        connection.close()


def workers_of(port: int, expected: int = 2, attempts: int = 400) -> set[int]:
    """Find the server's worker pids: new connections land on either (bounded)."""
    seen: set[int] = set()
    for _ in range(attempts):
        seen.add(health(port)[0])
        if len(seen) == expected:
            break
    return seen


def story(number: int) -> str:
    return (f'---\ntitle: "Published by the benchmark, number {number}"\n'
            f'id: "urn:x:bench-publish-{number}"\ndate: 2020-01-01T00:00:00+00:00\n---\n\n'
            f"Body of story {number}, long enough to be a paragraph of a real story.\n")


def publish_latencies(root: Path, work: Path, count: int) -> tuple[list[float], int]:
    """Publish ``count`` stories one by one; time each until every worker serves it."""
    folder = root / "content" / "bench-publish"
    folder.mkdir()
    latencies: list[float] = []
    failures = 0
    with feeds_server(root, work / "feeds.log") as server:
        workers = workers_of(server.port)
        published = health(server.port)[1]
        for number in range(count):
            time.sleep(SETTLE_BETWEEN)
            path = folder / f"story-{number:03}.md"
            started = time.monotonic()
            path.write_text(story(number), encoding="utf-8")
            seen: set[int] = set()
            while seen != workers and time.monotonic() - started < PUBLISH_TIMEOUT:
                worker, stories = health(server.port)
                if stories == published + 1:
                    seen.add(worker)
            if seen == workers:
                latencies.append(time.monotonic() - started)
                published += 1
            else:
                failures += 1
                published = health(server.port)[1]
    return latencies, failures


def reindex_costs(root: Path, count: int) -> tuple[list[float], list[float]]:
    """Time one changed file: the catalogue alone, and the live site's whole refresh."""
    from feeds.config import load_settings
    from feeds.index import Catalog
    from feeds.site import Site

    settings = load_settings(root)
    catalog = Catalog(root, settings)
    catalog.load_all()
    site = Site(root, settings)
    site.render_feeds()
    source = next(iter(sorted(catalog.good)))
    path = root / source
    original = path.read_text(encoding="utf-8")
    catalog_times, site_times = [], []
    try:
        for number in range(count):
            path.write_text(original + f"\nEdited {number} times.\n", encoding="utf-8")
            started = time.perf_counter()
            catalog.update([source])
            catalog.snapshot(datetime.now(UTC))
            catalog_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            site.refresh([source])
            site_times.append(time.perf_counter() - started)
    finally:
        path.write_text(original, encoding="utf-8")
    return catalog_times, site_times


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _report(results: dict[int, tuple[list[float], int, list[float], list[float]]],
            count: int) -> None:
    sizes = list(results)
    header = f"{'figure':<44}" + "".join(f"{f'{s:,} stories':>16}" for s in sizes)
    print("\n" + header + f"  {'target':<22} met?")
    print("-" * len(header) + "  " + "-" * 22 + " ----")

    def row(name: str, values: list[float], unit: str, target: str, met: bool | None) -> None:
        cells = "".join(f"{v * (1000 if unit == 'ms' else 1):>13.1f} {unit}" for v in values)
        verdict = "" if met is None else ("yes" if met else "NO")
        print(f"{name:<44}{cells}  {target:<22} {verdict}")

    p50 = [statistics.median(results[s][0]) if results[s][0] else float("nan") for s in sizes]
    p90 = [_percentile(results[s][0], 0.9) if results[s][0] else float("nan") for s in sizes]
    p99 = [_percentile(results[s][0], 0.99) if results[s][0] else float("nan") for s in sizes]
    failed = sum(results[s][1] for s in sizes)
    row("publish -> served by every worker, p50", p50, "ms", "aim <= 250 ms",
        all(v <= AIM_P50 for v in p50))
    row("publish -> served by every worker, p90", p90, "ms", "", None)
    row("publish -> served by every worker, p99 (max)", p99, "ms", "<= 1000 ms",
        all(v <= TARGET_P99 for v in p99) and not failed)
    reindex = [statistics.median(results[s][2]) for s in sizes]
    refresh = [statistics.median(results[s][3]) for s in sizes]
    growth = reindex[-1] / reindex[0] if reindex[0] else float("inf")
    row("re-index after one changed file (median)", reindex, "ms",
        f"flat ({growth:.2f}x)", growth < 1.5)
    row("  whole refresh incl. 3 site feeds (median)", refresh, "ms", "", None)
    print(f"\n{count} publications per size (p99 of 50 samples is their maximum); "
          f"{failed} took over {PUBLISH_TIMEOUT:.0f} s; 2 workers; all on 127.0.0.1.")


if __name__ == "__main__":
    sys.exit(main())
