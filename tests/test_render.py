"""Feed documents straight from a snapshot: determinism, dates, and the empty site."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feeds.config import load_settings
from feeds.feedspec import FeedSpec, archive_spec, feed_spec
from feeds.index import SITE, Snapshot, build_snapshot
from feeds.render import WRITERS, render_feed

from .conftest import story_text, write_config, write_story

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def site_spec(snap: Snapshot, name: str) -> FeedSpec:
    spec = feed_spec(snap, SITE, name)
    assert spec is not None
    return spec


def snapshot(root: Path) -> Snapshot:
    return build_snapshot(root, load_settings(root), NOW)


@pytest.mark.parametrize("name", list(WRITERS))
def test_same_content_gives_identical_bytes(site: Path, name: str) -> None:
    write_story(site, "a.md", story_text("A", "2025-11-13T10:00:00"))
    write_story(site, "b.md", story_text("B", "2025-11-14T10:00:00", updated="2025-11-20"))
    first = render_feed(snapshot(site), site_spec(snapshot(site), name), name)
    second = render_feed(snapshot(site), site_spec(snapshot(site), name), name)
    assert first.body == second.body
    assert first.etag == second.etag
    assert first.last_modified == datetime(2025, 11, 19, 23, 0, tzinfo=UTC)  # Berlin midnight


def test_feed_size_and_order(site: Path) -> None:
    write_config(site, feed_size=3)
    for day in range(1, 8):
        write_story(site, f"s{day}.md", story_text(f"Story {day}", f"2025-11-0{day}T12:00:00"))
    snap = snapshot(site)
    body = render_feed(snap, site_spec(snap, "rss.xml"), "rss.xml").body
    assert [e.title for e in feedparser.parse(body).entries] == ["Story 7", "Story 6", "Story 5"]


HISTORY = "{http://purl.org/syndication/history/1.0}"


@pytest.mark.parametrize(("stories", "in_feed", "archives"), [
    (0, 0, 0), (5, 5, 0), (6, 3, 1), (7, 4, 1), (8, 5, 1), (9, 3, 2), (10, 4, 2),
])
def test_atom_archives_hold_every_story_once(site: Path, stories: int, in_feed: int,
                                             archives: int) -> None:
    """RFC 5005 section 4: the subscription feed, then prev-archive links back to the oldest."""
    write_config(site, feed_size=3)
    for n in range(1, stories + 1):
        write_story(site, f"s{n}.md", story_text(f"Story {n}", f"2025-11-{n:02}T12:00:00"))
    snap = snapshot(site)
    spec = site_spec(snap, "atom.xml")
    feed = etree.fromstring(render_feed(snap, spec, "atom.xml").body)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert len(feed.findall("a:entry", ns)) == in_feed
    assert (feed.find(f"{HISTORY}complete") is not None) is (archives == 0)
    seen = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    prev = feed.find("a:link[@rel='prev-archive']", ns)
    pages = 0
    while prev is not None:
        pages += 1
        number = int(prev.get("href").rsplit("/", 1)[1].removesuffix(".xml"))
        archive_spec_ = archive_spec(snap, SITE, number)
        assert archive_spec_ is not None
        page = etree.fromstring(render_feed(snap, archive_spec_, "atom.xml").body)
        assert page.find(f"{HISTORY}archive") is not None
        assert page.find("a:link[@rel='current']", ns).get("href").endswith("/atom.xml")
        assert page.find("a:link[@rel='self']", ns).get("href") == prev.get("href")
        assert len(page.findall("a:entry", ns)) == 3  # archive pages are always full
        assert page.find("a:link[@rel='next-archive']", ns).get("href").endswith(
            f"/archive/{number + 1}.xml")
        seen += [e.findtext("a:title", namespaces=ns) for e in page.findall("a:entry", ns)]
        prev = page.find("a:link[@rel='prev-archive']", ns)
    assert pages == archives
    assert seen == [f"Story {n}" for n in range(stories, 0, -1)]  # each once, newest first
    assert archive_spec(snap, SITE, archives + 1) is None


def test_a_full_archive_page_never_changes_as_stories_arrive(site: Path) -> None:
    write_config(site, feed_size=3)
    for n in range(1, 7):
        write_story(site, f"s{n}.md", story_text(f"Story {n}", f"2025-11-{n:02}T12:00:00"))
    first = render_feed(snapshot(site), archive_spec(snapshot(site), SITE, 1), "atom.xml")
    for n in range(7, 13):
        write_story(site, f"s{n}.md", story_text(f"Story {n}", f"2025-11-{n:02}T12:00:00"))
        again = render_feed(snapshot(site), archive_spec(snapshot(site), SITE, 1), "atom.xml")
        assert again.body == first.body


@pytest.mark.parametrize("name", list(WRITERS))
def test_an_empty_site_still_has_well_formed_feeds(site: Path, name: str) -> None:
    document = render_feed(snapshot(site), site_spec(snapshot(site), name), name)
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
    snap = snapshot(site)
    body = render_feed(snap, site_spec(snap, "rss.xml"), "rss.xml").body.decode()
    assert "<title>&lt;b&gt;Bold&lt;/b&gt; &amp; co</title>" in body


def test_names_that_slug_alike_are_reported(site: Path) -> None:
    write_story(site, "a.md", story_text("A", "2025-11-01", tags="[C++, Europe]"))
    write_story(site, "b.md", story_text("B", "2025-11-02", tags="[C, europe]"))
    snap = snapshot(site)
    assert [str(p) for p in snap.problems] == [
        "content/b.md:1: tag 'c' and tag 'c++' (content/a.md) have the same URL slug 'c', so "
        "they share one page and feed: spell them alike, or rename one."]
    assert snap.count(("tag", "europe")) == 2  # the same word in another case is the same tag


def test_a_missing_local_media_file_is_reported_and_the_story_still_published(
        site: Path) -> None:
    write_story(site, "world/a.md", story_text("A", "2025-11-01", image="missing.png",
                                               enclosures="[{url: /gone.mp3, type: audio/mpeg}]"))
    (site / "content/world/here.png").write_bytes(b"\x89PNG")
    write_story(site, "world/b.md", story_text("B", "2025-11-02", image="here.png"))
    snap = snapshot(site)
    assert snap.count() == 2
    assert [str(p) for p in snap.problems] == [
        "content/world/a.md:1: http://127.0.0.1:8000/world/missing.png is not a file under "
        "content/: add it there, or fix the path."]
