"""No story file name, alias, redirect or ``feeds new`` takes over a URL the site answers
itself: the route table's shapes say which, and each claim is a problem with its file and line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from feeds.errors import ConfigError
from feeds.site.config import load_settings
from feeds.site.urlspace import claim_problem, own_url

from .conftest import Published, Server, free_port, story_text, write_config, write_story
from .sites import PNG

OWN = ["/healthz", "/static/style.css", "/static/follow.js", "/feeds.opml", "/rss.xml",
       "/atom.xml", "/feed.json", "/page/2/", "/archive/1.xml", "/world/rss.xml",
       "/world/archive/3.xml", "/world/page/2/", "/tags/x/", "/tags/x/rss.xml", "/authors/y/",
       "/tags/", "/"]


@pytest.mark.parametrize("path", OWN)
def test_the_route_table_names_each_of_the_sites_own_urls(path: str) -> None:
    assert own_url(path) is not None


@pytest.mark.parametrize("path", ["/world/", "/world/story/", "/2019/05/old/", "/healthz/x/",
                                  "/archive/", "/world/archive/", "/page/", "/rss/"])
def test_a_story_may_have_any_other(path: str) -> None:
    assert own_url(path) is None


@pytest.mark.parametrize("name", ["healthz", "feeds.opml", "rss.xml", "world/atom.xml",
                                  "static/style", "page/2", "tags/x", "authors/y/z"])
def test_a_story_file_named_like_one_is_refused(name: str) -> None:
    assert "one of the site's own URLs" in str(claim_problem(name))


@pytest.fixture
def claiming(site: Path, publish: Callable[..., Published]) -> Published:
    (site / "content/world").mkdir(parents=True)
    (site / "content/world/photo.png").write_bytes(PNG)
    write_story(site, "world/photo.md", story_text("Photo", "2025-11-01T10:00",
                                                   id='"urn:x:p"', image="photo.png"))
    write_story(site, "world/taker.md", story_text(
        "Taker", "2025-11-02T10:00", id='"urn:x:t"',
        aliases="[/2019/taker/, /healthz, /static/style.css, /world/photo.png]"))
    write_story(site, "healthz.md", story_text("Health", "2025-11-03T10:00", id='"urn:x:h"'))
    return publish(site)


def test_a_claim_is_a_problem_with_its_file_and_line(claiming: Published) -> None:
    problems = {(p.source, p.line): p.message for p in claiming.publisher.problem_list()}
    assert "/healthz is one of the site's own URLs (the server's health report)" in problems[
        ("content/world/taker.md", 5)]
    assert "its page /healthz/ is one of the site's own URLs" in problems[
        ("content/healthz.md", None)]


def test_the_site_keeps_its_own_urls(claiming: Published) -> None:
    health = claiming.get("/healthz")
    assert health.status_code == 200 and "status" in json.loads(health.data)
    assert claiming.get("/static/style.css").headers["Content-Type"].startswith("text/css")
    assert claiming.get("/world/photo.png").data == PNG


def test_a_claim_recorded_before_is_never_answered(site: Path,
                                                   publish: Callable[..., Published]) -> None:
    """A catalogue written before claims were refused holds the alias: it answers nothing."""
    write_story(site, "taker.md", story_text("Taker", "2025-11-02T10:00", id='"urn:x:t"'))
    published = publish(site)
    db = published.publisher.db
    for path in ("/healthz", "/static/style.css", "/rss.xml", "/page/2"):
        db.execute("INSERT INTO paths VALUES (?, 'urn:x:t', 1)", (path,))
    published.worker.documents.reset(published.worker.documents.version)
    assert published.get("/healthz").status_code == 200
    assert published.get("/static/style.css").status_code == 200
    assert published.get("/page/2/").status_code == 404
    (site / "content/taker.md").unlink()
    published.sync()
    assert published.get("/healthz").status_code == 200  # never 410


def test_a_redirect_cannot_take_one(site: Path) -> None:
    write_config(site, redirects="{/healthz: /world/}")
    with pytest.raises(ConfigError, match="/healthz is one of the site's own URLs"):
        load_settings(site)


def test_feeds_new_refuses_one(site: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "feeds", "new", "healthz", "--root", str(site)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "content/healthz.md: its page /healthz/ is one of the site's own URLs" in done.stderr
    assert not (site / "content/healthz.md").exists()


def test_the_real_server_and_its_probe_keep_healthz(site: Path,
                                                    serve: Callable[..., Server]) -> None:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    write_story(site, "a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"',
                                         aliases="[/healthz, /static/style.css]"))
    server = serve(site, port=port)
    status, headers, body = server.get("/healthz")
    assert status == 200 and headers["content-type"] == "application/json"
    assert server.get("/static/style.css")[0] == 200
