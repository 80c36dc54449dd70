"""Whatever a deploy does to content/ (replaced, swapped by a symlink, moved away and back),
the publisher keeps publishing, and /healthz is not ok while it cannot see new files."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from feeds.catalog.watch import RESCAN, Watcher, folder_identity

from .conftest import Server, free_port, story_text, write_config, write_story
from .test_live import WAIT, eventually, every_worker, titles

ROUNDS = 5


def _story(folder: Path, name: str, title: str, day: int) -> None:
    path = folder / "world" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(story_text(title, f"2025-11-{day:02d}T10:00", id=f'"urn:x:{name}"'))


@pytest.fixture
def deploy_site(site: Path, serve: Callable[..., Server]) -> Callable[[], Server]:
    """The site with one story; ``start()`` serves it (a test may first shape content/)."""
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/", feed_size=100)
    write_story(site, "world/first.md", story_text("First", "2025-11-01T10:00",
                                                   id='"urn:x:first"'))
    return lambda: serve(site, port=port)


def _rounds(server: Server, replace: Callable[[Path, int], None]) -> None:
    """Replace content/ by ``replace(new_copy, round)`` ROUNDS times, without a pause: each
    time the new copy brings a story, and one more is written right after the replacement."""
    content = server.root / "content"
    for n in range(1, ROUNDS + 1):
        new = server.root.parent / f"release-{n}"
        shutil.copytree(content, new, symlinks=True)
        _story(new, f"shipped{n}", f"Shipped {n}", 10 + n)
        replace(new, n)
        _story(content, f"after{n}", f"After {n}", 20 + n)
        eventually(lambda n=n: {f"Shipped {n}", f"After {n}"} <= set(titles(server)))
    every_worker(server, lambda r: r["status"] == "ok")


def test_rm_and_copy_again_keeps_publishing(deploy_site: Callable[[], Server]) -> None:
    server = deploy_site()

    def replace(new: Path, _: int) -> None:
        shutil.rmtree(server.root / "content")
        shutil.copytree(new, server.root / "content")  # (cp -r)

    _rounds(server, replace)


def test_git_checkout_after_a_removal_keeps_publishing(
        deploy_site: Callable[[], Server]) -> None:
    server = deploy_site()
    root = server.root

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                       cwd=root, check=True, capture_output=True, timeout=60)

    git("init", "-q")
    git("add", "content")
    git("commit", "-q", "-m", "content")

    def replace(new: Path, n: int) -> None:
        shutil.rmtree(root / "content")  # the folder lost, then checked out again
        git("checkout", "--", "content")
        _story(root / "content", f"shipped{n}", f"Shipped {n}", 10 + n)
        git("add", "content")
        git("commit", "-q", "-m", f"round {n}")

    _rounds(server, replace)


def test_rsync_into_a_new_folder_and_a_swap_keeps_publishing(
        deploy_site: Callable[[], Server]) -> None:
    server = deploy_site()
    root = server.root

    def replace(new: Path, n: int) -> None:
        subprocess.run(["rsync", "-a", "--delete", f"{new}/", f"{root}/content.next/"],
                       check=True, capture_output=True, timeout=60)
        (root / "content").rename(root / f"content.old{n}")
        (root / "content.next").rename(root / "content")

    _rounds(server, replace)


def test_a_symlink_swap_of_releases_keeps_publishing(site: Path,
                                                     deploy_site: Callable[[], Server]) -> None:
    releases = site / "releases"
    releases.mkdir()
    (site / "content").rename(releases / "0")
    (site / "content").symlink_to("releases/0")
    server = deploy_site()

    def replace(new: Path, n: int) -> None:
        shutil.move(new, releases / str(n))
        subprocess.run(["ln", "-sfn", f"releases/{n}", "content"], cwd=site, check=True,
                       timeout=30)

    _rounds(server, replace)
    assert os.readlink(site / "content") == f"releases/{ROUNDS}"


# The watcher itself -----------------------------------------------------------------------


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[Watcher, queue.SimpleQueue[set[str]], Path]]:
    content = tmp_path / "content"
    (content / "world").mkdir(parents=True)
    events: queue.SimpleQueue[set[str]] = queue.SimpleQueue()
    watcher = Watcher(content, events, settle=0.05)
    watcher.start()
    assert watcher.ready.wait(WAIT)
    _wait_for(events, lambda batch: RESCAN in batch)  # the first watch's own
    yield watcher, events, content
    watcher.stop()


def _wait_for(events: queue.SimpleQueue[set[str]], wanted: Callable[[set[str]], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            if wanted(events.get(timeout=0.1)):
                return
        except queue.Empty:
            pass
    raise AssertionError("the event never came")


def test_a_swapped_folder_is_a_problem_until_it_is_watched(
        watched: tuple[Watcher, queue.SimpleQueue[set[str]], Path]) -> None:
    watcher, events, content = watched
    assert watcher.problem is None
    releases = content.parent / "releases"
    releases.mkdir()
    (content.parent / "content").rename(releases / "1")
    shutil.copytree(releases / "1", releases / "2")
    (content.parent / "content").symlink_to(releases / "1")
    # The watch stays on the first folder, whatever name it has now: a problem, at once.
    assert watcher.problem is not None or watcher.watching == folder_identity(content)
    _wait_for(events, lambda batch: RESCAN in batch)
    assert watcher.problem is None
    assert watcher.watching == folder_identity(releases / "1")
    tmp = content.parent / "swap"
    tmp.symlink_to(releases / "2")
    tmp.replace(content)
    assert watcher.problem is not None or watcher.watching == folder_identity(releases / "2")
    _wait_for(events, lambda batch: RESCAN in batch)
    (releases / "2" / "world" / "new.md").write_text("x")
    _wait_for(events, lambda batch: any(p.endswith("/world/new.md") for p in batch))
    assert watcher.problem is None


def test_a_folder_made_again_with_the_same_inode_is_watched_again(
        watched: tuple[Watcher, queue.SimpleQueue[set[str]], Path]) -> None:
    """rm -rf and mkdir often give the new folder the old one's inode number: only the
    deletion of the watched folder tells them apart."""
    watcher, events, content = watched
    shutil.rmtree(content)
    content.mkdir()
    _wait_for(events, lambda batch: RESCAN in batch)
    (content / "new.md").write_text("x")
    _wait_for(events, lambda batch: any(p.endswith("/content/new.md") for p in batch))


def test_a_watcher_that_stopped_is_a_problem(
        watched: tuple[Watcher, queue.SimpleQueue[set[str]], Path]) -> None:
    watcher, _, _ = watched
    watcher.stop()
    assert watcher.problem is not None and "stopped" in watcher.problem


def test_a_mount_over_content_that_drops_and_returns_keeps_publishing(
        deploy_site: Callable[[], Server]) -> None:
    server = deploy_site()
    content = server.root / "content"
    copy = server.root.parent / "release"
    shutil.copytree(content, copy)
    _story(copy, "mounted", "Mounted", 11)
    mounted = subprocess.run(["mount", "--bind", str(copy), str(content)], capture_output=True,
                             timeout=30)
    if mounted.returncode != 0:
        pytest.skip("cannot mount here (needs root)")
    try:
        eventually(lambda: "Mounted" in titles(server))  # the mount: another folder
        _story(content, "on-mount", "On the mount", 12)
        eventually(lambda: "On the mount" in titles(server))
    finally:
        subprocess.run(["umount", str(content)], capture_output=True, timeout=30)
    _story(content, "after", "After the mount", 13)  # the folder under it, back again
    eventually(lambda: "After the mount" in titles(server))
    every_worker(server, lambda r: r["status"] == "ok")
