"""The catalogue deleted while the publisher writes, a WAL left by kill -9, a side file left by
a failed attempt: the catalogue that comes back is whole, and of its own generation only."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from .conftest import Server, free_port, story_text, write_config, write_story
from .test_live import eventually, every_worker, titles

STORIES = 400


def _site(site: Path) -> int:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/", feed_size=20)
    for n in range(STORIES):
        write_story(site, f"bulk/s{n:03d}.md", story_text(f"Story {n}", "2025-10-01T10:00",
                                                          f"Body {n}. " * 40, id=f'"urn:x:{n}"',
                                                          tags=f"[t{n % 40}]"))
    return port


def _integrity(root: Path) -> str:
    db = sqlite3.connect(f"file:{root / '.feeds/catalog.sqlite3'}?mode=ro", uri=True)
    try:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        db.close()


def _every_page_answers(server: Server) -> None:
    for path in ["/", "/rss.xml", "/bulk/", "/bulk/atom.xml", "/tags/t7/", "/tags/t39/rss.xml",
                 "/bulk/s123/", "/bulk/s399/", "/bulk/archive/3.xml", "/feeds.opml"]:
        assert server.get(path)[0] == 200, path


def test_the_catalogue_deleted_during_edits_comes_back_whole(
        site: Path, serve: Callable[..., Server]) -> None:
    server = serve(site, port=_site(site))
    catalog = site / ".feeds" / "catalog.sqlite3"
    for n in range(40):
        path = site / f"content/bulk/s{n * 7:03d}.md"
        path.write_text(path.read_text().replace("Body", f"Edited {n}", 1))
        if n in (10, 25):
            catalog.unlink()  # the -wal and -shm stay, as a careless rm leaves them
        time.sleep(0.05)
    eventually(lambda: server.get("/bulk/s273/")[2].partition(b"<body>")[2].count(
        b"Edited 39") == 1)  # (once in the page's body; its head's previews quote it too)
    assert _integrity(site) == "ok"
    _every_page_answers(server)
    every_worker(server, lambda r: r["status"] == "ok")


def test_a_wal_left_by_kill_9_is_not_replayed_into_a_new_catalogue(
        site: Path, serve: Callable[..., Server]) -> None:
    port = _site(site)
    server = serve(site, port=port)
    for n in range(60):  # changes that stay in the WAL
        path = site / f"content/bulk/s{n:03d}.md"
        path.write_text(path.read_text().replace("Body", "Changed", 1))
    eventually(lambda: b"Changed" in server.get("/bulk/s059/")[2])
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    wal = site / ".feeds/catalog.sqlite3-wal"
    assert wal.exists() and wal.stat().st_size > 0
    (site / ".feeds/catalog.sqlite3").unlink()
    for n in range(100, STORIES):
        (site / f"content/bulk/s{n:03d}.md").unlink()
    server = serve(site, port=port)
    assert _integrity(site) == "ok"
    every_worker(server, lambda r: r["stories"] == 100 and r["status"] == "ok")
    # Not the old WAL's story: the history's, whose file is gone since, so it was removed.
    assert server.get("/bulk/s150/")[0] == 410


def test_a_side_file_left_by_a_failed_attempt_is_no_obstacle(
        site: Path, serve: Callable[..., Server]) -> None:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    write_story(site, "a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    state = site / ".feeds"
    state.mkdir()
    for name in ("catalog.sqlite3.new", "catalog.sqlite3.new-wal"):
        (state / name).write_bytes(b"left by a failed attempt")
    server = serve(site, port=port)
    assert titles(server) == ["A"]
    (state / "catalog.sqlite3.new").write_bytes(b"left by a failed attempt")
    (state / "catalog.sqlite3").unlink()
    eventually(lambda: (state / "catalog.sqlite3").exists())
    write_story(site, "b.md", story_text("B", "2025-11-02T10:00", id='"urn:x:b"'))
    eventually(lambda: titles(server) == ["B", "A"])
    assert _integrity(site) == "ok"
    assert not (state / "catalog.sqlite3.new").exists()
