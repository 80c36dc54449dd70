"""Live publishing through the real server with two workers: what writers do, as readers see it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import feedparser
import pytest

from feeds.catalog.store import catalog_path
from feeds.site.ids import derived_id

from .conftest import InProcess, Server, free_port, story_text, write_config, write_story

BERLIN = ZoneInfo("Europe/Berlin")
WAIT = 20.0  # seconds a change may take on a loaded machine here (the 1 s target: bench/)


def titles(server: Server, path: str = "/atom.xml") -> list[str]:
    status, _, body = server.get(path)
    assert status == 200
    return [entry.title for entry in feedparser.parse(body).entries]


def health(server: Server) -> dict[str, object]:
    status, _, body = server.get("/healthz")
    assert status == 200
    result: dict[str, object] = json.loads(body)
    return result


def eventually(check: Callable[[], bool], timeout: float = WAIT) -> None:
    """Wait (bounded) until ``check()`` holds 16 times running.

    Each request opens a new connection, which lands on either worker: 16 in a row
    leave about one chance in 30,000 that one worker was never asked.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(check() for _ in range(16)):
            return
        time.sleep(0.05)
    assert check(), "the change was not served in time"


def every_worker(server: Server, check: Callable[[dict[str, object]], bool],
                 workers: int = 2) -> None:
    """Wait until each worker (told apart by /healthz's pid) passes ``check``."""
    passed: set[int] = set()

    def all_passed() -> bool:
        for _ in range(20):  # new connections land on either worker
            report = health(server)
            worker = int(report["worker"])  # type: ignore[call-overload]
            if check(report):
                passed.add(worker)
            else:
                passed.discard(worker)
        return len(passed) >= workers

    eventually(all_passed)


@pytest.fixture
def live(site: Path, serve: Callable[..., Server]) -> Iterator[Server]:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    write_story(site, "world/first.md", story_text("First", "2025-11-01T10:00:00",
                                                   id='"urn:x:first"'))
    yield serve(site, port=port)


def story_count(n: int) -> Callable[[dict[str, object]], bool]:
    return lambda report: report["stories"] == n


def test_add_edit_remove_and_rename(live: Server) -> None:
    root = live.root
    write_story(root, "world/second.md", story_text("Second", "2025-11-02T10:00:00",
                                                    id='"urn:x:second"'))
    every_worker(live, story_count(2))
    eventually(lambda: titles(live) == ["Second", "First"])
    assert live.get("/world/second/")[0] == 200

    path = root / "content/world/second.md"
    path.write_text(path.read_text().replace("title: Second", "title: Second, edited"))
    eventually(lambda: titles(live)[0] == "Second, edited")

    moved = root / "content/europe/second-moved.md"
    moved.parent.mkdir()
    path.rename(moved)
    eventually(lambda: live.get("/europe/second-moved/")[0] == 200
               and live.get("/world/second/")[0] == 301)
    assert live.get("/world/second/")[1]["location"] == "/europe/second-moved/"
    entries = feedparser.parse(live.get("/atom.xml")[2]).entries
    assert [e.id for e in entries] == ["urn:x:second", "urn:x:first"]  # the id moved with it

    moved.unlink()
    every_worker(live, story_count(1))
    eventually(lambda: titles(live) == ["First"])
    assert live.get("/europe/second-moved/")[0] == 410  # it was published: gone, not unknown
    assert live.get("/world/second/")[0] == 410


def test_a_burst_of_200_files_is_published_whole(live: Server) -> None:
    root = live.root
    for i in range(200):
        write_story(root, f"burst/story-{i:03}.md",
                    story_text(f"Burst {i}", f"2025-11-0{1 + i % 9}T{i % 24:02}:{i % 60:02}:00",
                               id=f'"urn:x:burst-{i}"'))
    every_worker(live, story_count(201))
    assert len(titles(live, "/rss.xml")) == 50  # feed_size
    assert health(live)["problems"] == []


def test_a_half_written_file_never_publishes_half_a_story(live: Server) -> None:
    text = story_text("Slow", "2025-11-03T10:00:00", "Complete body. " * 200, id='"urn:x:slow"')
    data = text.encode()
    path = live.root / "content/world/slow.md"
    seen: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            for entry in feedparser.parse(live.get("/atom.xml")[2]).entries:
                if entry.title == "Slow":
                    seen.append(entry.content[0].value)
            time.sleep(0.01)

    thread = threading.Thread(target=reader)
    thread.start()
    # An editor or scp writing in pieces, 30 ms apart: from its own process, so that
    # this process's reader thread (and its GIL) cannot stretch the pauses.
    writer = ("import sys, time\n"
              "data = sys.stdin.buffer.read(); step = len(data) // 10\n"
              "with open(sys.argv[1], 'wb') as handle:\n"
              "    for start in range(0, len(data), step):\n"
              "        handle.write(data[start:start + step]); handle.flush(); time.sleep(0.03)\n")
    try:
        subprocess.run([sys.executable, "-c", writer, str(path)], input=data, check=True,
                       timeout=30)
        eventually(lambda: bool(seen))
    finally:
        stop.set()
        thread.join(timeout=10)
    assert all(value.count("Complete body.") == 200 for value in seen)


def test_a_broken_edit_keeps_the_last_good_version_live(live: Server) -> None:
    path = live.root / "content/world/first.md"
    good = path.read_text()
    path.write_text("---\ntitle: [First\ndate: 2025-11-01T10:00:00\n---\nBroken\n")

    def reported(report: dict[str, object]) -> bool:
        problems = report["problems"]
        assert isinstance(problems, list)
        return report["stories"] == 1 and [p["file"] for p in problems] == [
            "content/world/first.md"]

    every_worker(live, reported)
    assert titles(live) == ["First"]
    assert live.get("/world/first/")[0] == 200
    path.write_text(good.replace("Body text.", "Mended body."))
    every_worker(live, lambda report: report["problems"] == [])
    eventually(lambda: "Mended body." in live.get("/world/first/")[2].decode())


def test_a_new_broken_file_is_reported_and_not_published(live: Server) -> None:
    write_story(live.root, "world/bad.md", "---\ndate: 2025-11-05\n---\nNo title\n")
    every_worker(live, lambda report: report["status"] == "problems")
    problem = health(live)["problems"][0]  # type: ignore[index]
    assert problem == {"file": "content/world/bad.md", "line": 1,
                       "message": "there is no title: add a line 'title: ...' to the front matter."}
    assert titles(live) == ["First"]
    (live.root / "content/world/bad.md").unlink()
    every_worker(live, lambda report: report["status"] == "ok")


def taken_in(root: Path, *relative: str) -> Callable[[], bool]:
    """Tell whether the publisher has read these files under content/ as they are now (the
    catalogue's record of each has its current mtime), published or not."""
    def check() -> bool:
        wanted = {f"content/{name}": (root / "content" / name).stat().st_mtime_ns
                  for name in relative}
        db = sqlite3.connect(f"file:{catalog_path(root)}?mode=ro", uri=True, timeout=10)
        try:
            found = dict(db.execute(f"SELECT source, mtime_ns FROM files WHERE source IN "
                                    f"({','.join('?' * len(wanted))})", list(wanted)))
        finally:
            db.close()
        return found == wanted
    return check


def test_future_and_draft_stories(live: Server) -> None:
    soon = datetime.now(BERLIN) + timedelta(seconds=3)
    write_story(live.root, "world/soon.md",
                story_text("Soon", soon.isoformat(timespec="seconds"), id='"urn:x:soon"'))
    write_story(live.root, "world/draft.md",
                story_text("Draft", "2025-11-06T10:00:00", draft="true", id='"urn:x:draft"'))
    eventually(taken_in(live.root, "world/soon.md", "world/draft.md"))
    _, before, _ = live.get("/rss.xml")
    assert titles(live) == ["First"]
    assert health(live)["stories"] == 1
    assert live.get("/world/soon/")[0] == 404 and live.get("/world/draft/")[0] == 404
    # No file event: the scheduled story appears at its time, and the validators change.
    eventually(lambda: titles(live) == ["Soon", "First"], timeout=WAIT + 3)
    every_worker(live, story_count(2))
    _, after, _ = live.get("/rss.xml")
    assert after["etag"] != before["etag"]
    assert live.get("/rss.xml", {"If-None-Match": before["etag"]})[0] == 200
    assert live.get("/rss.xml", {"If-Modified-Since": before["last-modified"]})[0] == 200
    for path in ("/rss.xml", "/atom.xml", "/feed.json", "/"):
        assert b"Draft" not in live.get(path)[2]


def test_a_duplicate_id_is_refused_naming_both_files(live: Server) -> None:
    write_story(live.root, "world/copy.md",
                story_text("Copy", "2025-11-07T10:00:00", id='"urn:x:first"'))
    every_worker(live, lambda report: report["status"] == "problems")
    assert health(live)["problems"] == [{
        "file": "content/world/copy.md", "line": None,
        "message": "its id is already used by content/world/first.md: "
                   "give this story its own id (feeds new writes one).",
    }]
    assert titles(live) == ["First"]


def test_ids_are_written_back_without_changing_anything_else(
    site: Path, serve: Callable[..., Server]
) -> None:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    markdown = "---\r\ntitle: No id\r\ndate: 2025-11-01T10:00:00\r\n---\r\n\r\nBody ∑ text\r\n"
    yaml_story = "# a comment\ntitle: Also none\ndate: 2025-11-02\nbody: |\n  Text\n"
    (site / "content" / "a").mkdir()
    (site / "content/a/no-id.md").write_bytes(markdown.encode())
    (site / "content/a/also.yaml").write_text(yaml_story)
    server = serve(site, port=port)
    md_id = derived_id("a/no-id", datetime(2025, 11, 1, 10, tzinfo=BERLIN))
    yaml_id = derived_id("a/also", datetime(2025, 11, 2, tzinfo=BERLIN))
    ids = {e.id for e in feedparser.parse(server.get("/atom.xml")[2]).entries}
    assert ids == {md_id, yaml_id}  # served from the start, before any file is written
    expected_md = f'---\r\nid: "{md_id}"\r\n{markdown[5:]}'.encode()
    expected_yaml = f'# a comment\nid: "{yaml_id}"\n{yaml_story.partition(chr(10))[2]}'
    eventually(lambda: (site / "content/a/no-id.md").read_bytes() == expected_md
               and (site / "content/a/also.yaml").read_text() == expected_yaml)
    ids = {e.id for e in feedparser.parse(server.get("/atom.xml")[2]).entries}
    assert ids == {md_id, yaml_id}
    # Moving the file now keeps the id that readers know.
    (site / "content/b").mkdir()
    (site / "content/a/no-id.md").rename(site / "content/b/moved.md")
    eventually(lambda: server.get("/b/moved/")[0] == 200)
    ids = {e.id for e in feedparser.parse(server.get("/atom.xml")[2]).entries}
    assert md_id in ids
    assert health(server)["problems"] == []


def test_write_ids_off_leaves_files_alone_and_check_warns(site: Path) -> None:
    """In-process: the publisher's id back-fill asked directly, on a file long quiet (the
    real server asks it whenever it is idle), and once more with write_ids on, which writes."""
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/", write_ids="false")
    path = write_story(site, "x.md", story_text("X", "2025-11-01"))
    before = path.read_bytes()
    os.utime(path, (time.time() - 3600, time.time() - 3600))  # quiet for an hour
    server = InProcess(site, port)
    try:
        assert titles(server) == ["X"]
        assert server.published.publisher.write_missing_ids(budget=10) == 0
        assert path.read_bytes() == before
        result = subprocess.run([sys.executable, "-m", "feeds", "check", "--root", str(site)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0
        assert result.stdout.startswith("content/x.md:1: warning: no id")
        write_config(site, base_url=f"http://127.0.0.1:{port}/", write_ids="true")
        server.published.publisher.reload_config()  # (the real server's loop does this)
        assert server.published.publisher.write_missing_ids(budget=10) == 1  # (on: written)
        assert path.read_bytes() != before
    finally:
        server.stop()


def test_feeds_new_writes_a_ready_story_and_refuses_to_overwrite(live: Server) -> None:
    command = [sys.executable, "-m", "feeds", "new", "Breaking: “news” here", "--root",
               str(live.root), "--section", "europe", "--tag", "a tag", "--tag", "b"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "content/europe/breaking-news-here.md"
    text = (live.root / result.stdout.strip()).read_text()
    assert text.startswith('---\ntitle: "Breaking: “news” here"\nid: "urn:uuid:')
    assert 'tags: ["a tag", "b"]' in text
    eventually(lambda: "Breaking: “news” here" in titles(live))
    entry = feedparser.parse(live.get("/atom.xml")[2]).entries[0]
    assert entry.id.startswith("urn:uuid:")
    assert [t.term for t in entry.tags] == ["europe", "a tag", "b"]
    again = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert (live.root / result.stdout.strip()).read_text() == text


def test_a_config_edit_is_served_and_a_broken_one_keeps_the_last_good(live: Server) -> None:
    config = live.root / "config.yaml"
    good = config.read_text()
    config.write_text(good.replace("title: Test News", "title: Renamed News"))
    eventually(lambda: feedparser.parse(live.get("/rss.xml")[2]).feed.title == "Renamed News")
    config.write_text(good.replace("title: Test News", "title: Renamed News") + "colour: red\n")
    every_worker(live, lambda r: r["status"] == "problems")
    [problem] = health(live)["problems"]  # type: ignore[misc]
    assert (problem["file"], problem["line"]) == ("config.yaml", 6)
    assert problem["message"].startswith("unknown key: remove it")
    assert feedparser.parse(live.get("/rss.xml")[2]).feed.title == "Renamed News"
    config.write_text(good)
    every_worker(live, lambda r: r["status"] == "ok")
    eventually(lambda: feedparser.parse(live.get("/rss.xml")[2]).feed.title == "Test News")


def test_polling_fallback_publishes_too(site: Path, serve: Callable[..., Server],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDS_FORCE_POLLING", "1")
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    server = serve(site, port=port)
    write_story(site, "p.md", story_text("Polled", "2025-11-01", id='"urn:x:p"'))
    every_worker(server, story_count(1))


class Hub:
    """A WebSub hub on loopback that records every publish ping it receives."""

    def __init__(self) -> None:
        self.pings: list[str] = []
        self.fail_first = 0
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode())
                if hub.fail_first > 0:
                    hub.fail_first -= 1
                    self.send_response(503)
                else:
                    assert form["hub.mode"] == ["publish"]
                    hub.pings.append(form["hub.url"][0])
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub() -> Iterator[Hub]:
    hub = Hub()
    yield hub
    hub.close()


def _before_a_marker(site: Path, hub: Hub, base: str, n: int) -> list[str]:
    """Publish a story of a section and an author of its own, wait for its pings, and return
    the other pings since the hub was last cleared: pings go out in the order of the commits,
    so every ping of an earlier change has arrived by then (no fixed wait for an absence)."""
    write_story(site, f"marker{n}/m.md", story_text(f"Marker {n}", "2025-10-01",
                                                    id=f'"urn:x:marker{n}"', author="Marker"))
    marker = [base + group + name for group in ("/", f"/marker{n}/", "/authors/marker/")
              for name in ("rss.xml", "atom.xml", "feed.json")]
    before = Counter(hub.pings)  # (the site's feeds may have been pinged already)
    eventually(lambda: all(Counter(hub.pings)[url] > before[url] for url in marker),
               timeout=WAIT + 5)
    others = list(hub.pings)
    for url in marker:
        others.remove(url)
    hub.pings.clear()
    return others


def test_websub_advertises_hubs_and_pings_only_changed_feeds(
    site: Path, serve: Callable[..., Server], hub: Hub
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    write_config(site, base_url=base + "/", hubs=f"[{hub.url}]")
    write_story(site, "world/a.md", story_text("A", "2025-11-01", id='"urn:x:a"'))
    server = serve(site, port=port)
    feeds = ["/rss.xml", "/atom.xml", "/feed.json"]
    for path in feeds:
        status, headers, body = server.get(path)
        assert headers["link"] == f'<{hub.url}>; rel="hub", <{base}{path}>; rel="self"'
        assert hub.url.encode() in body
    rss = feedparser.parse(server.get("/rss.xml")[2])
    assert {(link.rel, link.href) for link in rss.feed.links} >= {("hub", hub.url),
                                                          ("self", f"{base}/rss.xml")}
    atom = feedparser.parse(server.get("/atom.xml")[2])
    assert {(link.rel, link.href) for link in atom.feed.links} >= {("hub", hub.url),
                                                           ("self", f"{base}/atom.xml")}
    assert json.loads(server.get("/feed.json")[2])["hubs"] == [{"type": "WebSub", "url": hub.url}]
    assert _before_a_marker(site, hub, base, 1) == []  # nothing changed since the server started

    hub.fail_first = 1  # the hub is down once: the ping is retried
    write_story(site, "world/b.md", story_text("B", "2025-11-02", id='"urn:x:b"'))
    # Every subscription feed the story changed: the site's, its section's and its author's.
    changed = sorted(base + group + p.lstrip("/") for group in ("/", "/world/",
                                                               "/authors/test-desk/")
                     for p in feeds)
    eventually(lambda: sorted(hub.pings) == changed, timeout=WAIT + 5)
    assert sorted(_before_a_marker(site, hub, base, 2)) == changed, "each feed once, not per worker"

    # A scheduled story coming due is a change too.
    hub.pings.clear()
    soon = (datetime.now(BERLIN) + timedelta(seconds=2)).replace(microsecond=0)
    write_story(site, "world/c.md", story_text("C", soon.isoformat(timespec="seconds"),
                                               id='"urn:x:c"'))
    eventually(lambda: sorted(hub.pings) == changed, timeout=WAIT + 3)
    assert datetime.now(BERLIN) >= soon, "pinged before the story's time"

    # A draft changes no feed: no ping.
    hub.pings.clear()
    write_story(site, "world/d.md", story_text("D", "2025-11-03", draft="true"))
    assert _before_a_marker(site, hub, base, 3) == []
    assert os.path.exists(site / "content/world/d.md")
