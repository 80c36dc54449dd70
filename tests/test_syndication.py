"""Feed documents as a worker renders them from the catalogue: bytes, order, archives, media."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree

from .conftest import Published, story_text, write_config, write_story

FEEDS = ["/rss.xml", "/atom.xml", "/feed.json"]
ATOM = {"a": "http://www.w3.org/2005/Atom"}
HISTORY = "{http://purl.org/syndication/history/1.0}"


@pytest.mark.parametrize("path", FEEDS)
def test_same_content_gives_identical_bytes_in_another_catalogue(
        site: Path, tmp_path: Path, publish: Callable[..., Published], path: str) -> None:
    write_story(site, "a.md", story_text("A", "2025-11-13T10:00:00", id="urn:x:a"))
    write_story(site, "b.md", story_text("B", "2025-11-14T10:00:00", updated="2025-11-20",
                                         id="urn:x:b"))
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    first, second = publish(site), publish(copy)
    assert first.body(path) == second.body(path)
    assert first.get(path).headers["ETag"] == second.get(path).headers["ETag"]


def test_dates_are_utc_z_in_atom_and_json_and_gmt_in_rss(
        site: Path, publish: Callable[..., Published]) -> None:
    write_story(site, "a.md", story_text("A", "2025-11-13T10:00:00+04:00", id="urn:x:a"))
    published = publish(site)
    atom = published.body("/atom.xml").decode()
    assert "<updated>2025-11-13T06:00:00Z</updated>" in atom
    assert "<published>2025-11-13T06:00:00Z</published>" in atom
    assert "+04:00" not in atom and "+00:00" not in atom
    assert "<pubDate>Thu, 13 Nov 2025 06:00:00 GMT</pubDate>" in published.body("/rss.xml").decode()
    assert '"date_published": "2025-11-13T06:00:00Z"' in published.body("/feed.json").decode()


def test_feed_size_and_publication_order(site: Path, publish: Callable[..., Published]) -> None:
    write_config(site, feed_size=3)
    for day in range(1, 8):
        write_story(site, f"s{day}.md", story_text(f"Story {day}", f"2025-11-0{day}T12:00:00"))
    published = publish(site)
    titles = [e.title for e in feedparser.parse(published.body("/rss.xml")).entries]
    assert titles == ["Story 7", "Story 6", "Story 5"]
    # A backdated story arrives in the subscription feeds like any new one.
    write_story(site, "old.md", story_text("Backdated", "2020-01-01T12:00:00"))
    published.sync()
    titles = [e.title for e in feedparser.parse(published.body("/rss.xml")).entries]
    assert titles == ["Backdated", "Story 7", "Story 6"]


def walk_archives(published: Published, feed: str = "/atom.xml") -> tuple[list[str], list[str]]:
    """Follow RFC 5005 prev-archive links from a feed; return entry titles and pages' paths."""
    document = etree.fromstring(published.body(feed))
    seen = [e.findtext("a:title", namespaces=ATOM) for e in document.findall("a:entry", ATOM)]
    pages = []
    prev = document.find("a:link[@rel='prev-archive']", ATOM)
    while prev is not None:
        path = "/" + prev.get("href").split("/", 3)[3]
        pages.append(path)
        page = etree.fromstring(published.body(path))
        assert page.find(f"{HISTORY}archive") is not None
        assert page.find("a:link[@rel='current']", ATOM).get("href").endswith("/atom.xml")
        assert page.find("a:link[@rel='self']", ATOM).get("href") == prev.get("href")
        seen += [e.findtext("a:title", namespaces=ATOM) for e in page.findall("a:entry", ATOM)]
        prev = page.find("a:link[@rel='prev-archive']", ATOM)
    return seen, pages


@pytest.mark.parametrize(("stories", "in_feed", "archives"), [
    (0, 0, 0), (5, 5, 0), (6, 3, 1), (7, 4, 1), (8, 5, 1), (9, 3, 2), (10, 4, 2),
])
def test_atom_archives_hold_every_story_once(site: Path, publish: Callable[..., Published],
                                             stories: int, in_feed: int, archives: int) -> None:
    """RFC 5005 section 4: the subscription feed, then prev-archive links back to the oldest."""
    write_config(site, feed_size=3)
    for n in range(1, stories + 1):
        write_story(site, f"s{n}.md", story_text(f"Story {n}", f"2025-11-{n:02}T12:00:00"))
    published = publish(site)
    feed = etree.fromstring(published.body("/atom.xml"))
    assert len(feed.findall("a:entry", ATOM)) == in_feed
    assert (feed.find(f"{HISTORY}complete") is not None) is (archives == 0)
    seen, pages = walk_archives(published)
    assert len(pages) == archives
    assert seen == [f"Story {n}" for n in range(stories, 0, -1)]  # each once, newest first
    for n, path in enumerate(reversed(pages), start=1):
        assert path == f"/archive/{n}.xml"
        page = etree.fromstring(published.body(path))
        assert len(page.findall("a:entry", ATOM)) == 3
        assert page.find("a:link[@rel='next-archive']", ATOM).get("href").endswith(
            f"/archive/{n + 1}.xml")
    after = published.get(f"/archive/{archives + 1}.xml")
    assert after.status_code == (307 if archives else 404)
    assert published.get(f"/archive/{archives + 2}.xml").status_code == 404


def test_a_full_archive_page_never_changes_as_stories_arrive(
        site: Path, publish: Callable[..., Published]) -> None:
    write_config(site, feed_size=3)
    for n in range(1, 7):
        write_story(site, f"s{n}.md", story_text(f"Story {n}", f"2025-11-{n:02}T12:00:00"))
    published = publish(site)
    first = published.get("/archive/1.xml")
    for n in range(7, 13):
        write_story(site, f"s{n}.md", story_text(f"Story {n}", f"2025-10-{n:02}T12:00:00"))
        published.sync()
        again = published.get("/archive/1.xml")
        assert again.data == first.data
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Last-Modified"] == first.headers["Last-Modified"]


@pytest.mark.parametrize("path", FEEDS)
def test_an_empty_site_still_has_well_formed_feeds(site: Path, publish: Callable[..., Published],
                                                    path: str) -> None:
    body = publish(site).body(path)
    if path != "/feed.json":
        parsed = feedparser.parse(body)
        assert not parsed.bozo
        assert parsed.entries == []


def test_drafts_and_future_stories_are_left_out(site: Path,
                                                 publish: Callable[..., Published]) -> None:
    write_story(site, "live.md", story_text("Live", "2025-11-13"))
    write_story(site, "draft.md", story_text("Draft", "2025-11-13", draft="true"))
    write_story(site, "later.md", story_text("Later", "2099-03-01"))
    published = publish(site)
    assert [e.title for e in feedparser.parse(published.body("/atom.xml")).entries] == ["Live"]
    assert published.get("/healthz").json["stories"] == 1
    assert published.publisher.ledger.next_due() is not None
    for path in ("/draft/", "/later/"):
        assert published.get(path).status_code == 404


def test_duplicate_ids_and_paths_keep_the_first_published(
        site: Path, publish: Callable[..., Published]) -> None:
    write_story(site, "first.md", story_text("First", "2025-11-01", id="urn:x:1"))
    write_story(site, "second.md", story_text("Second", "2025-11-02", id="urn:x:1"))
    write_story(site, "same.md", story_text("Same md", "2025-11-03"))
    write_story(site, "same.yaml", "title: Same yaml\ndate: 2025-11-04\n")
    published = publish(site)
    entries = feedparser.parse(published.body("/atom.xml")).entries
    assert sorted(e.title for e in entries) == ["First", "Same md"]
    assert [str(p) for p in published.publisher.problem_list()] == [
        "content/same.yaml:1: content/same.md already publishes /same/: "
        "rename one of the two files.",
        "content/second.md:1: its id is already used by content/first.md: "
        "give this story its own id (feeds new writes one).",
    ]


def test_html_in_titles_is_escaped_not_interpreted(site: Path,
                                                    publish: Callable[..., Published]) -> None:
    write_story(site, "x.md", story_text('"<b>Bold</b> & co"', "2025-11-13"))
    body = publish(site).body("/rss.xml").decode()
    assert "<title>&lt;b&gt;Bold&lt;/b&gt; &amp; co</title>" in body


def test_names_that_slug_alike_are_reported(site: Path, publish: Callable[..., Published]) -> None:
    write_story(site, "a.md", story_text("A", "2025-11-01", tags="[C++, Europe]"))
    write_story(site, "b.md", story_text("B", "2025-11-02", tags="[C, europe]"))
    published = publish(site)
    assert [str(p) for p in published.publisher.problem_list()] == [
        "content/b.md:1: it spells a tag unlike the other stories in it, and the two names "
        "share one page and feed: spell them alike, or rename one."]
    # The same word in another case is the same tag, named as its first story spells it.
    feed = feedparser.parse(published.body("/tags/europe/atom.xml"))
    assert len(feed.entries) == 2
    assert feed.feed.title == "Test News: Europe (tag)"


def test_a_missing_local_media_file_is_reported_and_the_story_still_published(
        site: Path, publish: Callable[..., Published]) -> None:
    write_story(site, "world/a.md", story_text("A", "2025-11-01", image="missing.png",
                                               enclosures="[{url: /gone.mp3, type: audio/mpeg}]"))
    (site / "content/world/here.png").write_bytes(b"\x89PNG")
    write_story(site, "world/b.md", story_text("B", "2025-11-02", image="here.png"))
    published = publish(site)
    assert published.get("/healthz").json["stories"] == 2
    assert [str(p) for p in published.publisher.problem_list()] == [
        "content/world/a.md:1: a media file it names is not under content/: add it there, or "
        "fix the path."]
    (site / "content/world/missing.png").write_bytes(b"\x89PNG")
    (site / "content/gone.mp3").write_bytes(b"ID3")
    published.sync()
    assert published.publisher.problem_list() == []


def test_the_lead_image_and_its_alt_text_open_every_format(
        site: Path, publish: Callable[..., Published]) -> None:
    (site / "content/world").mkdir()
    (site / "content/world/photo.png").write_bytes(b"\x89PNG")
    write_story(site, "world/a.md", story_text(
        "A", "2025-11-01", image="{url: photo.png, alt: 'A harbour at dawn'}"))
    published = publish(site)
    for path in FEEDS:
        if path == "/feed.json":
            content = published.get(path).json["items"][0]["content_html"]
        else:
            content = feedparser.parse(published.body(path)).entries[0].content[0].value
        first = lxml.html.fragments_fromstring(content)[0]
        assert first.tag == "figure", path
        image = first.find("img")
        assert image.get("src") == "http://127.0.0.1:8000/world/photo.png"
        assert image.get("alt") == "A harbour at dawn"
    for path in ("/rss.xml", "/atom.xml"):  # a thumbnail: no media:content, no description
        feed = etree.fromstring(published.body(path))
        media = [e for e in feed.iter() if "search.yahoo.com/mrss" in str(e.tag)]
        assert [(e.tag.split("}")[1], e.get("url")) for e in media] == [
            ("thumbnail", "http://127.0.0.1:8000/world/photo.png")], path
        assert feedparser.parse(published.body(path)).entries[0].summary != "A harbour at dawn"
