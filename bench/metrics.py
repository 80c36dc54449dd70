"""What counting requests for Prometheus costs a poll: ``python -m bench.metrics``.

In one process, without sockets: a small site is published, a worker's WSGI app answers
a conditional GET of ``/rss.xml`` with ``304`` from memory (the fast path), and the same
call is timed bare and through ``feeds.web.metrics.RequestMetrics`` (what ``feeds serve
--metrics`` adds to every request), in alternating rounds. The flushing thread is not
started: it runs once a second, off the request path. Figures are medians over rounds
of the time per request, and the ratio within each round.

With ``--servers``: two ``feeds serve --workers 2`` on copies of ``make bench``'s site,
one with ``--metrics``, driven by wrk in alternating rounds (``bench.run``'s workloads):
the polls each answers per second, and the ratio within each round.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from feeds.app import create_app
from feeds.catalog.publisher import Publisher
from feeds.web.metrics import RequestMetrics

STORIES = 60


def _site(root: Path) -> None:
    (root / "content" / "world").mkdir(parents=True)
    (root / "config.yaml").write_text("title: Bench\nbase_url: http://127.0.0.1:8000/\n"
                                      "description: Bench.\nauthor: Desk\n", encoding="utf-8")
    for n in range(STORIES):
        (root / "content" / "world" / f"s{n}.md").write_text(
            f"---\ntitle: Story {n}\ndate: 2025-01-{n % 28 + 1:02d}T10:00\nid: urn:x:{n}\n"
            f"---\n\n{'Words of the story. ' * 200}\n", encoding="utf-8")


def _time(app: Callable[[dict[str, Any], Any], Iterable[bytes]], environ: dict[str, Any],
          calls: int) -> float:
    """Return nanoseconds per call of ``app`` on a copy of ``environ``."""
    def start_response(status: str, headers: list[tuple[str, str]], *rest: Any) -> None:
        return None

    started = time.perf_counter_ns()
    for _ in range(calls):
        app(dict(environ), start_response)
    return (time.perf_counter_ns() - started) / calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9, help="alternating rounds (default: 9)")
    parser.add_argument("--calls", type=int, default=50_000,
                        help="requests per round and variant (default: 50000)")
    parser.add_argument("--servers", action="store_true",
                        help="compare two real servers with wrk instead (needs wrk)")
    args = parser.parse_args(argv)
    if args.servers:
        return _servers(args.rounds)
    with tempfile.TemporaryDirectory(prefix="feeds-bench-metrics-") as folder:
        root = Path(folder) / "site"
        _site(root)
        publisher = Publisher(root, processes=1, status=False)
        publisher.sync()
        app = create_app(root, follow=False)
        bare = app.wsgi_app
        counted = RequestMetrics(bare, app.extensions["feeds"])
        environ: dict[str, Any] = {"REQUEST_METHOD": "GET", "PATH_INFO": "/rss.xml",
                                   "HTTP_ACCEPT_ENCODING": "gzip", "wsgi.url_scheme": "http",
                                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000"}
        answer: dict[str, Any] = {}
        list(bare(dict(environ), lambda status, headers, *_: answer.update(headers)))
        etag = dict(answer)["ETag"] if "ETag" in answer else dict(answer)["etag"]
        environ["HTTP_IF_NONE_MATCH"] = etag
        seen: list[str] = []
        bare(dict(environ), lambda status, headers, *_: seen.append(status))
        if not seen or not seen[0].startswith("304"):
            print(f"bench: the poll was answered {seen}, not 304", file=sys.stderr)
            return 1
        plain: list[float] = []
        metered: list[float] = []
        for _ in range(args.rounds):
            plain.append(_time(bare, environ, args.calls))
            metered.append(_time(counted, environ, args.calls))
        publisher.close()
    ratios = [m / p for m, p in zip(metered, plain, strict=True)]
    print(f"304 from memory, {args.rounds} rounds x {args.calls} requests, medians:")
    print(f"  without metrics  {statistics.median(plain):8.0f} ns/request")
    print(f"  with metrics     {statistics.median(metered):8.0f} ns/request  "
          f"(+{statistics.median(m - p for m, p in zip(metered, plain, strict=True)):.0f} ns)")
    print(f"  ratio            {statistics.median(ratios):8.3f}  "
          f"({min(ratios):.3f}-{max(ratios):.3f})")
    return 0


def _servers(rounds: int) -> int:
    """Drive feeds serve with and without --metrics with wrk, in alternating rounds."""
    from .run import PUBLISHER_TIMEOUT, WORKLOADS, cached_site, probe, wait_for_publisher
    from .run import _rounds as wrk_rounds
    from .servers import feeds_server, fetch, find_tool
    from .wrk import Load

    wrk = find_tool("wrk")
    if wrk is None:
        print("bench: wrk not found; apt-get install -y wrk", file=sys.stderr)
        return 2
    site = cached_site(10_000, 1)
    with tempfile.TemporaryDirectory(prefix="feeds-bench-metrics-") as folder:
        work = Path(folder)
        roots = {name: work / name for name in ("bare", "metrics")}
        for root in roots.values():
            shutil.copytree(site, root, ignore=shutil.ignore_patterns(".feeds"))
        with feeds_server(roots["bare"], work / "bare.log") as bare, \
                feeds_server(roots["metrics"], work / "metrics.log", metrics=True) as metered:
            for server in (bare, metered):
                wait_for_publisher(server.port, PUBLISHER_TIMEOUT)
            body = fetch(bare.port, {"Accept-Encoding": "identity"}).body
            servers = (probe("bare", bare, body), probe("metrics", metered, body))
            samples = wrk_rounds(servers, wrk, Load(2, 32, 5), rounds)
    for workload in WORKLOADS:
        plain = [r.rate for r in samples[workload]["bare"]]
        counted = [r.rate for r in samples[workload]["metrics"]]
        ratios = [c / p for c, p in zip(counted, plain, strict=True)]
        print(f"{workload:<12} without {statistics.median(plain):>9,.0f}  with "
              f"{statistics.median(counted):>9,.0f}  ratio {statistics.median(ratios):.3f} "
              f"({min(ratios):.3f}-{max(ratios):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
