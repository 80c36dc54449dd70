"""Finding and following the site: section, tag and author feeds, OPML, media, history.

Read through the real server, as a subscriber's reader and browser would.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree

from .conftest import (
    InProcess,
    Published,
    Server,
    free_port,
    story_text,
    write_config,
    write_story,
)

NARROW = {
    "/europe/": ("AnewZ stories: europe (section)", 3),
    "/defence/": ("AnewZ stories: defence (section)", 3),
    "/tags/russia/": ("AnewZ stories: russia (tag)", None),
    "/tags/defence/": ("AnewZ stories: defence (tag)", None),
    "/authors/nini-nikoleishvili/": ("AnewZ stories: Nini Nikoleishvili (author)", 1),
    "/authors/anewz/": ("AnewZ stories: AnewZ (author)", 11),
}
# The sample's defence desk is a podcast (config.yaml): its RSS feed is the show's, with the
# show's title and its one episode, the story with the audio clip (tests/test_podcasts.py).
SHOWS = {"/defence/rss.xml": ("AnewZ Defence Desk", 1)}


@pytest.mark.parametrize("base", list(NARROW))
@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_section_tag_and_author_feeds(sample_site: InProcess, base: str, name: str) -> None:
    title, count = SHOWS.get(base + name, NARROW[base])
    status, headers, body = sample_site.get(base + name)
    assert status == 200
    parsed = feedparser.parse(body)
    assert not parsed.bozo
    assert parsed.feed.title == title
    assert {(link.rel, link.href) for link in parsed.feed.links} >= {
        ("self", sample_site.base + base + name), ("alternate", sample_site.base + base)}
    if count is not None:
        assert len(parsed.entries) == count
    kind, _, slug = base.strip("/").partition("/")
    for entry in parsed.entries:
        if kind == "tags":
            assert slug in [t.term.lower() for t in entry.tags]
        elif kind == "authors":
            assert entry.author_detail.name.lower().replace(" ", "-") == slug
        else:
            assert entry.tags[0].term == kind
        assert sample_site.get(urlsplit(entry.link).path)[0] == 200


@pytest.mark.parametrize("base", list(NARROW))
def test_group_pages_and_json_feeds(sample_site: InProcess, base: str) -> None:
    status, _, body = sample_site.get(base)
    assert status == 200
    page = body.decode()
    for name in ("rss.xml", "atom.xml", "feed.json"):
        assert f'href="{sample_site.base}{base}{name}"' in page
    feed = json.loads(sample_site.get(base + "feed.json")[2])
    assert feed["feed_url"] == f"{sample_site.base}{base}feed.json"
    assert feed["home_page_url"] == f"{sample_site.base}{base}"


@pytest.mark.parametrize("path", ["/nowhere/", "/tags/no-such-tag/", "/authors/nobody/",
                                  "/tags/no-such-tag/rss.xml", "/nowhere/atom.xml",
                                  "/authors/nobody/feed.json", "/page/2/", "/archive/1.xml",
                                  "/europe/archive/1.xml", "/tags/", "/authors/"])
def test_unknown_groups_pages_and_archives_are_404(sample_site: InProcess, path: str) -> None:
    assert sample_site.get(path)[0] == 404


def test_a_story_page_offers_its_section_tag_and_author_feeds(sample_site: InProcess) -> None:
    page = sample_site.get("/defence/correspondent-reports-sighnaghi-crash-site/")[2].decode()
    for base in ("/", "/defence/", "/authors/nini-nikoleishvili/", "/tags/sighnaghi/"):
        for name in ("rss.xml", "atom.xml", "feed.json"):
            assert f'href="{sample_site.base}{base}{name}"' in page
    # Section, author and tags are linked.
    assert 'href="/defence/"' in page and 'href="/authors/nini-nikoleishvili/"' in page
    assert 'href="/tags/plane-crash/"' in page


def test_opml_lists_each_group_once_in_one_format_with_unique_titles(
        sample_site: InProcess) -> None:
    status, headers, body = sample_site.get("/feeds.opml")
    assert status == 200
    assert headers["content-type"] == "text/x-opml; charset=utf-8"
    opml = etree.fromstring(body)
    assert opml.get("version") == "2.0"
    groups = [o.get("text") for o in opml.find("body")]
    assert groups == ["AnewZ stories", "Sections", "Tags", "Authors"]
    feeds = [o for o in opml.iter("outline") if o.get("xmlUrl")]
    urls = [o.get("xmlUrl") for o in feeds]
    titles = [o.get("title") for o in feeds]
    assert len(set(urls)) == len(urls) and len(set(titles)) == len(titles)
    assert all(url.endswith("/atom.xml") for url in urls)
    assert urls[0] == f"{sample_site.base}/atom.xml"  # the site's feed first
    # OPML 2.0's version names an RSS dialect (W3C: RSS, RSS1, RSS2, scriptingNews); it
    # said "Atom", which the W3C validator refused for every outline.
    assert all(o.get("version") is None for o in feeds)
    sections = [o.get("text") for o in opml.find("body")[1]]
    assert sections == [f"AnewZ stories: {name} (section)" for name in
                        ("africa", "defence", "europe", "middle-east", "security", "technology")]
    for outline in feeds:
        assert outline.get("type") == "rss"
        path = urlsplit(outline.get("xmlUrl")).path
        status, _, feed = sample_site.get(path)
        assert status == 200, path
        assert feedparser.parse(feed).feed.title == outline.get("title")
        assert sample_site.get(urlsplit(outline.get("htmlUrl")).path)[0] == 200
    assert f"{sample_site.base}/tags/defence/atom.xml" in urls
    assert f"{sample_site.base}/defence/atom.xml" in urls


@pytest.mark.parametrize(("fmt", "version", "file"), [
    ("rss", "RSS2", "rss.xml"), ("atom", None, "atom.xml"), ("json", None, "feed.json")])
def test_opml_outlines_carry_a_version_only_for_rss(
        site: Path, publish: Callable[..., Published], fmt: str, version: str | None,
        file: str) -> None:
    write_config(site, opml_format=fmt)
    write_story(site, "world/a.md", story_text("A", "2025-11-01", tags="[defence]"))
    client = publish(site).client
    for path in ("/feeds.opml", "/subscribe.opml"):
        feeds = [o for o in etree.fromstring(client.get(path).data).iter("outline")
                 if o.get("xmlUrl")]
        assert feeds and all(o.get("version") == version for o in feeds), path
        assert all(o.get("xmlUrl").endswith("/" + file) for o in feeds)


def test_the_list_offered_for_importing_is_the_sites_feed(sample_site: InProcess) -> None:
    """newsboat and elfeed file each story under the feed loaded last: the list the pages
    offer holds the site's feed alone; /feeds.opml, for picking, holds every group's."""
    page = sample_site.get("/")[2].decode()
    offered = re.findall(r'<p class="opml">To import into your reader: <a href="([^"]+)">', page)
    assert offered == ["/subscribe.opml"]
    assert 'href="/feeds.opml"' in page
    status, headers, body = sample_site.get("/subscribe.opml")
    assert (status, headers["content-type"]) == (200, "text/x-opml; charset=utf-8")
    opml = etree.fromstring(body)
    assert opml.findtext("head/title") == "AnewZ stories: the whole site"
    assert [(o.get("title"), o.get("xmlUrl")) for o in opml.iter("outline")] == [
        ("AnewZ stories", f"{sample_site.base}/atom.xml")]


def test_media_in_feeds_and_served_from_the_site(sample_site: InProcess) -> None:
    rss = feedparser.parse(sample_site.get("/rss.xml")[2])
    atom = feedparser.parse(sample_site.get("/atom.xml")[2])
    items = json.loads(sample_site.get("/feed.json")[2])["items"]
    audio = f"{sample_site.base}/defence/sighnaghi-field-report.wav"
    image = f"{sample_site.base}/middle-east/cyprus-earthquakes-seismogram.png"
    for parsed in (rss, atom):
        [entry] = [e for e in parsed.entries if "Sighnaghi crash site" in e.title]
        [enclosure] = entry.enclosures
        assert (enclosure.href, enclosure.type, int(enclosure.length)) == (
            audio, "audio/wav", 96044)
        [pictured] = [e for e in parsed.entries if "Cyprus" in e.title]
        assert pictured.media_thumbnail[0]["url"] == image
        assert "media_content" not in pictured  # which podcast apps take as a download
    [item] = [i for i in items if "Sighnaghi crash site" in i["title"]]
    assert item["attachments"] == [{"url": audio, "mime_type": "audio/wav",
                                    "size_in_bytes": 96044}]
    [item] = [i for i in items if "Cyprus" in i["title"]]
    assert item["image"] == image
    status, headers, body = sample_site.get(urlsplit(audio).path)
    assert (status, headers["content-type"], len(body)) == (200, "audio/wav", 96044)
    assert body[:4] == b"RIFF"
    status, headers, body = sample_site.get(urlsplit(image).path)
    assert (status, headers["content-type"], body[:4]) == (200, "image/png", b"\x89PNG")
    assert sample_site.get(urlsplit(image).path,
                             {"If-None-Match": headers["etag"]})[0] == 304
    page = sample_site.get("/middle-east/cyprus-earthquakes-felt-in-israel/")[2].decode()
    assert f'<img src="{image}" alt="A seismograph trace' in page


@pytest.mark.parametrize(("ranges", "status", "part"), [
    ("bytes=0-10", 206, slice(0, 11)),
    ("bytes=0-10,100-200", 200, slice(None)),  # was 416: RFC 9110 allows it only when
    ("bytes=0-10,99999999-", 200, slice(None)),  # no range can be satisfied
    ("bytes=100-200, 0-10", 200, slice(None)),
    ("bytes=99999999-,99999999-100000000", 416, slice(0, 0)),
    ("bytes=\u00b2-5", 200, slice(None)),  # not a range set (a digit that is not ASCII):
    ("bytes=0-10,\u00b2-5", 200, slice(None)),  # ignored, as RFC 9110 14.2 allows
    ("bytes=5-1", 200, slice(None)),
    ("pages=0-10", 200, slice(None)),  # a range unit not understood (14.2: MUST ignore)
])
def test_media_answers_several_ranges_with_the_whole_file(
        sample_site: InProcess, ranges: str, status: int, part: slice) -> None:
    path = "/defence/sighnaghi-field-report.wav"
    whole = sample_site.get(path)[2]
    got = sample_site.get(path, {"Range": ranges})
    assert (got[0], got[2]) == (status, whole[part]), ranges
    if status == 416:
        assert got[1]["content-range"] == f"bytes */{len(whole)}"


@pytest.mark.parametrize("path", [
    "/security/microsoft-fsb-isps-embassy-attacks.md", "/config.yaml", "/content/config.yaml",
    "/europe/brussels-airport-drone-sighting.yaml", "/../config.yaml", "/%2e%2e/config.yaml",
    "/defence/%2e%2e/%2e%2e/config.yaml", "/defence/..%2f..%2fconfig.yaml",
    "/.feeds/validators.sqlite3", "/.feeds/stories.json",
])
def test_story_sources_config_and_state_are_never_served(sample_site: InProcess, path: str) -> None:
    status, _, body = sample_site.get(path)
    assert status == 404
    assert b"base_url" not in body and b"title:" not in body


def test_the_sample_feeds_are_complete(sample_site: InProcess) -> None:
    """Twelve stories fit in one document: RFC 5005 section 2 (fh:complete), no archives."""
    atom = etree.fromstring(sample_site.get("/atom.xml")[2])
    assert atom.find("{http://purl.org/syndication/history/1.0}complete") is not None
    assert sample_site.get("/archive/1.xml")[0] == 404


def test_follow_block_and_copy_buttons_are_on_every_page(sample_site: InProcess) -> None:
    for path in ("/", "/europe/", "/tags/russia/", "/authors/anewz/",
                 "/europe/brussels-airport-drone-sighting/", "/no-such-page/"):
        page = sample_site.get(path)[2].decode()
        assert '<section class="follow" id="follow"' in page
        assert "A feed reader" in page
        copies = re.findall(r'data-copy="([^"]+)"', page)
        assert f"{sample_site.base}/rss.xml" in copies
        assert 'href="/feeds.opml"' in page
    script = sample_site.get("/static/follow.js", {"Accept-Encoding": "gzip"})
    assert script[0] == 200
    body = gzip.decompress(script[2]) if script[1].get("content-encoding") == "gzip" else script[2]
    assert b"navigator.clipboard.writeText" in body


def test_the_archive_chain_over_http_holds_every_story_once_and_full_pages_stay_put(
    site: Path, serve: Callable[..., Server]
) -> None:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/", feed_size=2)
    for n in range(1, 7):
        write_story(site, f"s{n}.md", story_text(f"Story {n}", f"2025-11-{n:02}T12:00:00",
                                                 id=f'"urn:x:{n}"'))
    server = serve(site, port=port)

    def chain() -> tuple[list[str], dict[str, str]]:
        seen: list[str] = []
        etags: dict[str, str] = {}
        path: str | None = "/atom.xml"
        for _ in range(20):  # bounded walk
            if path is None:
                break
            status, headers, body = server.get(path)
            assert status == 200, path
            etags[path] = headers["etag"]
            parsed = feedparser.parse(body)
            seen += [entry.id for entry in parsed.entries]
            older = [link.href for link in parsed.feed.links if link.rel == "prev-archive"]
            path = urlsplit(older[0]).path if older else None
        return seen, etags

    seen, before = chain()
    assert seen == [f"urn:x:{n}" for n in range(6, 0, -1)]
    assert set(before) == {"/atom.xml", "/archive/2.xml", "/archive/1.xml"}
    status, headers, _ = server.get("/archive/3.xml")  # not full yet: its stories are in the feed
    assert status == 307 and headers["location"].endswith("/atom.xml")
    assert server.get("/archive/4.xml")[0] == 404

    write_story(site, "s7.md", story_text("Story 7", "2025-11-07T12:00:00", id='"urn:x:7"'))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(chain()[0]) < 7:
        time.sleep(0.05)
    seen, after = chain()
    assert seen == [f"urn:x:{n}" for n in range(7, 0, -1)]
    assert after["/archive/1.xml"] == before["/archive/1.xml"]  # full pages never change
    assert after["/archive/2.xml"] == before["/archive/2.xml"]
