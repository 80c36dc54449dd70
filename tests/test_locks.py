"""Two servers never meet on one folder or one port: the second is refused at once, naming
the first, and the first goes on as if nothing happened."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Server, free_port, stop_group, story_text, write_config, write_story
from .test_live import every_worker

pytestmark = pytest.mark.e2e  # real processes (see SERVER_FIXTURES in conftest.py)


def _site(root: Path, title: str, port: int) -> Path:
    (root / "content").mkdir(parents=True)
    write_config(root, base_url=f"http://127.0.0.1:{port}/")
    (root / "config.yaml").write_text((root / "config.yaml").read_text().replace(
        "title: Test News", f"title: {title}"))
    write_story(root, "a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    return root


def _second(root: Path, port: int) -> subprocess.CompletedProcess[str]:
    """Run a second feeds serve, which must give up by itself (bounded), and wait until
    every process it started is gone too (its resource tracker, a second or two after it,
    once took the first server's status block with it)."""
    process = subprocess.Popen([sys.executable, "-m", "feeds", "serve", "--root", str(root),
                                "--port", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = process.communicate(timeout=60)
    finally:
        stop_group(process)  # (nothing, unless it hung)
    deadline = time.monotonic() + 30
    while True:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            raise AssertionError("the refused server left processes behind")
        time.sleep(0.05)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_a_second_server_on_the_same_folder_is_refused_naming_the_first(
        tmp_path: Path, serve: Callable[..., Server]) -> None:
    port = free_port()
    first = serve(_site(tmp_path / "site", "First", port), port=port)
    done = _second(first.root, free_port())
    assert done.returncode == 1
    assert "another feeds serve is serving this site" in done.stderr
    assert f"pid {first.process.pid}, at http://127.0.0.1:{port}/" in done.stderr
    # What went wrong before took a second or two (the status block lost): the first
    # publishes a story after the refusal, and every worker then still shows it running.
    write_story(first.root, "b.md", story_text("B", "2025-11-02T10:00", id='"urn:x:b"'))
    every_worker(first, lambda r: r["stories"] == 2)
    every_worker(first, lambda r: r["publisher"] == "running" and r["status"] == "ok")


def test_a_second_server_on_a_port_in_use_is_refused(tmp_path: Path,
                                                     serve: Callable[..., Server]) -> None:
    port = free_port()
    first = serve(_site(tmp_path / "one", "First", port), port=port)
    done = _second(_site(tmp_path / "two", "Second", port), port)
    assert done.returncode == 1
    assert f"127.0.0.1:{port} is already served by another feeds serve" in done.stderr
    for _ in range(20):  # new connections: all to the first site
        assert b"<title>First</title>" in first.get("/rss.xml")[2]


def test_a_port_another_program_listens_on_is_refused(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as other:  # as granian's own workers listen: SO_REUSEPORT
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", port))
        other.listen()
        done = _second(_site(tmp_path / "site", "Site", port), port)
    assert done.returncode == 1
    assert f"127.0.0.1:{port} is in use by another program" in done.stderr


def test_a_server_beside_a_publisher_of_the_same_folder_is_refused(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", "Site", free_port())
    publisher = subprocess.Popen([sys.executable, "-m", "feeds", "publish", "--root", str(root)],
                                 start_new_session=True, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (root / ".feeds/catalog.sqlite3").exists():
            assert time.monotonic() < deadline and publisher.poll() is None
            time.sleep(0.05)
        done = _second(root, free_port())
        assert done.returncode == 1
        assert f"a feeds publish (pid {publisher.pid}) is publishing this site" in done.stderr
    finally:
        stop_group(publisher)  # type: ignore[arg-type]


def test_a_stopped_server_leaves_the_folder_and_port_free(
        tmp_path: Path, serve: Callable[..., Server]) -> None:
    port = free_port()
    root = _site(tmp_path / "site", "Site", port)
    first = serve(root, port=port)
    first.stop()
    assert not (root / ".feeds/serve.json").exists()
    serve(root, port=port)
