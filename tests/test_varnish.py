"""feeds serve behind a real Varnish with the README's VCL: hits, 304s, gzip, purges, stale."""

from __future__ import annotations

import gzip
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import Server, free_port, story_text, write_config, write_story
from .proxies import Proxy, fetch, program, start_varnish

pytestmark = pytest.mark.e2e  # real processes (see SERVER_FIXTURES in conftest.py)

FEEDS = ["/rss.xml", "/atom.xml", "/feed.json", "/world/rss.xml", "/tags/defence/atom.xml"]
STORM = 2000


def is_hit(headers: dict[str, str]) -> bool:
    """Tell a Varnish hit: its X-Varnish names this request and the one that fetched it."""
    return len(headers.get("x-varnish", "").split()) == 2


@pytest.fixture
def behind(site: Path, serve: Callable[..., Server],
           tmp_path: Path) -> Iterator[Callable[..., tuple[Server, Proxy]]]:
    """Serve a small site through Varnish: the origin on one port, Varnish on another."""
    started: list[Proxy] = []

    def _start(**config: object) -> tuple[Server, Proxy]:
        port, origin = free_port(), free_port()
        write_config(site, base_url=f"http://127.0.0.1:{port}/",
                     purge=f"[http://127.0.0.1:{port}/]", **config)
        for n, section in enumerate(("world", "africa", "world")):
            write_story(site, f"{section}/s{n}.md", story_text(
                f"Story {n}", f"2025-11-0{n + 1}", tags="[defence]", id=f'"urn:x:{n}"'))
        server = serve(site, port=origin)
        proxy = start_varnish(tmp_path, port, origin)
        started.append(proxy)
        return server, proxy

    yield _start
    for proxy in started:
        proxy.stop()


def test_a_poll_storm_is_answered_by_varnish(behind: Callable[..., tuple[Server, Proxy]]) -> None:
    _, varnish = behind(cache_s_maxage=86400)
    etags = {path: fetch(varnish.base, path, {"Accept-Encoding": "gzip"})[1]["etag"]
             for path in FEEDS}

    def poll(n: int) -> bool:
        path = FEEDS[n % len(FEEDS)]
        headers = {"Accept-Encoding": "gzip"} if n % 3 else {}
        if n % 2:
            headers["If-None-Match"] = etags[path]
        status, answer, _ = fetch(varnish.base, path, headers)
        assert status in (200, 304)
        return is_hit(answer)

    with ThreadPoolExecutor(16) as pool:
        hits = sum(pool.map(poll, range(STORM)))
    assert hits / STORM >= 0.99, f"{hits} hits of {STORM}"


def test_gzip_and_304s_through_varnish(behind: Callable[..., tuple[Server, Proxy]]) -> None:
    origin, varnish = behind(cache_s_maxage=86400)
    for path in [*FEEDS, "/", "/world/s0/", "/feeds.opml"]:
        body = origin.get(path)[2]
        status, zipped, packed = fetch(varnish.base, path, {"Accept-Encoding": "gzip"})
        assert status == 200 and zipped["content-encoding"] == "gzip"
        assert gzip.decompress(packed) == body
        assert zipped["vary"] == "Accept-Encoding" and "xkey" not in zipped
        status, plain, same = fetch(varnish.base, path)
        assert status == 200 and same == body and "content-encoding" not in plain
        for answer, coding in ((zipped, {"Accept-Encoding": "gzip"}), (plain, {})):
            status, headers, empty = fetch(varnish.base, path,
                                           {**coding, "If-None-Match": answer["etag"]})
            assert (status, empty) == (304, b"") and is_hit(headers)
            status, _, _ = fetch(varnish.base, path,
                                 {**coding, "If-Modified-Since": answer["last-modified"]})
            assert status == 304


def test_a_publication_is_visible_through_varnish_within_a_second(
        site: Path, behind: Callable[..., tuple[Server, Proxy]]) -> None:
    _, varnish = behind(cache_s_maxage=86400)
    shows = {"/rss.xml": b"Fresh news", "/world/": b"Fresh news", "/world/new/": b"Fresh news",
             "/tags/defence/feed.json": b"Fresh news", "/sitemap-1.xml": b"/world/new/</loc>"}
    for _ in range(2):
        for path in shows:
            fetch(varnish.base, path)
    assert is_hit(fetch(varnish.base, "/rss.xml")[1]) and is_hit(fetch(varnish.base, "/world/")[1])
    assert is_hit(fetch(varnish.base, "/sitemap-1.xml")[1])
    written = time.monotonic()
    write_story(site, "world/new.md", story_text("Fresh news", "2025-11-09", tags="[defence]"))
    waits = {}
    for path, marker in shows.items():
        while marker not in fetch(varnish.base, path)[2]:
            assert time.monotonic() - written < 5, f"{path} still shows the old version"
            time.sleep(0.01)
        waits[path] = time.monotonic() - written
    assert max(waits.values()) <= 1.0, waits


def test_feeds_are_served_stale_while_the_origin_is_down(
        behind: Callable[..., tuple[Server, Proxy]]) -> None:
    origin, varnish = behind(cache_s_maxage=1, cache_stale_if_error=3600)
    bodies = {path: fetch(varnish.base, path)[2] for path in FEEDS}
    fetched = time.monotonic()
    while time.monotonic() - fetched < 1.5:  # until every copy is past its s-maxage
        time.sleep(0.05)
    origin.stop()
    # At once (Varnish's probe has not noticed yet: each fetch fails, then the stale copy
    # answers), and once the probe has marked the origin sick (the copy answers directly).
    for _ in range(2):
        for path, body in bodies.items():
            status, headers, again = fetch(varnish.base, path)
            assert (status, again) == (200, body), path
            assert int(headers["age"]) >= 1 and is_hit(headers)
        deadline = time.monotonic() + 10
        while b"sick" not in varnish_backends(varnish):
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert fetch(varnish.base, "/never-cached.xml")[0] == 503  # nothing kept: nothing to serve


def varnish_backends(varnish: Proxy) -> bytes:
    """Return what varnishadm says of the backends' health."""
    workdir = varnish.log.parent / "varnish"
    return subprocess.run([program("varnishadm"), "-n", str(workdir), "backend.list"],
                          capture_output=True, timeout=10, check=False).stdout


def test_a_copy_revalidated_with_a_304_is_still_purged(
        site: Path, behind: Callable[..., tuple[Server, Proxy]]) -> None:
    # The origin's 304s leave the surrogate keys out (they would add a kilobyte to each
    # poll); Varnish keeps the keys of the copy it revalidates, so a purge still finds it.
    origin, varnish = behind(cache_s_maxage=3, cache_stale_if_error=3600)
    status, headers, _ = origin.get("/rss.xml")
    assert status == 200 and "g:site:" in headers["xkey"]
    status, headers, _ = origin.get("/rss.xml", {"If-None-Match": headers["etag"]})
    assert status == 304 and "xkey" not in headers
    etag = fetch(varnish.base, "/rss.xml")[1]["etag"]
    stored = time.monotonic()
    while time.monotonic() - stored < 3.2:  # until the copy is past its s-maxage
        time.sleep(0.05)
    revalidated = fetches_304(varnish)
    status, headers, _ = fetch(varnish.base, "/rss.xml")  # fetched again: the origin's 304
    assert status == 200 and headers["etag"] == etag and int(headers.get("age", "0")) < 3
    assert fetches_304(varnish) == revalidated + 1, "Varnish did not revalidate its copy"
    written = time.monotonic()
    write_story(site, "world/new.md", story_text("Fresh news", "2025-11-09"))
    while b"Fresh news" not in fetch(varnish.base, "/rss.xml")[2]:
        assert time.monotonic() - written < 1.5, "the revalidated copy was not purged"
        time.sleep(0.01)


def fetches_304(varnish: Proxy) -> int:
    """Return how many of Varnish's backend fetches were answered 304 (a copy revalidated)."""
    workdir = varnish.log.parent / "varnish"
    out = subprocess.run([program("varnishstat"), "-n", str(workdir), "-1", "-f",
                          "MAIN.fetch_304"], capture_output=True, timeout=10, check=True,
                         text=True).stdout
    return int(out.split()[1])


def varnish_counter(varnish: Proxy, name: str) -> int:
    """Return one of varnishstat's counters (MAIN.backend_req, MAIN.n_object...)."""
    workdir = varnish.log.parent / "varnish"
    out = subprocess.run([program("varnishstat"), "-n", str(workdir), "-1", "-f", name],
                         capture_output=True, timeout=10, check=True, text=True).stdout
    return int(out.split()[1])


def test_query_strings_share_one_object(behind: Callable[..., tuple[Server, Proxy]]) -> None:
    """The origin ignores query strings; so does the cache: 300 polls of /rss.xml?utm=N were
    300 origin fetches and 300 objects."""
    _, varnish = behind(cache_s_maxage=86400)
    body = fetch(varnish.base, "/rss.xml", {"Accept-Encoding": "gzip"})[2]
    fetched, objects = (varnish_counter(varnish, "MAIN.backend_req"),
                        varnish_counter(varnish, "MAIN.n_object"))
    for n in range(300):
        status, headers, again = fetch(varnish.base, f"/rss.xml?utm={n}&x={n}",
                                       {"Accept-Encoding": "gzip"})
        assert (status, again) == (200, body) and is_hit(headers), n
    assert varnish_counter(varnish, "MAIN.backend_req") == fetched
    assert varnish_counter(varnish, "MAIN.n_object") == objects


def test_a_404_is_kept_seconds_not_the_whole_s_maxage(
        behind: Callable[..., tuple[Server, Proxy]]) -> None:
    _, varnish = behind(cache_s_maxage=86400)
    assert fetch(varnish.base, "/nothing-here/")[0] == 404
    status, headers, _ = fetch(varnish.base, "/nothing-here/")
    assert status == 404 and is_hit(headers)  # a burst costs the origin one request
    stored = time.monotonic()
    while is_hit(fetch(varnish.base, "/nothing-here/")[1]):
        assert time.monotonic() - stored < 15, "the 404 outlived 10 s"
        time.sleep(0.2)
    assert time.monotonic() - stored > 5
