"""``feeds import``: a site moves in and its readers notice nothing.

The old sites are real HTTP servers on loopback: the sample site served by
``feeds serve`` (its Atom feed through its archive pages, and its JSON Feed), or
a small server playing an old site, right and wrong on purpose.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from . import importing
from .conftest import (
    REPO,
    Published,
    Server,
    copy_sample_site,
    free_port,
    write_story,
)
from .importing import new_site
from .sources import Answer, OldSite, rss

WXR = REPO / "tests" / "data" / "wordpress-export.xml"


@pytest.fixture
def old_site() -> Iterator[OldSite]:
    site = OldSite()
    yield site
    site.stop()


def run_import(root: Path, *sources: str, **options: Any) -> tuple[int, str]:
    return importing.run_import(root, *sources, **{"allow_private": True} | options)  # (the
    # old sites here are on loopback)


def stories(root: Path) -> list[Path]:
    return sorted(p for p in (root / "content").rglob("*.md"))


# A round trip: the sample site, imported from its own feeds ------------------------------


def entries_through_archives(get: Callable[[str], bytes], first: str) -> dict[str, Any]:
    """Every entry of an Atom feed and its RFC 5005 archive pages, by id."""
    found: dict[str, Any] = {}
    url, pages = first, 0
    while url and pages < 100:
        parsed = feedparser.parse(get(url))
        assert not parsed.bozo, url
        for entry in parsed.entries:
            found.setdefault(entry.id, entry)
        url = next((link.href for link in parsed.feed.get("links", [])
                    if link.rel == "prev-archive"), "")
        pages += 1
    return found


def what_readers_see(entry: Any) -> tuple[object, ...]:
    return (entry.title, datetime(*entry.published_parsed[:6]),
            [a.get("name") for a in entry.get("authors", [])],
            [t.term for t in entry.get("tags", [])],
            [(e.href, e.type, e.length) for e in entry.get("enclosures", [])],
            [m.get("url") for m in entry.get("media_thumbnail", [])])


def test_the_sample_site_moves_in_through_its_archives_with_nothing_new_for_readers(
        tmp_path: Path, serve: Callable[..., Server],
        publish: Callable[..., Published]) -> None:
    port = free_port()
    old_root = copy_sample_site(tmp_path, port)
    config = old_root / "config.yaml"
    config.write_text(config.read_text().replace("feed_size: 50", "feed_size: 5"))
    write_story(old_root, "technology/podcast.md", """\
        ---
        title: "The week in tech, as a podcast"
        id: "urn:uuid:0b1c9a52-7a3c-4b8e-9d35-5a1d2e3f4a5b"
        date: 2025-11-14T12:00:00+04:00
        author: {name: Lale Aliyeva, uri: "https://anewz.tv/authors/lale/"}
        tags: [podcast, ai]
        image: {url: "https://cdn.example/cover.jpg", alt: "A microphone"}
        enclosures:
          - {url: "https://cdn.example/episode-1.mp3", type: audio/mpeg, length: 23456789}
        ---

        This week: *chips*, models and [a link](https://example.org/).
        """)
    old = serve(old_root, port=port)

    root = new_site(tmp_path)
    status, report = run_import(root, f"{old.base}/atom.xml", f"{old.base}/feed.json")
    assert status == 0, report
    assert f"read       {old.base}/atom.xml: Atom 1.0, 13 items in 2 pages" in report
    assert "13 new, 0 updated, 0 unchanged, 5 skipped, 0 failed" in report  # JSON Feed: the same

    def old_get(url: str) -> bytes:
        status, _, body = old.get(url.removeprefix(old.base))
        assert status == 200, url
        return body

    new = publish(root, write_ids=False)

    def new_get(url: str) -> bytes:
        return new.body(url.removeprefix("http://127.0.0.1:8799"))

    before = entries_through_archives(old_get, f"{old.base}/atom.xml")
    after = entries_through_archives(new_get, "/atom.xml")
    assert sorted(after) == sorted(before) and len(before) == 13
    for story_id, entry in before.items():
        assert what_readers_see(after[story_id]) == what_readers_see(entry), story_id

    # A reader that followed the old feeds, pointed at the new ones, sees nothing new.
    known = set(before)
    for path in ("/atom.xml", "/rss.xml"):
        ids = {e.id for e in feedparser.parse(new.body(path)).entries}
        assert ids and ids <= known, path
    ids = {i["id"] for i in json.loads(new.body("/feed.json"))["items"]}
    assert ids and ids <= known

    # Again: nothing changes.
    status, report = run_import(root, f"{old.base}/atom.xml", f"{old.base}/feed.json")
    assert status == 0 and "0 new, 0 updated, 13 unchanged, 5 skipped, 0 failed" in report


# A WordPress export -------------------------------------------------------------------------


@pytest.fixture
def wordpress(tmp_path: Path, publish: Callable[..., Published]) -> tuple[Path, str, Published]:
    root = new_site(tmp_path, "desk")
    export = tmp_path / "export.xml"
    shutil.copy(WXR, export)
    status, report = run_import(root, str(export))
    assert status == 0, report
    return root, report, publish(root, write_ids=False)


def test_a_wordpress_export_is_counted_exactly(
        wordpress: tuple[Path, str, Published], tmp_path: Path) -> None:
    root, report, _ = wordpress
    assert (f"read       {tmp_path / 'export.xml'}: WordPress export 1.2, 3 items; left out: "
            "2 attachments, 3 comments, 1 menu item, 1 page, 1 trashed post") in report
    assert "3 new, 0 updated, 0 unchanged, 0 skipped, 0 failed" in report
    assert [p.relative_to(root / "content").as_posix() for p in stories(root)] == [
        "sport/match-report.md", "unfinished-thoughts.md", "world/hello-world.md"]
    draft = (root / "content" / "unfinished-thoughts.md").read_text()
    assert "draft: true" in draft and "id: https://old.example/?p=12" in draft


def test_wordpress_posts_read_as_they_were_shown(wordpress: tuple[Path, str, Published]) -> None:
    _, _, site = wordpress
    page = site.body("/world/hello-world/").decode()
    assert "<figcaption>Boats in the harbour</figcaption>" in page  # [caption]
    assert "<table>" in page and "<td>12</td>" in page  # kept as HTML: Markdown has no tables
    assert "<script" not in page.split("</head>")[1] and "alert(1)" not in page
    assert "more" not in page.split("<article")[1].split("</article>")[0].lower().replace(
        "more-", "")  # the <!--more--> mark is gone
    assert "Alice Adams" in page and "alice@old.example" not in page  # no account e-mail
    feed = feedparser.parse(site.body("/rss.xml"))
    by_id = {e.id: e for e in feed.entries}
    assert set(by_id) == {"https://old.example/?p=10", "https://old.example/?p=11"}  # no draft
    hello = by_id["https://old.example/?p=10"]
    assert hello.title == "Hello, world & welcome"
    assert hello.summary == "The first paragraph, before the fold, with bold words."
    assert datetime(*hello.published_parsed[:6]) == datetime(2019, 5, 1, 10, 0)
    assert [t.term for t in hello.tags] == ["World", "Elections"]
    match = by_id["https://old.example/?p=11"]
    assert [(e.href, e.type, e.length) for e in match.enclosures] == [
        ("https://media.old.example/commentary.mp3", "audio/mpeg", "12345678")]
    body = site.body("/sport/match-report/").decode()
    assert "stadium.jpg" in body and "harbour.jpg" in body  # the [gallery], as images
    assert site.get("/unfinished-thoughts/").status_code == 404


def test_old_addresses_answer_301(wordpress: tuple[Path, str, Published]) -> None:
    root, _, site = wordpress
    expected = {
        "/2019/05/hello-world/": "/world/hello-world/",  # a post's alias
        "/2019/05/hello-world": "/world/hello-world/",
        "/feed/": "/rss.xml",  # config.yaml's redirects, which the import wrote
        "/category/world/feed/": "/world/rss.xml",
        "/tag/football/feed/": "/tags/football/rss.xml",
    }
    for old, new in expected.items():
        response = site.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"].endswith(new), old
    assert "redirects:\n  /category/sport/feed/: /sport/rss.xml" in (
        root / "config.yaml").read_text()


# Again and again: new, updated, unchanged, and a writer's edits kept ------------------------


def item(number: int, title: str | None = None) -> dict[str, str]:
    return {"guid": f"http://old.example/?p={number}", "title": title or f"Story {number}",
            "link": f"http://old.example/2024/story-{number}/",
            "pubDate": f"Mon, 0{number} Jan 2024 10:00:00 +0000",
            "description": f"&lt;p&gt;Text of story {number}.&lt;/p&gt;", "category": "News"}


def test_importing_again_adds_updates_and_never_overwrites_an_edit(
        tmp_path: Path, old_site: OldSite) -> None:
    root = new_site(tmp_path)
    feed = f"{old_site.base}/feed/"
    old_site.answers["/feed/"] = Answer(body=rss([item(1), item(2)]))
    status, report = run_import(root, feed, dry_run=True)
    assert status == 0 and "2 new" in report and "nothing was written" in report
    assert stories(root) == [] and not (root / ".feeds").exists()

    assert run_import(root, feed)[0] == 0
    assert len(stories(root)) == 2
    old_site.answers["/feed/"] = Answer(body=rss([item(1, "Story 1, corrected"), item(2),
                                                 item(3)]))
    status, report = run_import(root, feed)
    assert status == 0 and "1 new, 1 updated, 1 unchanged, 0 skipped" in report
    first = root / "content" / "news" / "story-1.md"
    assert "title: Story 1, corrected" in first.read_text()

    first.write_text(first.read_text().replace("Text of story 1.", "Text, as the desk fixed it."))
    old_site.answers["/feed/"] = Answer(body=rss([item(1, "Story 1, again"), item(2), item(3)]))
    status, report = run_import(root, feed)
    assert status == 0 and "0 new, 0 updated, 2 unchanged, 1 skipped" in report
    assert "content/news/story-1.md was edited since it was imported" in report
    assert "Text, as the desk fixed it." in first.read_text()
    assert "Story 1, again" not in first.read_text()


# What goes wrong ------------------------------------------------------------------------------


def test_bad_sources_are_named_and_nothing_is_half_written(
        tmp_path: Path, old_site: OldSite) -> None:
    root = new_site(tmp_path)
    whole = rss([item(1), item(2), item(3)])
    old_site.answers.update({
        "/truncated.xml": Answer(body=whole[:len(whole) // 2 + 40]),
        "/page.html": Answer(body=b'<!doctype html><html><head><link rel="alternate" '
                                  b'type="application/rss+xml" href="/feed/"></head></html>',
                             content_type="text/html"),
        "/huge.xml": Answer(body=lambda: (b"x" * (1 << 20) for _ in range(50))),
        "/loop-a": Answer(302, location="/loop-b"),
        "/loop-b": Answer(302, location="/loop-a"),
        "/history.xml": Answer(body=rss([item(1)], extra=(
            '<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="prev-archive" '
            f'href="{old_site.base}/archive-gone.xml"/>'))),
    })
    expected = {
        "/truncated.xml": "the feed ends before its last tag",
        "/page.html": f"this is a web page, not a feed. The page names a feed: "
                      f"{old_site.base}/feed/",
        "/huge.xml": "larger than 32 MB",
        "/loop-a": "the redirects go round in a loop",
        "/history.xml": "page 2 of its history",
        "/missing.xml": "the server answered 404",
    }
    for path, message in expected.items():
        status, report = run_import(root, old_site.base + path)
        assert status == 1, path
        assert message in report, (path, report)
        assert stories(root) == [], path
    status, report = run_import(root, str(tmp_path / "no-such-file.xml"))
    assert status == 1 and "no such file" in report
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                    '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
                    '<title>&b;</title></channel></rss>')
    status, report = run_import(root, str(bomb))
    assert status == 1 and "declares XML entities" in report
    cut = tmp_path / "cut.xml"
    cut.write_bytes(WXR.read_bytes()[:5000])
    status, report = run_import(root, str(cut))
    assert status == 1 and "the export is not well-formed XML (line" in report
    assert stories(root) == []


def test_an_item_without_id_link_or_date_gets_them_once_with_warnings(
        tmp_path: Path, old_site: OldSite) -> None:
    root = new_site(tmp_path)
    bare = {"title": "No id here", "description": "Words."}  # no guid, link or date
    old_site.answers["/feed/"] = Answer(body=rss([bare]))
    status, report = run_import(root, f"{old_site.base}/feed/")
    assert status == 0 and "1 new" in report
    assert "it has no id and no link: it was given an id" in report
    assert "it has no date: it is dated now" in report
    again = run_import(root, f"{old_site.base}/feed/")[1]
    assert "1 unchanged" in again  # the same id and date: no duplicate, no change


def test_the_command_line_prints_what_it_did_and_exits_1_on_failure(
        tmp_path: Path, old_site: OldSite) -> None:
    root = new_site(tmp_path)
    old_site.answers["/feed/"] = Answer(body=rss([item(1)]))
    run = subprocess.run([sys.executable, "-m", "feeds", "import", "--root", str(root),
                          "--allow-private", f"{old_site.base}/feed/",
                          f"{old_site.base}/nothing.xml"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "new        content/news/story-1.md" in run.stdout
    assert "the server answered 404" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_downloaded_media_are_served_from_the_site(
        tmp_path: Path, old_site: OldSite, publish: Callable[..., Published]) -> None:
    root = new_site(tmp_path)
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
           b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
           b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
    with_media = item(1) | {"xml": (
        f'<media:content url="{old_site.base}/up/photo.png" medium="image" type="image/png"/>'
        f'<enclosure url="{old_site.base}/up/show.mp3" length="4" type="audio/mpeg"/>')}
    old_site.answers.update({"/feed/": Answer(body=rss([with_media])),
                             "/up/photo.png": Answer(body=png, content_type="image/png"),
                             "/up/show.mp3": Answer(body=b"ID3x", content_type="audio/mpeg")})
    status, report = run_import(root, f"{old_site.base}/feed/", download_media=True)
    assert status == 0, report
    text = (root / "content" / "news" / "story-1.md").read_text()
    assert old_site.base not in text.split("aliases")[0], report
    assert (root / "content" / "news" / "story-1-media" / "photo.png").read_bytes() == png
    site = publish(root, write_ids=False)
    assert site.body("/news/story-1-media/photo.png") == png
    assert site.body("/news/story-1-media/show.mp3") == b"ID3x"


def test_paged_histories_are_read_to_their_end(tmp_path: Path, old_site: OldSite) -> None:
    root = new_site(tmp_path)
    wordpress = "<generator>https://wordpress.org/?v=6.5</generator>"
    old_site.answers.update({
        "/feed/": Answer(body=rss([item(3), item(2)], extra=wordpress)),
        "/feed/?paged=2": Answer(body=rss([item(1)], extra=wordpress)),
        "/feed.json": Answer(content_type="application/feed+json", body=json.dumps({
            "version": "https://jsonfeed.org/version/1.1", "title": "Old",
            "next_url": f"{old_site.base}/feed-2.json",
            "items": [{"id": "j2", "url": "https://old.example/j/two", "title": "Two",
                       "content_text": "Second.", "date_published": "2024-02-02T10:00:00Z"}],
        }).encode()),
        "/feed-2.json": Answer(content_type="application/feed+json", body=json.dumps({
            "version": "https://jsonfeed.org/version/1", "title": "Old",
            "items": [{"id": "tag:old.example,2024:j1", "url": "https://old.example/j/one",
                       "title": "One", "content_html": "<p>First.</p>",
                       "date_published": "2024-02-01T10:00:00Z", "tags": ["Notes"]}],
        }).encode()),
    })
    status, report = run_import(root, f"{old_site.base}/feed/", f"{old_site.base}/feed.json")
    assert status == 0, report
    assert f"{old_site.base}/feed/: RSS 2.0, 3 items in 2 pages" in report
    assert f"{old_site.base}/feed.json: JSON Feed 1.1, 2 items in 2 pages" in report
    assert "/feed/?paged=3" in old_site.requests  # asked, answered 404: the end
    assert "warning" not in report  # "j2" is kept as it is: RSS and JSON Feed carry it
    assert "id: j2\n" in (root / "content" / "two.md").read_text()
    assert "5 new, 0 updated, 0 unchanged, 0 skipped, 0 failed" in report
