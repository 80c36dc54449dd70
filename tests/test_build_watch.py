"""``feeds build --watch``: the build keeps running and writes each publication as it happens."""

from __future__ import annotations

import gzip
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds.catalog.publisher import Publisher

from .conftest import stop_group, story_text, write_story

WAIT = 60.0  # seconds any one step may take, however loaded the machine


class Watching:
    """A running ``feeds build --watch``, and the lines it prints."""

    def __init__(self, root: Path, out: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "feeds", "build", "--watch", "--root", str(root), "--out",
             str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        self.lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self.lines.put(raw.decode(errors="replace"))

    def built(self) -> str:
        """Wait for the next line saying a build is done, and return it."""
        deadline = time.monotonic() + WAIT
        while (left := deadline - time.monotonic()) > 0:
            line = self.lines.get(timeout=left)
            if " files in " in line:
                return line
        raise AssertionError("no build within the time allowed")


@pytest.fixture
def watching(site: Path, tmp_path: Path) -> Iterator[tuple[Watching, Path]]:
    write_story(site, "world/one.md", story_text("One", "2025-11-01T10:00:00Z", tags="[port]"))
    out = tmp_path / "public"
    found = Watching(site, out)
    try:
        yield found, out
    finally:
        stop_group(found.process)


def _until(condition: object) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not written within the time allowed"
        time.sleep(0.02)


def test_each_change_is_written_as_it_is_published(site: Path,
                                                   watching: tuple[Watching, Path]) -> None:
    found, out = watching
    assert "0 deleted" in found.built()
    page = out / "world" / "one" / "index.html"
    assert "One" in page.read_text(encoding="utf-8")
    stamped = os.stat(out / "world" / "atom.xml").st_mtime  # its document's Last-Modified
    _until(lambda: time.time() >= int(stamped) + 1)  # the edit falls in a later second
    write_story(site, "world/one.md", story_text("One", "2025-11-01T10:00:00Z",
                                                 "A sentence added.", tags="[port]"))
    assert " 0 deleted" in found.built()
    assert "A sentence added." in page.read_text(encoding="utf-8")
    feed = (out / "world" / "atom.xml").read_bytes()
    assert b"A sentence added." in feed
    assert gzip.decompress((out / "world" / "atom.xml.gz").read_bytes()) == feed
    assert os.stat(out / "world" / "atom.xml").st_mtime == os.stat(
        out / "world" / "atom.xml.gz").st_mtime
    write_story(site, "world/two.md", story_text("Two", "2025-11-02T10:00:00Z"))
    _until(lambda: (out / "world" / "two" / "index.html").is_file())
    (site / "content" / "world" / "one.md").unlink()
    _until(lambda: not page.exists() and not (out / "tags" / "port").exists())
    found.process.send_signal(signal.SIGTERM)
    assert found.process.wait(timeout=WAIT) == 0


def test_it_will_not_publish_beside_a_running_publisher(site: Path, tmp_path: Path) -> None:
    write_story(site, "world/one.md", story_text("One", "2025-11-01T10:00:00Z"))
    publisher = Publisher(site, processes=1, status=False)
    try:
        publisher.sync()
        done = subprocess.run(
            [sys.executable, "-m", "feeds", "build", "--watch", "--root", str(site), "--out",
             str(tmp_path / "public")], capture_output=True, text=True, timeout=WAIT,
            stdin=subprocess.DEVNULL)
    finally:
        publisher.close()
    assert done.returncode == 1
    assert "run feeds build without --watch" in done.stderr
    assert (tmp_path / "public" / "world" / "one" / "index.html").is_file()
