"""What counting requests for Prometheus costs a poll: ``python -m bench.metrics``.

In one process, without sockets: a small site is published, a worker's WSGI app answers
a conditional GET of ``/rss.xml`` with ``304`` from memory (the fast path), and the same
call is timed bare and through ``feeds.web.metrics.RequestMetrics`` (what ``feeds serve
--metrics`` adds to every request), in alternating rounds. The flushing thread is not
started: it runs once a second, off the request path. Figures are medians over rounds
of the time per request, and the ratio within each round.
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
