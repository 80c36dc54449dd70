"""Feed documents straight from a snapshot: determinism, dates, and the empty site."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from feeds.config import load_settings
from feeds.index import Snapshot, build_snapshot
from feeds.render import WRITERS, render_feed, site_feed

from .conftest import story_text, write_config, write_story

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def snapshot(root: Path) -> Snapshot:
    return build_snapshot(root, load_settings(root), NOW)


@pytest.mark.parametrize("name", list(WRITERS))
def test_same_content_gives_identical_bytes(site: Path, name: str) -> None:
    write_story(site, "a.md", story_text("A", "2025-11-13T10:00:00"))
    write_story(site, "b.md", story_text("B", "2025-11-14T10:00:00", updated="2025-11-20"))
    first = render_feed(snapshot(site), site_feed(snapshot(site)), name)
    second = render_feed(snapshot(site), site_feed(snapshot(site)), name)
    assert first.body == second.body
    assert first.etag == second.etag
    assert first.last_modified == datetime(2025, 11, 19, 23, 0, tzinfo=UTC)  # Berlin midnight


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_feed_size_and_order(site: Path, name: str) -> None:
    write_config(site, feed_size=3)
    for day in range(1, 8):
        write_story(site, f"s{day}.md", story_text(f"Story {day}", f"2025-11-0{day}T12:00:00"))
    parsed = feedparser.parse(render_feed(snapshot(site), site_feed(snapshot(site)), name).body)
    assert [e.title for e in parsed.entries] == ["Story 7", "Story 6", "Story 5"]


@pytest.mark.parametrize("name", list(WRITERS))
def test_an_empty_site_still_has_well_formed_feeds(site: Path, name: str) -> None:
    document = render_feed(snapshot(site), site_feed(snapshot(site)), name)
    assert document.last_modified == datetime(1970, 1, 1, tzinfo=UTC)
    if name != "feed.json":
        parsed = feedparser.parse(document.body)
        assert not parsed.bozo
        assert parsed.entries == []


def test_drafts_and_future_stories_are_left_out(site: Path) -> None:
    write_story(site, "live.md", story_text("Live", "2025-11-13"))
    write_story(site, "draft.md", story_text("Draft", "2025-11-13", draft="true"))
    write_story(site, "later.md", story_text("Later", "2026-03-01"))
    snap = snapshot(site)
    assert [s.title for s in snap.latest()] == ["Live"]
    assert snap.count() == 1
    assert snap.next_due == datetime(2026, 3, 1, tzinfo=snap.settings.timezone)


def test_duplicate_ids_and_paths_keep_the_first_published(site: Path) -> None:
    write_story(site, "first.md", story_text("First", "2025-11-01", id="urn:x:1"))
    write_story(site, "second.md", story_text("Second", "2025-11-02", id="urn:x:1"))
    write_story(site, "same.md", story_text("Same md", "2025-11-03"))
    write_story(site, "same.yaml", "title: Same yaml\ndate: 2025-11-04\n")
    snap = snapshot(site)
    assert sorted(s.title for s in snap.latest()) == ["First", "Same md"]
    assert [str(p) for p in snap.problems] == [
        "content/same.yaml:1: content/same.md already publishes /same/: "
        "rename one of the two files.",
        "content/second.md:1: id 'urn:x:1' is already used by content/first.md: "
        "give this story its own id.",
    ]


def test_html_in_titles_is_escaped_not_interpreted(site: Path) -> None:
    write_story(site, "x.md", story_text('"<b>Bold</b> & co"', "2025-11-13"))
    body = render_feed(snapshot(site), site_feed(snapshot(site)), "rss.xml").body.decode()
    assert "<title>&lt;b&gt;Bold&lt;/b&gt; &amp; co</title>" in body
