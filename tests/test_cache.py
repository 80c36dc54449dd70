"""Hot documents: a byte budget, least recently used out first, drops by key, one rendering."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from feeds.web import cache as cache_module
from feeds.web.cache import KEY_COST, OVERHEAD, HotDocuments

from .conftest import Published, story_text, write_config, write_story


def test_the_budget_holds_and_the_least_recently_used_go_first() -> None:
    cache: HotDocuments[str] = HotDocuments(10 * (1000 + OVERHEAD + KEY_COST))
    for n in range(10):
        assert cache.put(f"/{n}", f"doc {n}", {f"story:{n}"}, 1000, version=0)
    assert cache.get("/0") == "doc 0"  # used: it gets a second chance
    cache.put("/new", "new", {"story:new"}, 1000, version=0)
    assert cache.size <= cache.budget
    assert cache.get("/0") == "doc 0"
    assert cache.get("/1") is None  # the oldest unused one went
    assert cache.get("/new") == "new"


def test_a_document_larger_than_a_quarter_of_the_budget_is_served_but_not_kept() -> None:
    cache: HotDocuments[str] = HotDocuments(4000)
    assert not cache.put("/big", "big", set(), 2000, version=0)
    assert cache.get("/big") is None and len(cache) == 0


def test_a_new_version_drops_exactly_the_documents_that_read_its_keys() -> None:
    cache: HotDocuments[str] = HotDocuments(1 << 20)
    cache.apply(1, set())
    cache.put("/rss.xml", "site", {"settings", "group:site:", "story:a"}, 10, version=1)
    cache.put("/tags/x/rss.xml", "tag", {"settings", "group:tag:x", "story:b"}, 10, version=1)
    cache.put("/a/", "page", {"settings", "path:a", "story:a"}, 10, version=1)
    assert cache.apply(2, {"story:a"}) == 2
    assert cache.get("/tags/x/rss.xml") == "tag"
    assert cache.get("/rss.xml") is None and cache.get("/a/") is None
    assert cache.apply(3, {"settings"}) == 1
    assert len(cache) == 0 and cache.size == 0


def test_a_rendering_that_raced_a_newer_version_is_not_kept() -> None:
    cache: HotDocuments[str] = HotDocuments(1 << 20)
    cache.apply(5, set())
    assert not cache.put("/rss.xml", "stale", {"group:site:"}, 10, version=4)
    assert cache.put("/rss.xml", "fresh", {"group:site:"}, 10, version=5)


class _CountedFlight(cache_module._Flight):
    """A flight whose ``done`` counts the threads waiting on it."""

    def __init__(self) -> None:
        super().__init__()
        self.done = _CountedEvent()


class _CountedEvent(threading.Event):
    def __init__(self) -> None:
        super().__init__()
        self.waiting = 0
        self._count = threading.Lock()

    def wait(self, timeout: float | None = None) -> bool:
        with self._count:
            self.waiting += 1
        return super().wait(timeout)


def test_many_requests_for_a_cold_document_render_it_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "_Flight", _CountedFlight)
    cache: HotDocuments[str] = HotDocuments(1 << 20)
    calls: list[int] = []
    started, arrived = threading.Event(), threading.Event()

    def render() -> str:
        calls.append(1)
        started.set()
        assert arrived.wait(10)  # a slow rendering: the other requests arrive meanwhile
        return "document"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.once("/x", render)))
               for _ in range(8)]
    threads[0].start()
    assert started.wait(5)
    for thread in threads[1:]:
        thread.start()
    done = cache._flights["/x"].done
    assert isinstance(done, _CountedEvent)
    deadline = time.monotonic() + 10
    while done.waiting < 7:  # every other request waits on the one rendering
        assert time.monotonic() < deadline, f"{done.waiting} of 7 requests waited"
        time.sleep(0.01)
    arrived.set()
    for thread in threads:
        thread.join(timeout=10)
    assert results == ["document"] * 8
    assert calls == [1]


def test_a_crawler_walking_every_page_stays_within_the_worker_budget(
        site: Path, publish: Callable[..., Published]) -> None:
    write_config(site, document_cache_mb=1)
    body = "A paragraph of text that makes each page weigh something. " * 40
    for n in range(600):
        write_story(site, f"s/{n:04}.md", story_text(f"Story {n}", "2025-11-01", body))
    published = publish(site)
    documents = published.worker.documents
    for n in range(600):
        assert published.get(f"/s/{n:04}/").status_code == 200
        assert documents.size <= 1 << 20
    assert 0 < len(documents) < 600
    assert published.get("/s/0599/").status_code == 200


def test_one_budget_counts_what_every_cache_really_holds(
        site: Path, publish: Callable[..., Published]) -> None:
    """What went wrong: 32,000 small documents grew a worker by three times its setting,
    because headers, keys, story HTML and feed entries were not counted. Measured with
    tracemalloc: once the caches are full, serving more distinct documents leaves what
    Python holds within the budget (and a little)."""
    import gc
    import tracemalloc

    from bench.memory import documents, write_site

    write_site(site, 150, 1)
    published = publish(site)
    worker = published.worker
    paths = documents(150)
    ours = [tracemalloc.Filter(True, "*/feeds/*", all_frames=True)]  # (not pytest's own)

    def held() -> int:
        gc.collect()
        return sum(t.size for t in tracemalloc.take_snapshot().filter_traces(ours).traces)

    tracemalloc.start(12)
    try:
        start = held()
        for path in paths[:300]:
            assert published.client.get(path, headers={"Accept-Encoding": "gzip"}).status_code \
                == 200
        memory = worker.memory()
        assert memory["documents"] >= 0.9 * memory["documents_budget"], "the cache filled"
        full = held()
        for path in paths[300:]:
            published.client.get(path, headers={"Accept-Encoding": "gzip"})
        end = held()
    finally:
        tracemalloc.stop()
    budget = 1 << 20
    assert worker.memory()["held"] <= budget
    assert full - start <= 1.5 * budget, f"held {(full - start) / 2**20:.1f} MB for a 1 MB budget"
    assert end - full <= budget // 4, f"grew {(end - full) / 2**20:.1f} MB once full"


def test_a_feed_entry_costs_what_walking_it_finds(tmp_path: Path) -> None:
    """The entry cache estimates an entry's bytes (walking one costs four times making it):
    the estimate stays within a quarter of what ``deep_size`` finds, short story or long."""
    from feeds.documents.memory import deep_size
    from feeds.documents.syndication import _entry, entry_cost
    from feeds.site.config import Settings
    from feeds.site.storyfile import parse_story

    settings = Settings.default()
    for words, fields in ((10, {}), (300, {"tags": "[a, b, c]", "author": "[X Y, Z W]"}),
                          (5000, {"image": "https://x.org/a.png", "section": "world"})):
        body = " ".join(["news"] * words) + " ünïcödé"
        story = parse_story(story_text("T", "2025-01-01", body, **fields).encode(),
                            "content/a.md", settings, tmp_path)
        walked = deep_size((story, _entry(settings, story)))
        assert 0.75 * walked <= entry_cost(settings, story) <= 1.25 * walked, words
