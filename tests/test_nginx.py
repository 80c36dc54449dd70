"""A build served by a real nginx with the generated config answers as feeds serve does."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from feeds.cli import main

from .conftest import Server, free_port
from .proxies import fetch, start_nginx
from .sites import DOCUMENTS, GONE, MISSING, REDIRECTS, change_news, write_news

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
