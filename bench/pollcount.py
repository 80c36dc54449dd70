"""What counting polls costs a 304 poll, in-process: ``python -m bench.pollcount``.

The same worker app answers the same conditional GET of ``/rss.xml`` (gzip, a matching
ETag: the poll ``make bench`` times) with the counting hook around the fast path and
without it, in alternating rounds; the medians and their difference are the hook's
cost on the request thread. The spool thread's cost per poll (reading the
User-Agent, hashing, writing a line) is timed apart: it is paid once a second off the
request path. A loaded machine moves both sides of a round alike.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from feeds.app import create_app
from feeds.catalog.publisher import Publisher
from feeds.web.pollcount import PollCounter

AGENTS = ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 462 subscribers; )",
          "newsboat/2.30.1 (Linux x86_64)", "Feedbin feed-id:1234 - 56 subscribers")


def _site(root: Path) -> None:
    (root / "content").mkdir(parents=True)
    (root / "config.yaml").write_text("title: Bench\nbase_url: http://127.0.0.1:8000/\n")
    for i in range(50):
        (root / "content" / f"s{i}.md").write_text(
            f"---\ntitle: Story {i}\ndate: 2025-11-{1 + i % 28:02d}T10:00\nid: urn:x:{i}\n---\n\n"
            + "A paragraph of news text. " * 120 + "\n")


def _time(app: Any, environs: list[dict[str, Any]], count: int) -> float:
    """Return nanoseconds per request over ``count`` requests."""
    def start_response(status: str, headers: list[tuple[str, str]], *rest: Any) -> None:
        assert status.startswith("304")

    started = time.perf_counter_ns()
    for i in range(count):
        app(environs[i % len(environs)], start_response)
    return (time.perf_counter_ns() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400, help="alternating rounds (400)")
    parser.add_argument("--requests", type=int, default=1000,
                        help="requests per round and side (1,000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="feeds-bench-polls-") as folder:
        root = Path(folder) / "site"
        _site(root)
        publisher = Publisher(root, processes=1, status=False, history=False)
        publisher.sync()
        app = create_app(root, follow=False)
        counting: PollCounter = app.extensions["feeds.polls"]
        plain = counting.app  # the fast path (and Flask behind it), without the hook
        etag = app.test_client().get("/rss.xml", headers={"Accept-Encoding": "gzip"}
                                     ).headers["ETag"]
        environs = [{"REQUEST_METHOD": "GET", "PATH_INFO": "/rss.xml", "REMOTE_ADDR":
                     f"203.0.113.{i}", "HTTP_USER_AGENT": AGENTS[i % len(AGENTS)],
                     "HTTP_ACCEPT_ENCODING": "gzip", "HTTP_IF_NONE_MATCH": etag}
                    for i in range(30)]
        without, with_hook, spool_ns = [], [], []
        for _ in range(args.rounds):
            without.append(_time(plain, environs, args.requests))
            with_hook.append(_time(counting, environs, args.requests))
            waiting = len(counting.spool.waiting)
            started = time.perf_counter_ns()
            counting.spool.flush()
            spool_ns.append((time.perf_counter_ns() - started) / max(waiting, 1))
            counting.spool.waiting.clear()
        publisher.close()
    plain_ns, hook_ns = statistics.median(without), statistics.median(with_hook)
    extra = [w - p for w, p in zip(with_hook, without, strict=True)]
    print(f"304 poll of /rss.xml, in-process, median of {args.rounds} alternating rounds of "
          f"{args.requests:,} requests")
    print(f"  without counting      {plain_ns:8.0f} ns/request (fastest round "
          f"{min(without):.0f})")
    print(f"  with counting         {hook_ns:8.0f} ns/request (fastest round "
          f"{min(with_hook):.0f})")
    print(f"  the hook              {statistics.median(extra):8.0f} ns/request "
          f"({statistics.median(extra) / plain_ns:.1%} of the poll; fastest rounds' "
          f"difference {min(with_hook) - min(without):.0f} ns)")
    print(f"  spool thread          {statistics.median(spool_ns):8.0f} ns/poll "
          "(off the request path, once a second)")


if __name__ == "__main__":
    main()
