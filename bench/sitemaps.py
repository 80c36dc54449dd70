"""Benchmark the search engines' documents: ``python -m bench.sitemaps [--sizes 10000]``.

For each size, a copy of the cached generated site (newsroom-length stories) is published
in-process, then each document is rendered again from a cold cache (as after a publication,
which makes the sitemaps again) and the median of ``--rounds`` is printed beside its size,
with the home page's rendering beside it for scale. In-process: the figure is the worker's
cost for one rendering, without HTTP.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from feeds.app import create_app
from feeds.catalog.publisher import Publisher

from .run import cached_site
from .sites import copy_site, site_sizes, work_folder

PATHS = ("/sitemap.xml", "/sitemap-1.xml", "/news-sitemap.xml", "/robots.txt", "/")
AIM = 2.0  # seconds to render a 10,000-story site's sitemap after a publication, at most


def measure(root: Path, rounds: int) -> dict[str, tuple[float, int, int]]:
    """Return each path's median rendering time (s), and its bytes plain and gzipped."""
    publisher = Publisher(root, processes=2, status=False, write_ids=False)
    try:
        publisher.sync()
        app = create_app(root, follow=False)
        worker = app.extensions["feeds"]
        found = {}
        for path in PATHS:
            times = []
            for _ in range(rounds):
                worker.documents.reset(worker.documents.version)
                started = time.perf_counter()
                prepared = worker.prepared(path)
                times.append(time.perf_counter() - started)
            assert prepared is not None, path
            found[path] = (statistics.median(times), len(prepared.identity.body),
                           len(prepared.gzipped.body))
        worker.stop()
        return found
    finally:
        publisher.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=site_sizes, default=[10_000],
                        help="generated site sizes, such as 10000,100000")
    parser.add_argument("--seed", type=int, default=1, help="the generated sites' seed")
    parser.add_argument("--rounds", type=int, default=5, help="renderings per document")
    parser.add_argument("--work", type=Path, help="a folder to work in (kept afterwards)")
    args = parser.parse_args()
    with work_folder(args.work, "feeds-bench-sitemaps-") as work:
        for size in args.sizes:
            root = work / f"site-{size}"
            copy_site(cached_site(size, args.seed), root)
            found = measure(root, args.rounds)
            print(f"{size:,} stories (medians of {args.rounds} cold renderings):")
            for path, (seconds, plain, zipped) in found.items():
                print(f"  {path:20} {seconds * 1000:9.1f} ms  {plain:>11,} B  "
                      f"{zipped:>9,} B gzipped")
            per_story = found["/sitemap-1.xml"][0] / size * 1e6
            aim = AIM * size / 10_000
            print(f"  /sitemap-1.xml: {per_story:.1f} µs a story; aim {aim:.1f} s at this "
                  f"size: {'met' if found['/sitemap-1.xml'][0] <= aim else 'MISSED'}")


if __name__ == "__main__":
    main()
