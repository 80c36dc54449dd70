"""Counting through the real server: two workers, real readers, the page and the command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .browser import dom, screenshot
from .conftest import Server, free_port, story_text, write_config, write_story
from .test_reader import newsboat
from .test_stats import FEEDBIN, FEEDLY, STATS_TOKEN

WAIT = 60.0  # seconds a condition may take on a loaded machine


def _stats(root: Path) -> dict[str, dict[str, object]]:
    done = subprocess.run([sys.executable, "-m", "feeds", "stats", "--root", str(root),
                           "--json", "--days", "1"], capture_output=True, text=True,
                          timeout=60, check=True)
    return {(e["feed"] + e["format"]): e for e in json.loads(done.stdout)["feeds"]}


def test_two_workers_count_every_poll_once(tmp_path: Path, serve: Callable[..., Server]
                                           ) -> None:
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    port = free_port()
    write_config(root, f"http://127.0.0.1:{port}/", stats_token=STATS_TOKEN)
    write_story(root, "world/a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    server = serve(root, port, workers=2)
    etag = ""
    for i in range(20):  # Feedly, alternately from two of its fetchers: many requests, both
        status, headers, _ = server.get("/rss.xml", {"User-Agent": FEEDLY.format(50 + i),
                                                     "If-None-Match": etag})
        etag = headers["etag"]
        assert status == (200 if i == 0 else 304)
    for feed_id, count in ((1, 4), (2, 3), (1, 5)):
        assert server.get("/world/atom.xml",
                          {"User-Agent": FEEDBIN.format(feed_id, count)})[0] == 200
    for _ in range(10):  # one reader, its polls spread over both workers
        server.get("/atom.xml", {"User-Agent": "NetNewsWire (RSS Reader; https://netnewswire"
                                               ".com/)"})
    if shutil.which("newsboat"):
        home = tmp_path / "newsboat"
        home.mkdir()
        (home / "urls").write_text(f"{server.base}/feed.json\n")
        (home / "config").write_text("")
        assert newsboat(home, "-x", "reload").returncode == 0
    expected_polls = 20 + 3 + 10 + (1 if shutil.which("newsboat") else 0)
    deadline = time.monotonic() + WAIT
    while True:
        found = _stats(root)
        site, world = found.get("/all", {}), found.get("/world/all", {})
        polls = int(site.get("polls", 0)) + int(world.get("polls", 0))  # type: ignore[call-overload]
        if polls >= expected_polls or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert polls == expected_polls
    assert site["subscribers"] == {"Feedly": 69}
    assert site["not_modified"] == 19
    assert site["readers"] == (2 if shutil.which("newsboat") else 1)
    assert world["subscribers"] == {"Feedbin": 8}
    files = list((root / ".feeds" / "stats" / "spool").rglob("*.tsv"))
    assert 1 <= len(files) <= 2  # one per worker that answered a poll
    status, headers, body = server.get("/stats/", {"Authorization": f"Bearer {STATS_TOKEN}"})
    assert status == 200 and headers["cache-control"] == "private, no-store"
    assert b">Feedly 69<" in body or b"Feedly 69" in body
    assert server.get("/stats/")[0] == 404
    assert server.get(f"/stats/?token={STATS_TOKEN}")[0] == 200
    # Chromium draws it as it is: three charts, the table, no script needed
    drawn = dom(f"{server.base}/stats/?token={STATS_TOKEN}")
    assert drawn.count("<svg") == 3 and "Feedly 69" in drawn and "<script" not in drawn
    shot = screenshot(f"{server.base}/stats/?token={STATS_TOKEN}", tmp_path / "stats.png",
                      width=900, height=1200)
    assert shot.stat().st_size > 20_000  # charts, not an empty page
