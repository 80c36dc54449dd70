"""A new feed format is one row of ``site.formats`` and its writer.

The test adds a throwaway format (a plain-text list of titles at ``feed.txt``)
and nothing else: every group serves it with its media type, the pages offer
it, ``opml_format`` accepts its name and the OPML lists give it, its name is the
site's own (no story may take it), and a static build writes it and serves it
from nginx with its media type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree

from feeds.documents.archives import FeedSpec
from feeds.export.build import build
from feeds.export.nginx import nginx_conf
from feeds.site import formats, urlspace
from feeds.site.config import Settings, load_settings
from feeds.site.formats import Format

from .conftest import Published, story_text, write_config, write_story
from .tables import parse_here  # noqa: F401 - a fixture


def write_text(settings: Settings, spec: FeedSpec, fmt: Format) -> bytes:
    """A feed of titles, one a line, under the group's title."""
    lines = [spec.group.title(settings.title), *(story.title for story in spec.entries)]
    return ("\n".join(lines) + "\n").encode()


TEXT = Format("text", "feed.txt", "text/plain", "Text", None, write_text)


@pytest.fixture
def text_format() -> Iterator[Format]:
    with formats.added(TEXT) as fmt:
        yield fmt


def _site(site: Path, publish: Callable[..., Published], **config: object) -> Published:
    write_config(site, **config)
    write_story(site, "world/one.md", story_text("One", "2025-11-01T10:00:00Z"))
    write_story(site, "world/two.md", story_text("Two", "2025-11-02T10:00:00Z"))
    return publish(site)


@pytest.mark.usefixtures("parse_here", "text_format")
def test_every_group_serves_it_and_every_page_offers_it(
        site: Path, publish: Callable[..., Published]) -> None:
    published = _site(site, publish, opml_format="text")
    for path, title in (("/feed.txt", "Test News"), ("/world/feed.txt", "Test News: world "
                                                                          "(section)")):
        answer = published.get(path)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert answer.data.decode() == f"{title}\nTwo\nOne\n"
    page = published.body("/world/").decode()
    assert ('<link rel="alternate" type="text/plain" title="Test News: world (section) (Text)" '
            'href="http://127.0.0.1:8000/world/feed.txt">') in page
    assert '<span class="feed-label">Text</span>' in page
    opml = etree.fromstring(published.body("/feeds.opml"))
    assert {o.get("xmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")} == {
        "http://127.0.0.1:8000/feed.txt", "http://127.0.0.1:8000/world/feed.txt",
        "http://127.0.0.1:8000/authors/test-desk/feed.txt"}
    assert published.get("/tags/x/feed.txt").status_code == 404
    # the archived feed is still the one format that says so: Atom's
    assert formats.archived() is formats.ATOM
    assert b"prev-archive" not in published.body("/feed.txt")


@pytest.mark.usefixtures("text_format")
def test_its_name_is_the_sites_own() -> None:
    assert urlspace.own_url("/feed.txt") == "a feed"
    assert urlspace.own_url("/world/feed.txt") == "a feed"
    assert urlspace.claim_problem("feed.txt") is not None
    assert urlspace.parse("/tags/x/feed.txt")[0] == urlspace.Target("feed", "tag:x", format=TEXT)
    assert "text" in formats.names()


def test_the_row_is_all_there_is(site: Path) -> None:
    assert urlspace.own_url("/world/feed.txt") is None
    write_config(site, opml_format="text")
    with pytest.raises(Exception, match="opml_format: expected rss, atom or json"):
        load_settings(site)
    with formats.added(TEXT):
        assert load_settings(site).opml_format == "text"
        with pytest.raises(ValueError, match="one group feed only is archived"):
            with formats.added(Format("x", "x.xml", "x/y", "X", None, write_text,
                                      archived=True)):
                pass


@pytest.mark.usefixtures("parse_here", "text_format")
def test_a_static_build_writes_it_and_nginx_serves_it(site: Path, tmp_path: Path) -> None:
    write_config(site)
    write_story(site, "world/one.md", story_text("One", "2025-11-01T10:00:00Z"))
    out = tmp_path / "public"
    summary = build(site, out, say=lambda line: None)
    assert (out / "world" / "feed.txt").read_text(encoding="utf-8") == \
        "Test News: world (section)\nOne\n"
    assert (out / "world" / "feed.txt.gz").is_file()
    conf = nginx_conf(summary, summary.settings)
    location = conf.split("location ~ /feed\\.txt$ {")[1].split("\n    }")[0]
    assert 'default_type "text/plain; charset=utf-8";' in location
