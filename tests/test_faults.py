"""Faults are survived and reported: the last good state keeps serving, /healthz says what is
wrong until it is fixed, nothing needs a restart, and Last-Modified never goes back."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest

from .conftest import (
    Server,
    free_port,
    small_filesystem,
    story_text,
    write_config,
    write_story,
)
from .test_live import WAIT, eventually, every_worker, health, titles


@pytest.fixture
def site_server(site: Path, serve: Callable[..., Server]) -> Server:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    for n in range(3):
        write_story(site, f"world/s{n}.md", story_text(f"Story {n}", f"2025-11-0{n + 1}T10:00",
                                                       id=f'"urn:x:s{n}"'))
    return serve(site, port=port)


def problem_files(report: dict[str, object]) -> set[str]:
    return {str(p["file"]) for p in report["problems"]}  # type: ignore[attr-defined]


def stamp(server: Server, path: str = "/rss.xml") -> float:
    return parsedate_to_datetime(server.get(path)[1]["last-modified"]).timestamp()


def test_content_removed_and_put_back_unpublishes_nothing(site_server: Server) -> None:
    root = site_server.root
    before = site_server.get("/rss.xml")
    (root / "content").rename(root / "content-away")
    every_worker(site_server, lambda r: "content" in problem_files(r))
    assert titles(site_server) == ["Story 2", "Story 1", "Story 0"]  # the last state serves
    assert site_server.get("/world/s1/")[0] == 200
    (root / "content-away").rename(root / "content")
    every_worker(site_server, lambda r: r["status"] == "ok")
    after = site_server.get("/rss.xml")
    assert after[1]["etag"] == before[1]["etag"]  # no tombstone, no change at all
    write_story(root, "world/s3.md", story_text("Story 3", "2025-11-04T10:00", id='"urn:x:s3"'))
    eventually(lambda: titles(site_server)[0] == "Story 3")


def test_the_catalogue_deleted_while_running_comes_back_whole(site_server: Server) -> None:
    before = site_server.get("/rss.xml")[1]
    shutil.rmtree(site_server.root / ".feeds")
    eventually(lambda: (site_server.root / ".feeds/catalog.sqlite3").exists())
    write_story(site_server.root, "world/s3.md",
                story_text("Story 3", "2025-11-04T10:00", id='"urn:x:s3"'))
    eventually(lambda: titles(site_server)[0] == "Story 3")
    assert stamp(site_server) > parsedate_to_datetime(before["last-modified"]).timestamp()
    every_worker(site_server, lambda r: r["status"] == "ok")


def test_last_modified_never_goes_back_after_the_catalogue_is_lost(
        site: Path, serve: Callable[..., Server]) -> None:
    """The case that went wrong: .feeds/ lost, a story edited, Last-Modified a year back."""
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    write_story(site, "a.md", story_text("A", "2024-01-01T10:00", id='"urn:x:a"'))
    server = serve(site, port=port)
    _, first, _ = server.get("/rss.xml")
    server.stop()
    shutil.rmtree(site / ".feeds")
    path = site / "content/a.md"
    path.write_text(path.read_text().replace("Body text.", "Edited body."))
    server = serve(site, port=port)
    _, second, body = server.get("/rss.xml")
    assert b"Edited body." in body
    assert parsedate_to_datetime(second["last-modified"]) >= parsedate_to_datetime(
        first["last-modified"])
    assert server.get("/rss.xml", {"If-Modified-Since": first["last-modified"]})[0] == 200


@pytest.fixture
def small_state(site: Path) -> Iterator[Path]:
    """.feeds/ on a 4 MB file system of its own, which a test can fill (needs root)."""
    with small_filesystem(site / ".feeds", "4m") as state:
        yield state


def test_a_full_disk_under_the_catalogue_is_reported_and_survived(
        site: Path, small_state: Path, serve: Callable[..., Server]) -> None:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    write_story(site, "a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    server = serve(site, port=port)
    filler = small_state / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 65536):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    body = "A long story that needs room in the catalogue. " * 400
    write_story(site, "b.md", story_text("B", "2025-11-02T10:00", body, id='"urn:x:b"'))
    every_worker(server, lambda r: ".feeds" in problem_files(r))
    assert titles(server) == ["A"]  # the last good version keeps being served
    filler.unlink()
    eventually(lambda: titles(server) == ["B", "A"])
    every_worker(server, lambda r: r["status"] == "ok")


def test_an_emptied_config_keeps_the_last_good_one(site_server: Server) -> None:
    config = site_server.root / "config.yaml"
    good = config.read_text()
    config.write_text("")
    every_worker(site_server, lambda r: "config.yaml" in problem_files(r))
    [problem] = [p for p in health(site_server)["problems"]  # type: ignore[attr-defined]
                 if p["file"] == "config.yaml"]
    assert problem["message"].startswith("the file is empty")
    assert feedparser.parse(site_server.get("/rss.xml")[2]).feed.title == "Test News"
    config.write_text(good)
    every_worker(site_server, lambda r: r["status"] == "ok")


def test_a_config_written_slowly_is_read_whole(site_server: Server) -> None:
    """An editor writing the file in two goes: half a file never becomes the settings."""
    config = site_server.root / "config.yaml"
    good = config.read_text()
    renamed = good.replace("title: Test News", "title: Renamed News")
    seen: set[str] = set()
    stop = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + WAIT
        while not stop.is_set() and time.monotonic() < deadline:
            seen.add(feedparser.parse(site_server.get("/rss.xml")[2]).feed.get("title", ""))
            seen.update(str(p["message"]) for p in health(site_server)["problems"]  # type: ignore
                        if p["file"] == "config.yaml")

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        half = len(renamed) // 2
        with open(config, "w") as handle:
            handle.write(renamed[:half])
            handle.flush()
            time.sleep(0.04)  # the pause between two writes of one save, shorter than settle
            handle.write(renamed[half:])
        eventually(lambda: feedparser.parse(site_server.get("/rss.xml")[2]).feed.title
                   == "Renamed News")
    finally:
        stop.set()
        watcher.join(timeout=WAIT)
    assert seen <= {"Test News", "Renamed News"}, seen


def _publisher_pid(server: Server) -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
                if b"publish" in command and str(server.root).encode() in command and \
                        os.getpgid(int(entry.name)) == os.getpgid(server.process.pid):
                    return int(entry.name)
            except OSError:
                continue
    return None


def test_a_publisher_that_dies_is_reported_and_started_again(site_server: Server) -> None:
    first = _publisher_pid(site_server)
    assert first is not None
    os.kill(first, signal.SIGKILL)
    eventually(lambda: _publisher_pid(site_server) not in (None, first))
    write_story(site_server.root, "world/s3.md",
                story_text("Story 3", "2025-11-04T10:00", id='"urn:x:s3"'))
    eventually(lambda: titles(site_server)[0] == "Story 3")
    every_worker(site_server, lambda r: r["status"] == "ok" and r["publisher"] == "running")


def test_healthz_says_when_the_publisher_is_not_running(site_server: Server) -> None:
    pid = _publisher_pid(site_server)
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # hung: no heartbeat
    try:
        every_worker(site_server, lambda r: r["publisher"] == "stopped"
                     and r["status"] == "problems")
        assert titles(site_server) == ["Story 2", "Story 1", "Story 0"]
    finally:
        os.kill(pid, signal.SIGCONT)
    every_worker(site_server, lambda r: r["status"] == "ok")
