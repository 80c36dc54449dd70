"""Any name and folder shape the file system allows, made while the server runs, is a problem
for that path at most: publishing goes on, /healthz and feeds check say what and where."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from feeds.catalog.ledger import Ledger

from .conftest import (
    Published,
    Server,
    free_port,
    start_server,
    story_text,
    unprivileged,
    write_config,
    write_story,
)
from .test_live import eventually, every_worker, titles


def _files(report: dict[str, object]) -> dict[str, str]:
    return {str(p["file"]): str(p["message"]) for p in report["problems"]}  # type: ignore[attr-defined]


def _check(root: Path, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(prefix or []), sys.executable, "-m", "feeds", "check", "--root",
                           str(root)], capture_output=True, text=True, timeout=120)


def _site(site: Path) -> int:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    write_story(site, "world/a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    return port


@pytest.fixture
def running(site: Path, serve: Callable[..., Server]) -> Callable[..., Server]:
    def start(prefix: list[str] | None = None) -> Server:
        return serve(site, port=_site(site), prefix=prefix or ())
    return start


@pytest.fixture(scope="module")
def watching(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real server for the tests that make a name or a folder while it runs: each takes
    away what it made, and ends with the site healthy again."""
    site = tmp_path_factory.mktemp("names") / "site"
    (site / "content").mkdir(parents=True)
    server = start_server(site, _site(site))
    yield server
    server.stop()


LATER = itertools.count(1)


def _then_publishes(server: Server) -> None:
    """Publishing goes on: a new story (named once per run: servers are shared) is served."""
    n = next(LATER)
    write_story(server.root, f"world/later{n}.md",
                story_text(f"Later {n}", f"2025-12-{n:02}T10:00", id=f'"urn:x:later{n}"'))
    eventually(lambda: f"Later {n}" in titles(server))


@pytest.mark.parametrize("name", [b"bad\xffname.md", b"caf\xe9/story.md", b"tab\there.md",
                                  b"line\nbreak.md"])
def test_a_name_that_no_url_can_carry_is_a_problem_for_that_path_only(
        watching: Server, name: bytes) -> None:
    server = watching
    content = os.fsencode(server.root / "content" / "news")
    path = os.path.join(content, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(story_text("Bad", "2025-11-05T10:00").encode())
    shown = "content/news/" + name.decode("utf-8", "backslashreplace").replace(
        "\t", "\\x09").replace("\n", "\\x0a")
    shown = shown.partition("/story.md")[0]  # a folder's name is the problem, not its files
    every_worker(server, lambda r: shown in _files(r))
    _then_publishes(server)
    checked = _check(server.root)
    assert f"{shown}:1: this name " in checked.stdout
    assert "Traceback" not in checked.stderr and "internal error" not in checked.stderr
    shutil.rmtree(os.path.join(content, name.partition(b"/")[0]), ignore_errors=True)
    if os.path.exists(path):
        os.remove(path)
    every_worker(server, lambda r: r["status"] == "ok")
    _then_publishes(server)


def test_emoji_with_joiners_and_any_script_name_a_story(watching: Server) -> None:
    server = watching
    write_story(server.root, "world/👩\u200d💻-ünïcode-日本.md",
                story_text("Joined", "2025-11-05T10:00", id='"urn:x:joined"'))
    eventually(lambda: "Joined" in titles(server))
    status, _, body = server.get("/world/%F0%9F%91%A9%E2%80%8D%F0%9F%92%BB-%C3%BCn%C3%AFcode-"
                                 "%E6%97%A5%E6%9C%AC/")
    assert status == 200 and b"Joined" in body


def _nest(folder: Path, depth: int) -> None:
    """Make ``depth`` folders one inside the other below ``folder`` (deeper than PATH_MAX
    allows a path to name: each is made relative to the one above)."""
    folder.mkdir(parents=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)


def _unnest(folder: Path) -> None:
    """Remove what ``_nest`` made, from the bottom up (shutil.rmtree recurses, and pytest's
    clean-up of old temporary folders would fail on it, in every later run on the machine)."""
    fds = [os.open(folder, os.O_RDONLY)]
    try:
        while "d" in os.listdir(fds[-1]):
            fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
        while len(fds) > 1:
            os.close(fds.pop())
            os.rmdir("d", dir_fd=fds[-1])
    finally:
        for fd in fds:
            os.close(fd)
    folder.rmdir()


@pytest.mark.parametrize("depth", [1_100, 10_000])
def test_folders_nested_thousands_deep_while_serving_are_reported(
        watching: Server, depth: int) -> None:
    server = watching
    deep = server.root / "content" / "deep"
    try:
        _nest(deep, depth)
        every_worker(server, lambda r: any("nested more than" in m for m in _files(r).values()))
        _then_publishes(server)
    finally:
        _unnest(deep)
    every_worker(server, lambda r: r["status"] == "ok")


def test_a_folder_the_server_cannot_read_is_reported_and_keeps_its_stories(
        running: Callable[..., Server]) -> None:
    prefix = unprivileged()
    server = running(prefix)
    write_story(server.root, "locked/kept.md", story_text("Kept", "2025-11-02T10:00",
                                                          id='"urn:x:kept"'))
    eventually(lambda: "Kept" in titles(server))
    locked = server.root / "content" / "locked"
    locked.chmod(0)
    try:
        every_worker(server, lambda r: "content/locked" in _files(r))
        assert "cannot be read" in _files(__import__("json").loads(
            server.get("/healthz")[2]))["content/locked"]
        _then_publishes(server)
        assert "Kept" in titles(server)  # what it held is neither published nor removed
        checked = _check(server.root, prefix)
        assert "content/locked:1: this folder cannot be read" in checked.stdout
    finally:
        locked.chmod(0o755)
    every_worker(server, lambda r: r["status"] == "ok")
    assert "Kept" in titles(server)


def test_a_file_that_meets_a_bug_is_a_problem_and_the_rest_publishes(
        site: Path, publish: Callable[..., Published], monkeypatch: pytest.MonkeyPatch) -> None:
    write_story(site, "world/a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    published = publish(site)
    apply = Ledger.apply

    def buggy(self: Ledger, parsed: object, now: float, ids: object = ()) -> set[str]:
        items = list(parsed)  # type: ignore[call-overload]
        if any(p.source.endswith("trap.md") for p in items):
            raise KeyError("a bug")
        return apply(self, items, now, ids)  # type: ignore[arg-type]

    monkeypatch.setattr(Ledger, "apply", buggy)
    for name in ("b", "trap", "c"):
        write_story(site, f"world/{name}.md", story_text(name.upper(), "2025-11-02T10:00",
                                                         id=f'"urn:x:{name}"'))
    published.sync()
    assert {"A", "B", "C"} <= {e for e in published.body("/rss.xml").decode().split("<title>")
                               for e in [e.partition("</title>")[0]]}
    problems = {p.source: p.message for p in published.publisher.problem_list()}
    assert "could not be published" in problems["content/world/trap.md"]
    monkeypatch.setattr(Ledger, "apply", apply)
    write_story(site, "world/trap.md", story_text("Trap", "2025-11-03T10:00", id='"urn:x:t"'))
    published.sync()
    assert b"<title>Trap</title>" in published.body("/rss.xml")
    assert "content/world/trap.md" not in {p.source for p in published.publisher.problem_list()}
