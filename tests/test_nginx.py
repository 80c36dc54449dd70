"""A build served by a real nginx with the generated config answers as feeds serve does."""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest

from feeds.cli import main

from .conftest import Server, free_port, story_text, write_config, write_story
from .proxies import fetch, start_nginx
from .sites import DOCUMENTS, GONE, MISSING, REDIRECTS, change_news, write_news

pytestmark = pytest.mark.e2e  # real processes (see SERVER_FIXTURES in conftest.py)

SAME = ("content-type", "cache-control", "x-content-type-options", "content-security-policy",
        "content-encoding")


def test_nginx_serving_a_build_answers_as_the_server_does(
        site: Path, serve: Callable[..., Server], tmp_path: Path) -> None:
    port = free_port()
    write_news(site, f"http://127.0.0.1:{port}/", cache_s_maxage=3600,
               cache_stale_if_error=86400)
    origin = serve(site)
    change_news(site)
    deadline = time.monotonic() + 20
    while origin.get("/africa/story-5/")[0] != 410:  # the changes are published
        assert time.monotonic() < deadline
        time.sleep(0.05)
    out, conf = tmp_path / "public", tmp_path / "site.conf"
    assert main(["build", "--root", str(site), "--out", str(out), "--nginx-conf", str(conf)]) == 0
    nginx = start_nginx(tmp_path, port, conf)
    try:
        for path in [*DOCUMENTS, "/world/photo.png", "/static/style.css", "/static/follow.js"]:
            for coding in ({}, {"Accept-Encoding": "gzip"}):
                want, got = origin.get(path, coding), fetch(nginx.base, path, coding)
                assert (got[0], got[2]) == (want[0], want[2]), (path, coding)
                for name in SAME:
                    assert got[1].get(name) == want[1].get(name), (path, name)
            if path.startswith(("/world/photo", "/static/")):
                continue
            assert got[1]["last-modified"] == want[1]["last-modified"], path
            assert "Accept-Encoding" in got[1]["vary"]
            for check in ({"If-None-Match": got[1]["etag"]},
                          {"If-Modified-Since": got[1]["last-modified"]}):
                status, _, body = fetch(nginx.base, path, {**check, "Accept-Encoding": "gzip"})
                assert (status, body) == (304, b""), (path, check)
        for path, (status, location) in REDIRECTS.items():
            got = fetch(nginx.base, path)
            assert (got[0], got[1]["location"]) == (status, location), path
            assert origin.get(path)[1]["location"] == location
        for path in [*GONE, *MISSING]:
            want, got = origin.get(path), fetch(nginx.base, path)
            assert (got[0], got[2]) == (want[0], want[2]), path
            assert got[1]["content-type"] == want[1]["content-type"], path
        assert fetch(nginx.base, "/rss.xml", method="HEAD")[0] == 200
        assert fetch(nginx.base, "/rss.xml", method="POST")[0] == 405
    finally:
        nginx.stop()


# File names a writer's system can give a story: spaces, every script, both Unicode forms,
# URL punctuation, quotes, and names that differ only in case.
ODD = ["space name", "ünïcode", unicodedata.normalize("NFD", "ünïcode"), "semi;colon",
       "per%cent", "hash#tag", "what?", "plus+sign", "and&amp", "quote'single",
       'quote"double', "Case", "case", "Report"]


def _site_paths(out: Path) -> list[str]:
    """Return the URL path of every document a build wrote (decoded)."""
    found = []
    for file in sorted(out.rglob("*")):
        name = file.relative_to(out).as_posix()
        if (not file.is_file() or name.endswith(".gz") or name.startswith(("_feeds/", "static/"))
                or name.endswith(".png")):
            continue
        found.append("/" + (name[: -len("index.html")] if name.endswith("index.html") else name))
    return found


def _same(origin: Server, nginx: str, paths: list[str]) -> None:
    for path in paths:
        url = quote(path, safe="/")
        want, got = origin.get(url), fetch(nginx, url)
        assert got[0] == want[0], path
        if got[0] in (301, 302, 307, 308):  # (nginx words the body of a redirect its way)
            assert got[1]["location"] == want[1]["location"], path
        else:
            assert got[2] == want[2], path


def test_odd_names_case_renames_and_an_old_config_are_served_as_the_server_does(
        site: Path, serve: Callable[..., Server], tmp_path: Path) -> None:
    port = free_port()
    write_config(site, f"http://127.0.0.1:{port}/", feed_size=2)
    for n, name in enumerate(ODD):
        write_story(site, f"odd/{name}.md", story_text(f"Odd {n}", f"2025-11-{n + 1:02}",
                                                        id=f'"urn:odd:{n}"'))
    write_story(site, "odd/aliased.md", story_text(
        "Aliased", "2025-11-20", id='"urn:odd:a"', aliases="[/News/, /RSS.xml]"))
    origin = serve(site)
    out, old_conf = tmp_path / "public", tmp_path / "old.conf"
    build = ["build", "--root", str(site), "--out", str(out)]
    assert main([*build, "--nginx-conf", str(old_conf)]) == 0
    assert {"aliased", *ODD} <= set(os.listdir(out / "odd"))  # every page written
    nginx = start_nginx(tmp_path / "one", port, old_conf)
    try:
        _same(origin, nginx.base, _site_paths(out))
        _same(origin, nginx.base, ["/RSS.xml", "/News/", "/News", "/news/", "/ODD/case/",
                                   "/odd/CASE/", "/odd/space name", "/odd/report/"])
        assert fetch(nginx.base, "/rss.xml")[0] == 200  # not the alias /RSS.xml's 301
        # A case-only rename, a removed story with aliases, and a new archive page filled.
        (site / "content/odd/Report.md").rename(site / "content/odd/report.md")
        (site / "content/odd/aliased.md").unlink()
        for n in range(3):
            write_story(site, f"odd/new-{n}.md", story_text(  # (with ids: none written
                f"New {n}", f"2025-12-0{n + 1}", id=f'"urn:odd:new-{n}"'))  # back meanwhile)
        deadline = time.monotonic() + 20
        while (origin.get("/RSS.xml")[0] != 410 or origin.get("/odd/report/")[0] != 200
               or any(origin.get(f"/odd/new-{n}/")[0] != 200 for n in range(3))):
            assert time.monotonic() < deadline  # every change published before the build
            time.sleep(0.05)
        # The config written before this build still serves every document it wrote, the
        # new archive page included (its rule said 307 to the feed).
        assert main(build) == 0
        _same(origin, nginx.base, _site_paths(out))
    finally:
        nginx.stop()
    new_conf = tmp_path / "new.conf"
    assert main([*build, "--nginx-conf", str(new_conf)]) == 0
    nginx = start_nginx(tmp_path / "two", port, new_conf)
    try:
        _same(origin, nginx.base, _site_paths(out))
        _same(origin, nginx.base, ["/RSS.xml", "/rss.xml", "/News/", "/odd/Report/",
                                   "/odd/report/", "/odd/report", "/ODD/case/", "/odd/CASE/"])
        assert fetch(nginx.base, "/odd/Report/")[0] == 301
        assert fetch(nginx.base, "/odd/report/")[0] == 200
    finally:
        nginx.stop()
