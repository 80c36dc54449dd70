"""The sample site as a subscriber meets it, read with feedparser: in-process, and /healthz
through the real server."""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urlsplit

import atoma
import feedparser
import pytest
import yaml

from .conftest import REPO, InProcess, Server

FEEDS = ("/rss.xml", "/atom.xml", "/feed.json")


def _expected() -> dict[str, dict[str, object]]:
    """Read the sample stories straight from their files, independently of feeds' parser."""
    stories = {}
    for path in sorted((REPO / "content").rglob("*")):
        if path.suffix == ".md":
            front = path.read_text(encoding="utf-8").split("---\n")[1]
            data = yaml.safe_load(front)
        elif path.suffix == ".yaml":
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        else:
            continue
        relative = path.relative_to(REPO / "content").with_suffix("").as_posix()
        data["path"] = relative
        data["section"] = relative.split("/")[0]
        stories[data["id"]] = data
    return stories


EXPECTED = _expected()


def test_the_sample_site_has_twelve_distinct_stories() -> None:
    assert len(EXPECTED) == 12
    dates = [story["date"] for story in EXPECTED.values()]
    assert len(set(dates)) == 12
    assert all(isinstance(d, datetime) and d.tzinfo is not None and d.year == 2025 for d in dates)
    assert any((REPO / "content").rglob("*.yaml"))


@pytest.mark.parametrize("path", ["/rss.xml", "/atom.xml"])
def test_rss_and_atom_carry_every_sample_story(sample_site: InProcess, path: str) -> None:
    status, headers, body = sample_site.get(path)
    assert status == 200
    parsed = feedparser.parse(body, response_headers=headers)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "AnewZ stories"
    assert parsed.feed.language == "en"
    assert len(parsed.entries) == 12
    published = [entry.published_parsed for entry in parsed.entries]
    assert published == sorted(published, reverse=True), "newest first"
    for entry in parsed.entries:
        story = EXPECTED[entry.id]
        assert entry.title == story["title"]
        assert entry.link == f"{sample_site.base}/{story['path']}/"
        assert entry.summary == story["summary"]
        assert datetime(*entry.published_parsed[:6]) == _utc(story["date"])
        assert entry.author_detail.name == story["author"]
        terms = [tag.term for tag in entry.get("tags", [])]
        assert terms == [story["section"], *story["tags"]]
        first = "<figure>" if story.get("image") else "<p>"
        assert entry.content[0].value.startswith(first)


def test_rss_authors_are_read_by_parsers_that_read_only_author(sample_site: InProcess) -> None:
    """atoma (and rsstail, through libmrss) read an RSS item's <author> and no dc:creator:
    they showed no author. Each item's <author> now carries the names, in the address-then-
    names form RSS 2.0 and the W3C validator ask for."""
    feed = atoma.parse_rss_bytes(sample_site.get("/rss.xml")[2])
    assert len(feed.items) == 12
    for item in feed.items:
        story = EXPECTED[item.guid]
        assert item.author == f"noreply@example.com ({story['author']})"


def test_json_feed_carries_every_sample_story(sample_site: InProcess) -> None:
    """feedparser 6 reads no JSON Feed, so this one is read as JSON (jsonfeed.org/version/1.1)."""
    feed = json.loads(sample_site.get("/feed.json")[2])
    items = feed["items"]
    assert len(items) == 12
    dates = [datetime.fromisoformat(item["date_published"]) for item in items]
    assert dates == sorted(dates, reverse=True), "newest first"
    for item in items:
        story = EXPECTED[item["id"]]
        assert item["title"] == story["title"]
        assert item["url"] == f"{sample_site.base}/{story['path']}/"
        assert item["summary"] == story["summary"]
        assert datetime.fromisoformat(item["date_published"]) == story["date"]
        assert item["authors"] == [{"name": story["author"]}]
        assert item["author"] == {"name": story["author"]}  # for JSON Feed 1.0 readers
        assert item["tags"] == [story["section"], *story["tags"]]
        first = "<figure>" if story.get("image") else "<p>"
        assert item["content_html"].startswith(first)


def _utc(value: datetime) -> datetime:
    return datetime.utcfromtimestamp(value.timestamp())


def test_full_text_and_block_quote_survive(sample_site: InProcess) -> None:
    parsed = feedparser.parse(sample_site.get("/atom.xml")[2])
    [entry] = [e for e in parsed.entries if "FSB" in e.title]
    html = entry.content[0].value
    assert "<blockquote>" in html
    assert "Microsoft is now certain" in html
    assert html.count("<p>") == 8
    assert "consistently denied involvement in cyber espionage" in html


def test_every_item_link_answers_200(sample_site: InProcess) -> None:
    links = set()
    for path in FEEDS:
        for entry in feedparser.parse(sample_site.get(path)[2]).entries:
            links.add(entry.link)
    assert len(links) == 12
    for link in links:
        parts = urlsplit(link)
        assert parts.netloc == f"127.0.0.1:{sample_site.port}"
        status, headers, body = sample_site.get(parts.path)
        assert status == 200, link
        assert headers["content-type"] == "text/html; charset=utf-8"


def test_story_page_shows_the_story(sample_site: InProcess) -> None:
    story = next(s for s in EXPECTED.values() if "Tanzania" in str(s["title"]))
    status, _, body = sample_site.get(f"/{story['path']}/")
    page = body.decode()
    assert status == 200
    assert f"<h1>{story['title']}</h1>" in page
    assert "Mwigulu Nchemba" in page
    assert '<time datetime="2025-11-13T20:30:00+04:00">' in page


def test_front_page_lists_stories_and_offers_the_three_feeds(sample_site: InProcess) -> None:
    status, headers, body = sample_site.get("/")
    page = body.decode()
    assert status == 200
    for story in EXPECTED.values():
        assert f'href="/{story["path"]}/"' in page
    found = re.findall(r'<link rel="alternate" type="([^"]+)" title="[^"]+" href="([^"]+)">', page)
    assert found == [
        ("application/rss+xml", f"{sample_site.base}/rss.xml"),
        ("application/atom+xml", f"{sample_site.base}/atom.xml"),
        ("application/feed+json", f"{sample_site.base}/feed.json"),
    ]
    for _, href in found:
        assert sample_site.get(urlsplit(href).path)[0] == 200


# The types each kind of tool looks for: any feed; gPodder's (its FeedAutodiscovery keeps
# the last <link rel="alternate"> of these types); one format only.
GPODDER_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
                 "application/xml", "text/xml")
TYPE_FILTERS = [None, GPODDER_TYPES, ("application/rss+xml",), ("application/atom+xml",),
                ("application/feed+json",)]


@pytest.mark.parametrize(("path", "base"), [
    ("/", "/"), ("/europe/brussels-airport-drone-sighting/", "/"),
    ("/defence/correspondent-reports-sighnaghi-crash-site/", "/"), ("/europe/", "/europe/"),
    ("/tags/defence/", "/tags/defence/"), ("/authors/nini-nikoleishvili/",
                                           "/authors/nini-nikoleishvili/"),
    ("/no-such-page/", "/"),
])
def test_first_and_last_feed_links_are_the_pages_own(sample_site: InProcess, path: str,
                                                     base: str) -> None:
    """Tools that take the first alternate link and tools that take the last (gPodder took a
    one-story tag feed from a story page) subscribe to the page's own feeds: the site's on
    the front and story pages, a group's on its page, whatever type they look for."""
    body = sample_site.get(path)[2]
    found = re.findall(r'<link rel="alternate" type="([^"]+)" title="[^"]+" href="([^"]+)">',
                       body.decode())
    own = {f"{sample_site.base}{base}{name}" for name in ("rss.xml", "atom.xml", "feed.json")}
    for types in TYPE_FILTERS:
        links = [href for kind, href in found if types is None or kind in types]
        assert links and links[0] in own and links[-1] in own, (types, links)


@pytest.mark.parametrize("path", [*FEEDS, "/", "/europe/brussels-airport-drone-sighting/"])
def test_two_gets_return_identical_bytes(sample_site: InProcess, path: str) -> None:
    first = sample_site.get(path)
    second = sample_site.get(path)
    assert first[0] == second[0] == 200
    assert first[2] == second[2]
    assert first[1]["etag"] == second[1]["etag"]


def test_feed_dates_come_from_the_stories_not_the_clock(sample_site: InProcess) -> None:
    rss = sample_site.get("/rss.xml")[2].decode()
    atom = sample_site.get("/atom.xml")[2].decode()
    assert "<lastBuildDate>Fri, 14 Nov 2025 06:15:00 GMT</lastBuildDate>" in rss
    assert "<updated>2025-11-14T06:15:00Z</updated>" in atom.split("<entry>")[0]


def test_media_types(sample_site: InProcess) -> None:
    expected = {
        "/rss.xml": "application/rss+xml; charset=utf-8",
        "/atom.xml": "application/atom+xml; charset=utf-8",
        "/feed.json": "application/feed+json; charset=utf-8",
        "/healthz": "application/json",
    }
    for path, media_type in expected.items():
        assert sample_site.get(path)[1]["content-type"] == media_type


def test_json_feed_meets_version_1_1(sample_site: InProcess) -> None:
    """Check the JSON Feed 1.1 rules (jsonfeed.org/version/1.1) field by field."""
    feed = json.loads(sample_site.get("/feed.json")[2])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["feed_url"] == f"{sample_site.base}/feed.json"
    assert feed["home_page_url"] == f"{sample_site.base}/"
    assert feed["language"] == "en"
    # 1.1 deprecates 1.0's author for authors, and keeps it valid beside them: 1.0 readers
    # show only author.
    assert feed["author"] == feed["authors"][0]
    assert all(set(a) <= {"name", "url", "avatar"} for a in [feed["author"], *feed["authors"]])
    ids = [item["id"] for item in feed["items"]]
    assert len(ids) == len(set(ids)) == 12
    allowed = {"id", "url", "external_url", "title", "content_html", "content_text", "summary",
               "image", "banner_image", "date_published", "date_modified", "author", "authors",
               "tags",
               "language", "attachments"}
    for item in feed["items"]:
        assert set(item) <= allowed
        assert isinstance(item["id"], str)
        assert item["content_html"]
        for key in ("date_published", "date_modified"):  # RFC 3339
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)", item[key])
        assert all(isinstance(tag, str) for tag in item["tags"])


def test_healthz_counts_the_stories(sample_server: Server) -> None:
    """The real server: its publisher running is part of what /healthz says."""
    status, headers, body = sample_server.get("/healthz")
    assert status == 200
    health = json.loads(body)
    assert isinstance(health.pop("worker"), int)
    assert isinstance(health.pop("version"), int)
    memory = health.pop("memory")
    assert memory["budget"] == 64 << 20 and 0 < memory["held"] <= memory["budget"]
    assert health == {"status": "ok", "stories": 12, "problems": [], "warnings": [],
                      "publisher": "running", "problems_count": 0, "warnings_count": 0}
    assert headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/no/such/story/", "/nothing", "/rss.xml/", "/%2e%2e/config.yaml",
                                  "/content/europe/brussels-airport-drone-sighting.yaml"])
def test_unknown_paths_are_a_404_page(sample_site: InProcess, path: str) -> None:
    status, headers, body = sample_site.get(path)
    assert status == 404
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b"There is no page at this address" in body

