"""Purging shared caches: the changed keys, at every cache, once per change, never in the way."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from feeds.documents.surrogates import purge_keys, surrogate
from feeds.outbound.purge import BATCH_CHARS, CachePurge, batches

from .conftest import Published, story_text, write_config, write_story

WAIT = 10.0


class Cache:
    """A cache's purge endpoint on loopback: records each request, fails the first few."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.fail_first = 0
        cache = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                if cache.fail_first > 0:
                    cache.fail_first -= 1
                    self.send_response(503)
                else:
                    cache.requests.append((self.command,
                                           {k.lower(): v for k, v in self.headers.items()}))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PURGE = do_POST = _any  # noqa: N815 - http.server's naming

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keys(self) -> list[set[str]]:
        return [set(headers.get("xkey", "").split()) for _, headers in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cache() -> Iterator[Cache]:
    found = Cache()
    yield found
    found.close()


def until(check: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    assert check()


def _site(site: Path, *caches: str) -> None:
    targets = "".join(f"\n  - {url}" for url in caches)
    write_config(site, purge=targets or "[]")
    write_story(site, "world/a.md", story_text("A", "2025-11-01", id='"urn:x:a"', tags="[x]"))


def test_each_publication_purges_its_keys_at_every_cache_once(
        site: Path, publish: Callable[..., Published], cache: Cache) -> None:
    other = Cache()
    try:
        _site(site, cache.url, other.url)
        hook = CachePurge(site, delay=0.05, first_retry=0.1)
        published = publish(site, on_commit=[hook])
        write_story(site, "world/b.md", story_text("B", "2025-11-02", id='"urn:x:b"'))
        changed = published.sync()
        expected = set(purge_keys(changed, lambda ids: {"site:", "section:world",
                                                        "author:test-desk"}))
        assert surrogate("story:urn:x:b") in expected and "g:section:world" in expected
        until(lambda: len(cache.requests) == 1 and len(other.requests) == 1)
        assert cache.requests[0][0] == "PURGE"
        assert cache.keys() == other.keys() == [expected]
        write_story(site, "world/c.md", story_text("C", "2025-11-03", id='"urn:x:c"'))
        published.sync()  # a later change: its purge comes after any repeat of the first
        until(lambda: len(cache.requests) >= 2 and len(other.requests) >= 2)
        assert len(cache.requests) == len(other.requests) == 2, "once per change"
        assert surrogate("story:urn:x:c") in cache.keys()[1]
        assert surrogate("story:urn:x:b") not in cache.keys()[1]
    finally:
        other.close()


def test_a_failing_cache_is_retried_and_commits_close_together_go_together(
        site: Path, publish: Callable[..., Published], cache: Cache) -> None:
    _site(site, cache.url)
    hook = CachePurge(site, delay=0.3, first_retry=0.1)
    published = publish(site, on_commit=[hook])
    cache.fail_first = 2
    write_story(site, "world/b.md", story_text("B", "2025-11-02", id='"urn:x:b"'))
    first = published.sync()
    write_story(site, "world/a.md", story_text("A", "2025-11-01", id='"urn:x:a"', tags="[y]"))
    second = published.sync()
    until(lambda: len(cache.requests) == 1)
    assert cache.fail_first == 0, "it failed twice, then got through"
    assert cache.keys()[0] >= {surrogate(key) for key in first | second}


def test_a_cache_that_hangs_never_slows_publishing(
        site: Path, publish: Callable[..., Published], cache: Cache) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections and never answers
    try:
        _site(site, f"http://127.0.0.1:{silent.getsockname()[1]}/", cache.url)
        published = publish(site, on_commit=[CachePurge(site, delay=0.0, first_retry=0.1)])
        for n in range(5):
            write_story(site, f"world/n{n}.md", story_text(f"N{n}", "2025-11-02"))
            started = time.monotonic()
            published.sync()
            assert time.monotonic() - started < 1.0
            until(lambda n=n: len(cache.requests) == n + 1)  # the other cache is not held up
    finally:
        silent.close()


def test_extra_headers_and_large_purges(site: Path, publish: Callable[..., Published],
                                        cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PURGE_TOKEN", "s3cret")
    targets = f"\n  - {{url: '{cache.url}', method: POST, headers: {{Token: '${{PURGE_TOKEN}}'}}}}"
    write_config(site, purge=targets, surrogate_key_header="Surrogate-Key")
    write_story(site, "world/a.md", story_text("A", "2025-11-01"))
    published = publish(site, on_commit=[CachePurge(site, delay=0.0)])
    write_story(site, "world/b.md", story_text("B", "2025-11-02"))
    published.sync()
    until(lambda: len(cache.requests) == 1)
    method, headers = cache.requests[0]
    assert method == "POST" and headers["token"] == "s3cret" and "surrogate-key" in headers
    keys = [f"s:{n:012x}" for n in range(1000)]
    split = batches(keys)
    assert all(len(value) <= BATCH_CHARS for value in split)
    assert " ".join(split).split() == keys
