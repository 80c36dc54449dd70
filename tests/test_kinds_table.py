"""A new kind of group is one row of ``site.kinds`` and its template part.

The test adds a throwaway kind, ``series`` (a story field ``series: Harbour works``),
and nothing else: its groups get pages, feeds in every format and RFC 5005
archives, a place in the OPML list and on every page, URLs no story may take,
and the story files' checks, all from the row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from feeds.catalog.groups import groups_of
from feeds.errors import StoryError
from feeds.site import kinds, urlspace
from feeds.site.config import Settings
from feeds.site.kinds import Kind, Part
from feeds.site.story import Author, Story
from feeds.site.storyfile import parse_story

from .conftest import Published, story_text, write_config, write_story
from .tables import parse_here  # noqa: F401 - a fixture

ATOM = {"a": "http://www.w3.org/2005/Atom", "fh": "http://purl.org/syndication/history/1.0"}
SERIES_PART = ('{% for name in group_names("series", story) %} · Series: <a class="series" '
               'href="{{ group_href("series", name) }}">{{ name }}</a>{% endfor %}')
SERIES = Kind("series", "series", "series", "Series", "Stories in the {name} series of {site}.",
              4, Part("_series.html", "byline", 3, SERIES_PART), many=False, length=60)


@pytest.fixture
def series() -> Iterator[Kind]:
    with kinds.added(SERIES) as kind:
        yield kind


def _site(site: Path, publish: Callable[..., Published]) -> Published:
    write_config(site, feed_size=2)
    for number in range(1, 6):
        write_story(site, f"world/works-{number}.md", story_text(
            f"Works, part {number}", f"2025-11-0{number}T10:00:00Z", series="Harbour works",
            tags="[harbour]"))
    write_story(site, "world/other.md", story_text("Another story", "2025-11-09T10:00:00Z"))
    return publish(site)


@pytest.mark.usefixtures("parse_here")
def test_a_series_has_pages_feeds_archives_and_its_place_everywhere(
        site: Path, publish: Callable[..., Published], series: Kind) -> None:
    published = _site(site, publish)
    base = "/series/harbour-works/"
    page = published.body(base).decode()
    assert "<title>Test News: Harbour works (series)</title>" in page
    assert page.count('<li>\n    <article>') == 5 and "Another story" not in page.split(
        "<ol class=\"stories\">")[1].split("</ol>")[0]
    for file, media in (("rss.xml", "application/rss+xml"), ("atom.xml", "application/atom+xml"),
                        ("feed.json", "application/feed+json")):
        answer = published.get(base + file)
        assert answer.status_code == 200 and answer.mimetype == media
    assert [item["title"] for item in json.loads(published.body(base + "feed.json"))["items"]] \
        == [f"Works, part {n}" for n in (5, 4)]
    # RFC 5005: following prev-archive from the Atom feed visits every story of the series once
    seen, document = [], etree.fromstring(published.body(base + "atom.xml"))
    while True:
        seen += [e.findtext("a:title", namespaces=ATOM) for e in document.findall("a:entry", ATOM)]
        prev = document.find("a:link[@rel='prev-archive']", ATOM)
        if prev is None:
            break
        document = etree.fromstring(published.body(prev.get("href").removeprefix(
            "http://127.0.0.1:8000")))
        assert document.find("fh:archive", ATOM) is not None
    assert sorted(seen) == [f"Works, part {n}" for n in range(1, 6)]
    # the OPML list names it after the kinds before it in the table, with its feed
    opml = etree.fromstring(published.body("/feeds.opml"))
    headings = [o.get("text") for o in opml.find("body").findall("outline")][1:]
    assert headings == ["Sections", "Tags", "Authors", "Series"]
    listed = opml.find("body").findall("outline")[-1].find("outline")
    assert listed.get("xmlUrl") == f"http://127.0.0.1:8000{base}atom.xml"
    assert listed.get("title") == "Test News: Harbour works (series)"
    # a story's page shows it in the byline (its part), and offers its feeds last
    story = published.body("/world/works-3/").decode()
    assert f' · Series: <a class="series" href="{base}">Harbour works</a></p>' in story
    follow = story.split('id="follow"')[1]
    names = [line.strip()[4:-5] for line in follow.splitlines() if line.strip().startswith("<h3>")]
    assert names == ["Everything", "world (section)", "Test Desk (author)", "harbour (tag)",
                     "Harbour works (series)"]
    assert published.get("/series/nothing/").status_code == 404


def test_its_field_is_checked_and_its_folder_is_the_sites(site: Path, series: Kind) -> None:
    settings = Settings.default()

    def read(text: str, source: str = "content/world/a.md") -> Story:
        return parse_story(text.encode(), source, settings, site)

    story = read(story_text("A", "2025-11-01", series="Harbour works"))
    assert story.extra_groups == (("series", ("Harbour works",)),)
    assert [g.key for g in groups_of(story)][-1] == "series:harbour-works"
    with pytest.raises(StoryError, match="series: expected text on one line"):
        read(story_text("A", "2025-11-01", series="[one, two]"))
    with pytest.raises(StoryError, match="series: it is longer than 60 characters"):
        read(story_text("A", "2025-11-01", series="x" * 61))
    with pytest.raises(StoryError, match=r"is one of the site's own URLs \(the series pages\)"):
        read(story_text("A", "2025-11-01"), "content/series/a.md")
    with pytest.raises(StoryError, match=r"section: .*\(/tags/, /authors/, /series/, /static/\)"):
        read(story_text("A", "2025-11-01", section="Series"))
    assert urlspace.own_url("/series/") == "the series pages"
    assert urlspace.own_url("/series/x/atom.xml") == "a feed"
    assert urlspace.parse("/series/x/archive/2.xml")[0] == urlspace.Target(
        "archive", "series:x", 2)


def test_the_row_is_all_there_is(site: Path) -> None:
    """Without the row, ``series`` is an unknown field and /series/ a section's URL."""
    text = story_text("A", "2025-11-01", series="Harbour works")
    with pytest.raises(StoryError, match="unknown field: .*author, section, tags, summary"):
        parse_story(text.encode(), "content/world/a.md", Settings.default(), site)
    assert urlspace.own_url("/series/") is None
    with kinds.added(SERIES):
        message = pytest.raises(StoryError, parse_story, b"---\ntitle: A\ndate: 2025-11-01\n"
                                b"colour: red\n---\n", "content/a.md", Settings.default(), site)
        assert "section, series, tags" in str(message.value)
    with pytest.raises(ValueError, match="its own name, field and URL folder"):
        with kinds.added(Kind("tag", "labels", "labels", "Labels", "{name}", 5)):
            pass


def test_stories_keep_their_stored_text() -> None:
    """Stories of the kinds feeds ships keep the catalogue text they had (no migration); a
    story with a new kind's groups carries them under ``extra_groups``, at the end."""
    when = datetime(2025, 11, 1, tzinfo=UTC)
    plain = Story("a", "content/a.md", "A", "urn:x:a", when, when, (Author("D"),), "world")
    assert list(json.loads(plain.to_json())) == ["path", "source", "title", "id", "date",
                                                 "updated", "authors", "section"]
    assert Story.from_json(plain.to_json()) == plain
    more = Story("a", "content/a.md", "A", "urn:x:a", when, when, (), None,
                 extra_groups=(("series", ("Harbour works",)),))
    assert list(json.loads(more.to_json()).items())[-1] == (
        "extra_groups", {"series": ["Harbour works"]})
    assert Story.from_json(more.to_json()) == more
