"""The per-request hook of feeds serve --metrics, in-process: route kinds from the URL table,
bytes as sent, counts kept per thread and flushed once, exactly, into the counters."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client import Counter

from feeds.metrics import PublicationTimes, read_publications
from feeds.web.metrics import Flusher, RequestMetrics

from .conftest import Published, story_text, write_story


@pytest.fixture
def counted(site: Path, publish: Callable[..., Published]) -> tuple[Published, RequestMetrics]:
    """A small site published in-process, its worker's app counting each request."""
    _site(site)
    published = publish(site)
    app = published.app
    counting = RequestMetrics(app.wsgi_app, published.worker)
    app.wsgi_app = counting  # type: ignore[method-assign]
    return published, counting


def _requests(counting: RequestMetrics) -> dict[tuple[str, str], int]:
    total: dict[tuple[str, str], int] = {}
    for tally in counting.tallies:
        for (status, kind), count in tally.requests.items():
            total[(status[:3], kind)] = total.get((status[:3], kind), 0) + count
    return total


def _sent(counting: RequestMetrics) -> dict[str, int]:
    total: dict[str, int] = {}
    for tally in counting.tallies:
        for kind, count in tally.sent.items():
            total[kind] = total.get(kind, 0) + count
    return total


def _site(site: Path) -> None:
    write_story(site, "world/a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"',
                                               image="chart.png"))
    write_story(site, "about.md", story_text("About", "2025-11-01T09:00", id='"urn:x:about"'))
    (site / "content" / "world" / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 100)


def test_each_request_is_counted_under_its_route_kind(
        counted: tuple[Published, RequestMetrics]) -> None:
    published, counting = counted
    client = published.client
    expected = {"/rss.xml": ("200", "feed"), "/world/atom.xml": ("200", "feed"),
                "/world/": ("200", "page"), "/about/": ("200", "story"),
                "/world/a/": ("200", "story"), "/feeds.opml": ("200", "opml"),
                "/healthz": ("200", "health"), "/static/style.css": ("200", "other"),
                "/world/chart.png": ("200", "media"), "/nowhere/": ("404", "story"),
                "/metrics": ("404", "other"), "/archive/1.xml": ("404", "archive")}
    for path in expected:
        assert str(client.get(path).status_code) == expected[path][0], path
    counts = _requests(counting)
    for path, key in expected.items():
        assert counts.get(key, 0) >= 1, (path, key)
    assert sum(counts.values()) == len(expected)
    assert counts[("200", "story")] == 2 and counts[("200", "feed")] == 2


def test_bytes_are_the_bodies_sent_and_none_for_304_or_head(
        counted: tuple[Published, RequestMetrics]) -> None:
    published, counting = counted
    client = published.client
    feed = client.get("/rss.xml", headers={"Accept-Encoding": "gzip"})
    zipped = len(feed.data)
    assert client.get("/rss.xml", headers={"If-None-Match": feed.headers["ETag"],
                                           "Accept-Encoding": "gzip"}).status_code == 304
    assert client.head("/rss.xml").status_code == 200
    media = client.get("/world/chart.png")
    media_len = len(media.data)
    media.close()
    assert client.head("/world/chart.png").status_code == 200
    missing = len(client.get("/nowhere/").data)
    sent = _sent(counting)
    assert sent["feed"] == zipped
    assert sent["media"] == media_len == 108
    assert sent["story"] == missing


def test_counts_from_many_threads_are_flushed_once_and_exactly(
        counted: tuple[Published, RequestMetrics], tmp_path: Path) -> None:
    published, counting = counted
    flusher = Flusher(counting, tmp_path)
    client_app = published.app

    def poll() -> None:
        client = client_app.test_client()
        for _ in range(50):
            assert client.get("/rss.xml").status_code == 200

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(counting.tallies) == 4  # one tally per request thread
    flusher.flush()
    flusher.flush()  # a second flush adds nothing new
    child: Counter = flusher.requests.labels("200", "feed")  # type: ignore[assignment]
    assert child._value.get() == 200  # type: ignore[attr-defined]
    hits = flusher.hits._value.get()  # type: ignore[attr-defined]
    assert 196 <= hits <= 199  # (the first of each thread may come before it was hot)
    assert flusher.misses._value.get() == 1  # type: ignore[attr-defined] # rendered once
    assert flusher.cache.labels("documents")._value.get() > 0  # type: ignore[attr-defined]


def test_a_publication_is_timed_from_its_first_notice(
        counted: tuple[Published, RequestMetrics], tmp_path: Path) -> None:
    published, counting = counted
    publisher = published.publisher
    hook = PublicationTimes(publisher, tmp_path)
    publisher.hooks.append(hook)
    flusher = Flusher(counting, tmp_path)
    write_story(published.root, "world/b.md", story_text("B", "2025-11-02T10:00", id='"urn:x:b"'))
    publisher.noticed = 1.0e9  # (what Loop sets from the scanner while it publishes)
    try:
        published.sync()
    finally:
        publisher.noticed = None
    version = max(read_publications(tmp_path))
    assert read_publications(tmp_path)[version] == 1.0e9
    assert hook.histogram._sum.get() > 0  # type: ignore[attr-defined]
    flusher.flush()
    assert flusher.latency._sum.get() > 0  # type: ignore[attr-defined]
    served = sum(b.get() for b in flusher.latency._buckets)  # type: ignore[attr-defined]
    assert served == 1
    flusher.flush()  # observed once, however often flushed
    assert sum(b.get() for b in flusher.latency._buckets) == 1  # type: ignore[attr-defined]
