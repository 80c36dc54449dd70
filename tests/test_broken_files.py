"""A broken story file is reported and left out; every other story keeps being served."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest

from .conftest import REPO, Server, copy_sample_site, free_port

BROKEN = {
    "world/bad-yaml.md": (b"---\ntitle: [oops\ndate: 2025-11-13\n---\nBody\n", 3,
                          "the YAML is not valid"),
    "world/no-title.md": (b"---\ndate: 2025-11-13\n---\nBody\n", 1, "there is no title"),
    "world/bad-date.yaml": (b"title: T\ndate: 13/11/2025\nbody: x\n", 2,
                            "not an ISO 8601 date"),
    "world/latin1.md": ("---\ntitle: Caf\xe9\ndate: 2025-11-13\n---\n".encode("latin-1"), 2,
                        "is not UTF-8"),
    "world/empty.md": (b"", 1, "the file is empty"),
}


def add_broken_files(root: Path) -> None:
    for relative, (data, _, _) in BROKEN.items():
        path = root / "content" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def run_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feeds", "check", "--root", str(root)],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def broken_site(tmp_path: Path) -> tuple[Path, int]:
    port = free_port()
    root = copy_sample_site(tmp_path, port)
    add_broken_files(root)
    return root, port


SAMPLE_WARNING = (
    "content/defence/correspondent-reports-sighnaghi-crash-site.md:8: warning: the episode's "
    "audio is audio/wav, which Apple and Spotify do not take: encode it as MP3 (lame in.wav "
    "out.mp3) or M4A, and name that file in enclosures.")


def test_check_names_each_broken_file_as_path_line_message(broken_site: tuple[Path, int]) -> None:
    result = run_check(broken_site[0])
    assert result.returncode == 1
    lines = [x for x in result.stdout.splitlines() if x != SAMPLE_WARNING]
    assert len(lines) == len(BROKEN)
    for relative, (_, line, words) in BROKEN.items():
        [found] = [x for x in lines if x.startswith(f"content/{relative}:{line}: ")]
        assert words in found
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == "12 stories published, 5 problems"


def test_check_is_clean_on_the_sample_site(tmp_path: Path) -> None:
    root = tmp_path / "clean"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "config.yaml", root / "config.yaml")
    result = run_check(root)
    # One warning: the sample's podcast episode is its WAV clip, which Apple and Spotify do
    # not play (README, Podcasts); a warning publishes, and check exits 0.
    assert (result.returncode, result.stdout) == (0, SAMPLE_WARNING + "\n")
    assert result.stderr.strip() == "12 stories published, 0 problems"


def test_check_reports_a_broken_config(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "config.yaml").write_text("title: A\nfeed_size: many\n")
    result = run_check(tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("config.yaml:2: feed_size: ")


def test_serve_refuses_a_broken_config_with_a_clean_message(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "config.yaml").write_text("colour: blue\n")
    result = subprocess.run([sys.executable, "-m", "feeds", "serve", "--root", str(tmp_path),
                             "--port", str(free_port())], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("feeds: config.yaml:1: unknown key: remove it")
    assert "Traceback" not in result.stderr


def test_the_feeds_keep_every_good_story(
    broken_site: tuple[Path, int], serve: Callable[..., Server]
) -> None:
    server = serve(*broken_site)
    for path in ("/rss.xml", "/atom.xml"):
        status, headers, body = server.get(path)
        assert status == 200
        assert len(feedparser.parse(body).entries) == 12
    assert len(json.loads(server.get("/feed.json")[2])["items"]) == 12
    health = json.loads(server.get("/healthz")[2])
    assert health["status"] == "problems"
    assert health["stories"] == 12
    assert {(p["file"], p["line"]) for p in health["problems"]} == {
        (f"content/{relative}", line) for relative, (_, line, _) in BROKEN.items()
    }
    assert server.get("/world/bad-yaml/")[0] == 404
