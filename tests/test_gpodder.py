"""gPodder (Debian's, its ``gpo`` command line) subscribes to a show on the real server and
downloads its episodes, as a listener's podcast app does."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from .conftest import REPO, Server, copy_sample_site, free_port
from .podcasting import show_site


def gpo(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one ``gpo`` command with its own data and download folders (nothing of the user's)."""
    command = shutil.which("gpo")
    assert command, "gPodder is not installed: run tools/system-packages (apt-get install gpodder)"
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(GPODDER_HOME=str(home / "gpodder"), GPODDER_DOWNLOAD_DIR=str(home / "downloads"),
               HOME=str(home), no_proxy="*")
    done = subprocess.run([command, *args], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def _episodes(home: Path) -> list[tuple[str, int, int, str, str]]:
    database = sqlite3.connect(home / "gpodder" / "Database")
    try:
        return database.execute(
            "SELECT title, total_time, file_size, mime_type, download_filename FROM episode "
            "ORDER BY published DESC").fetchall()
    finally:
        database.close()


def test_gpodder_subscribes_to_a_show_and_downloads_its_episodes(
        tmp_path: Path, serve: Callable[..., Server]) -> None:
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    port = free_port()
    files = show_site(root, base_url=f"http://127.0.0.1:{port}/")
    server = serve(root, port=port)
    feed = f"{server.base}/briefing/rss.xml"
    home = tmp_path / "listener"

    assert "Successfully added" in gpo(home, "subscribe", feed).stdout
    assert "Morning Briefing" in gpo(home, "list").stdout
    assert "2 new episodes" in gpo(home, "update").stdout
    assert "2 episodes downloaded" in gpo(home, "download").stdout

    folder = home / "downloads" / "Morning Briefing"
    assert (folder / "monday.mp3").read_bytes() == files["mp3"].read_bytes()
    assert (folder / "trailer.wav").read_bytes() == files["wav"].read_bytes()
    monday, trailer = _episodes(home)
    assert monday[0] == "Monday's briefing" and monday[1] in (62, 63)  # itunes:duration
    assert monday[2:] == (files["mp3"].stat().st_size, "audio/mpeg", "monday.mp3")
    assert trailer[1] == 3


def test_gpodder_downloads_the_sample_sites_show(tmp_path: Path,
                                                 serve: Callable[..., Server]) -> None:
    """The sample site's defence desk, subscribed to by the address of its page (gPodder finds
    the show's feed among the page's links): its one episode is the sample's clip."""
    port = free_port()
    server = serve(copy_sample_site(tmp_path, port), port=port)
    home = tmp_path / "listener"
    gpo(home, "subscribe", f"{server.base}/defence/")
    assert f"{server.base}/defence/rss.xml" in gpo(home, "list").stdout
    assert "1 new episode" in gpo(home, "update").stdout
    gpo(home, "download")
    clip = REPO / "content" / "defence" / "sighnaghi-field-report.wav"
    got = home / "downloads" / "AnewZ Defence Desk" / clip.name
    assert got.read_bytes() == clip.read_bytes()
    [(title, seconds, size, _, _)] = _episodes(home)
    assert (seconds, size) == (3, clip.stat().st_size)
    assert title.startswith("Limited visibility")
