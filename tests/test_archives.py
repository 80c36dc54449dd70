"""Archives in publication order that never move, and deletions readers see (RFC 5005, 6721)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from .conftest import Published, story_text, write_config, write_story

ATOM = {"a": "http://www.w3.org/2005/Atom", "at": "http://purl.org/atompub/tombstones/1.0"}
NOW = datetime(2026, 1, 10, 12, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def archived(site: Path, publish: Callable[..., Published]) -> Iterator[tuple[Published, Clock]]:
    """Ten stories, three to a feed: two full archive pages and the subscription document."""
    write_config(site, feed_size=3)
    for n in range(1, 11):
        write_story(site, f"s{n:02}.md", story_text(f"Story {n}", f"2025-11-{n:02}T12:00",
                                                    id=f'"urn:x:{n}"'))
    clock = Clock()
    yield publish(site, clock=clock), clock


def walk(published: Published) -> tuple[list[str], dict[str, tuple[bytes, str, str]]]:
    """Follow prev-archive from /atom.xml: the entry ids met, and each archive page as served."""
    document = etree.fromstring(published.body("/atom.xml"))
    ids = [e.findtext("a:id", namespaces=ATOM) for e in document.findall("a:entry", ATOM)]
    pages = {}
    prev = document.find("a:link[@rel='prev-archive']", ATOM)
    while prev is not None:
        path = "/" + prev.get("href").split("/", 3)[3]
        response = published.get(path)
        pages[path] = (response.data, response.headers["ETag"], response.headers["Last-Modified"])
        page = etree.fromstring(response.data)
        ids += [e.findtext("a:id", namespaces=ATOM) for e in page.findall("a:entry", ATOM)]
        prev = page.find("a:link[@rel='prev-archive']", ATOM)
    return ids, pages


def tombstones(body: bytes) -> list[tuple[str, str]]:
    document = etree.fromstring(body)
    return [(t.get("ref"), t.get("when")) for t in document.findall("at:deleted-entry", ATOM)]


def test_a_backdated_story_arrives_like_a_new_one_and_no_full_page_moves(
        archived: tuple[Published, Clock], site: Path) -> None:
    published, clock = archived
    ids, pages = walk(published)
    assert sorted(pages) == ["/archive/1.xml", "/archive/2.xml"]
    write_story(site, "old.md", story_text("Backdated", "2023-01-01T12:00", id='"urn:x:old"'))
    clock.now += timedelta(seconds=1)  # a second later, so a moved Last-Modified would show
    published.sync()
    newest = feedparser.parse(published.body("/rss.xml")).entries[0]
    assert newest.id == "urn:x:old"  # in the subscription feeds, as new
    again_ids, again_pages = walk(published)
    for path, served in pages.items():
        assert again_pages[path] == served, f"{path} changed"
    assert sorted(again_ids) == sorted([*ids, "urn:x:old"])
    assert len(again_ids) == len(set(again_ids))


def test_a_removed_story_leaves_a_tombstone_on_its_own_page_only(
        archived: tuple[Published, Clock], site: Path) -> None:
    published, clock = archived
    _, pages = walk(published)
    (site / "content/s02.md").unlink()  # on archive page 1
    clock.now += timedelta(seconds=1)
    published.sync()
    ids, again = walk(published)
    assert "urn:x:2" not in ids
    assert again["/archive/2.xml"] == pages["/archive/2.xml"]
    assert again["/archive/1.xml"][0] != pages["/archive/1.xml"][0]  # its own page only
    assert tombstones(again["/archive/1.xml"][0]) == []
    feed = published.body("/atom.xml")
    [(ref, when)] = tombstones(feed)
    assert ref == "urn:x:2" and when.endswith("Z")
    read = feedparser.parse(feed)  # a subscriber's parser sees the deletion
    assert not read.bozo
    assert read.feed["at_deleted-entry"]["ref"] == "urn:x:2"
    assert published.get("/s02/").status_code == 410


def test_a_drafted_story_disappears_and_its_page_answers_gone(
        archived: tuple[Published, Clock], site: Path) -> None:
    published, _ = archived
    _, pages = walk(published)
    path = site / "content/s10.md"
    path.write_text(path.read_text().replace("---\n\n", "draft: true\n---\n\n", 1))
    published.sync()
    assert "urn:x:10" not in [e.id for e in feedparser.parse(published.body("/rss.xml")).entries]
    assert [ref for ref, _ in tombstones(published.body("/atom.xml"))] == ["urn:x:10"]
    assert published.get("/s10/").status_code == 410
    _, again = walk(published)
    assert again == pages
    path.write_text(path.read_text().replace("draft: true\n", ""))  # and back
    published.sync()
    assert published.get("/s10/").status_code == 200
    assert tombstones(published.body("/atom.xml")) == []


def test_a_moved_story_keeps_its_place_and_its_old_address_redirects(
        archived: tuple[Published, Clock], site: Path) -> None:
    published, _ = archived
    _, pages = walk(published)
    (site / "content/world").mkdir()
    (site / "content/s01.md").rename(site / "content/world/s01-moved.md")
    published.sync()
    response = published.get("/s01/")
    assert (response.status_code, response.headers["Location"]) == (301, "/world/s01-moved/")
    ids, again = walk(published)
    assert ids.count("urn:x:1") == 1
    assert again["/archive/2.xml"] == pages["/archive/2.xml"]


def test_tombstones_last_a_feed_of_publications_or_thirty_days(
        archived: tuple[Published, Clock], site: Path) -> None:
    published, clock = archived
    (site / "content/s09.md").unlink()
    published.sync()
    assert [ref for ref, _ in tombstones(published.body("/atom.xml"))] == ["urn:x:9"]
    clock.now += timedelta(days=31)  # thirty days gone, but fewer than three publications
    published.sync()
    assert [ref for ref, _ in tombstones(published.body("/atom.xml"))] == ["urn:x:9"]
    for n in range(3):  # a feed's worth of publications after the removal
        write_story(site, f"new{n}.md", story_text(f"New {n}", "2026-01-01T12:00",
                                                   id=f'"urn:x:new{n}"'))
    published.sync()
    assert tombstones(published.body("/atom.xml")) == []


def test_rss_and_json_feed_readers_see_the_story_go(archived: tuple[Published, Clock],
                                                      site: Path) -> None:
    published, _ = archived
    (site / "content/s10.md").unlink()
    published.sync()
    assert "urn:x:10" not in [e.id for e in feedparser.parse(published.body("/rss.xml")).entries]
    assert "urn:x:10" not in [i["id"] for i in published.get("/feed.json").json["items"]]


def test_full_archive_pages_are_kept_a_week_by_readers(
        archived: tuple[Published, Clock]) -> None:
    """A full archive page changes only when one of its own stories is edited or removed:
    readers may keep it a week; shared caches keep the site's lifetime (s-maxage), so one
    that is not purged drops an edited story as soon as from any feed."""
    published, _ = archived
    assert published.get("/atom.xml").headers["Cache-Control"] == "public, max-age=900"
    for path in ("/archive/1.xml", "/archive/2.xml"):
        assert published.get(path).headers["Cache-Control"] == \
            "public, max-age=604800, s-maxage=900", path
    next_page = published.get("/archive/3.xml")  # the one past the newest: 307 to the feed
    assert next_page.status_code == 307
    assert next_page.headers["Cache-Control"] == "public, max-age=900"
