"""What a serving worker's memory does when a crawler asks for every document of a large site.

``make bench-memory`` (``python -m bench.memory``): a site of 8,000 stories, each
with a tag of its own (8,000 tags: 32,000 distinct documents, each tag's page and
three feeds, as in issue 17), served by ``feeds serve --workers 1`` with
``document_cache_mb`` at 16, 64 and 256. Every document is fetched once, as a feed
reader would (gzip), in four rounds of 8,000; after each round the worker's RSS and
PSS (``/proc/<pid>/smaps_rollup``) are read, with what its caches say they hold
(``/healthz``). The target: once the caches are full, the worker grows by no more
than a quarter of the setting however many more documents it serves.
"""

from __future__ import annotations

import argparse
import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .servers import HOST, REQUEST_TIMEOUT, feeds_server, pss_bytes
from .sites import work_folder

MB = 1 << 20
TAGS = 8_000
ROUNDS = 4
SETTINGS = (16, 64, 256)
BOUND = 0.25  # growth after the caches are full, as a share of the setting
CLIENTS = 2
FETCH_TIMEOUT = 900.0  # seconds one setting's fetching may take in all


def write_site(root: Path, tags: int, cache_mb: int) -> None:
    """Write the site: ``tags`` stories, each with one tag of its own, a few paragraphs."""
    content = root / "content" / "news"
    content.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(f"Paragraph {p} of a story long enough to read like one, with a "
                       f"[link](https://example.org/{p}) and *some* emphasis." for p in range(6))
    for n in range(tags):
        path = content / f"story-{n:05d}.md"
        if not path.exists():
            path.write_text(f"---\ntitle: Story {n}\nid: \"urn:x:{n}\"\n"
                            f"date: 2025-01-01T00:00:00Z\ntags: [topic-{n:05d}]\n---\n\n"
                            f"{body}\n", encoding="utf-8")
    (root / "config.yaml").write_text(
        f"title: Memory\nbase_url: http://{HOST}:8000/\ndocument_cache_mb: {cache_mb}\n",
        encoding="utf-8")


def documents(tags: int) -> list[str]:
    """Return every tag's page and feeds, tag by tag (so each round covers new tags)."""
    return [f"/tags/topic-{n:05d}/{name}" for n in range(tags)
            for name in ("", "rss.xml", "atom.xml", "feed.json")]


def health(port: int) -> dict[str, object]:
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", "/healthz")
        found: dict[str, object] = json.loads(connection.getresponse().read())
        return found
    finally:
        connection.close()


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def fetch(port: int, paths: list[str]) -> int:
    """Fetch ``paths`` on one kept-alive connection; return how many were not 200."""
    failed = 0
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        for path in paths:
            connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = connection.getresponse()
            response.read()
            failed += response.status != 200
    finally:
        connection.close()
    return failed


def measure(root: Path, cache_mb: int, tags: int) -> dict[str, object]:
    """Serve the site with one worker and return its memory after each round."""
    write_site(root, tags, cache_mb)
    rows = []
    with feeds_server(root, root.parent / f"server-{cache_mb}.log", workers=1) as server:
        deadline = time.monotonic() + 120
        while fetch(server.port, [f"/tags/topic-{tags - 1:05d}/"]):  # (groups come just after)
            if time.monotonic() > deadline:
                raise TimeoutError("the tags were never served")
            time.sleep(0.1)
        fetch(server.port, ["/", "/rss.xml", "/healthz"])
        pid = int(health(server.port)["worker"])  # type: ignore[call-overload]
        rows.append(_row(pid, server.port, 0))
        paths = documents(tags)
        per_round = len(paths) // ROUNDS
        started = time.monotonic()
        failed = 0
        for number in range(ROUNDS):
            chunk = paths[number * per_round:(number + 1) * per_round]
            parts = [chunk[i::CLIENTS] for i in range(CLIENTS)]
            with ThreadPoolExecutor(CLIENTS) as pool:
                failed += sum(pool.map(lambda part: fetch(server.port, part), parts))
            rows.append(_row(pid, server.port, (number + 1) * per_round))
            if time.monotonic() - started > FETCH_TIMEOUT:
                print(f"  stopped after {FETCH_TIMEOUT:.0f} s", flush=True)
                break
    return {"setting": cache_mb, "rows": rows, "failed": failed}


def _row(pid: int, port: int, served: int) -> dict[str, float]:
    memory = health(port).get("memory") or {}
    row = {"served": served, "rss": rss_bytes(pid) / MB, "pss": (pss_bytes(pid) or 0) / MB,
           **{key: float(memory.get(key, 0)) / MB  # type: ignore[union-attr]
              for key in ("held", "budget", "documents", "documents_budget")}}
    print(f"  after {served:>6,} documents: RSS {row['rss']:6.1f} MB, PSS {row['pss']:6.1f} MB, "
          f"caches hold {row['held']:6.1f} of {row['budget']:.0f} MB", flush=True)
    return row


def report(results: list[dict[str, object]]) -> None:
    print("\n| document_cache_mb | RSS at start → after 8k, 16k, 24k, 32k documents (MB) | "
          "PSS after 32k | RSS growth in all | growth after the caches are full | "
          "target (25 % of the setting) | met |")
    print("|---|---|---|---|---|---|---|")
    for result in results:
        rows: list[dict[str, float]] = result["rows"]  # type: ignore[assignment]
        setting = int(result["setting"])  # type: ignore[call-overload]
        # Full: the hot documents have started to push each other out.
        full = next((r for r in rows if r["documents"] >= 0.9 * r["documents_budget"] > 0),
                    None)
        growth = rows[-1]["rss"] - full["rss"] if full is not None else None
        bound = BOUND * setting
        rss = " → ".join(f"{r['rss']:.0f}" for r in rows)
        shown = (f"{growth:+.1f} MB (full at {full['served']:,.0f})"
                 if growth is not None and full is not None else "never full")
        met = "n/a" if growth is None else "yes" if growth <= bound else "**not met**"
        print(f"| {setting} | {rss} | {rows[-1]['pss']:.0f} | "
              f"{rows[-1]['rss'] - rows[0]['rss']:+.0f} MB | {shown} | ≤ {bound:.0f} MB | "
              f"{met} |")
        if result["failed"]:
            print(f"  ({result['failed']} answers were not 200)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=TAGS, help="tags, each with 4 documents")
    parser.add_argument("--settings", default=",".join(map(str, SETTINGS)),
                        help="document_cache_mb values, comma-separated")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args(argv)
    results = []
    with work_folder(args.work, "feeds-bench-memory-") as work:
        for setting in (int(s) for s in args.settings.split(",")):
            print(f"document_cache_mb: {setting}", flush=True)
            root = work / "site"
            results.append(measure(root, setting, args.tags))
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
