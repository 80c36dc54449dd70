"""The pages in a real browser: headless Chromium reads the DOM after scripts ran, and draws it."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from .browser import dom, screenshot
from .conftest import Server

pytestmark = pytest.mark.e2e  # real processes (see SERVER_FIXTURES in conftest.py)


class Page(HTMLParser):
    """The parts of a DOM the tests look at: alternate links, the follow block, headings."""

    def __init__(self, html: str):
        super().__init__()
        self.alternates: list[dict[str, str]] = []
        self.copy_buttons: list[str] = []
        self.follow_links: list[str] = []
        self.h1 = ""
        self._in_follow = 0
        self._in_h1 = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "link" and attributes.get("rel") == "alternate":
            self.alternates.append(attributes)
        if tag == "section" and attributes.get("id") == "follow":
            self._in_follow = 1
        elif self._in_follow and tag == "section":
            self._in_follow += 1
        if self._in_follow and tag == "button" and "copy" in attributes.get("class", ""):
            self.copy_buttons.append(attributes.get("data-copy", ""))
        if self._in_follow and tag == "a" and "feed-url" in attributes.get("class", ""):
            self.follow_links.append(attributes["href"])
        self._in_h1 = tag == "h1" or self._in_h1

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._in_follow:
            self._in_follow -= 1
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1 += data


def feeds_of(server: Server, base: str) -> list[tuple[str, str]]:
    return [("application/rss+xml", f"{server.base}{base}rss.xml"),
            ("application/atom+xml", f"{server.base}{base}atom.xml"),
            ("application/feed+json", f"{server.base}{base}feed.json")]


@pytest.mark.parametrize(("path", "groups", "heading"), [
    ("/", ["/"], "AnewZ stories"),
    ("/europe/", ["/europe/", "/"], "AnewZ stories: europe (section)"),
    ("/defence/correspondent-reports-sighnaghi-crash-site/",
     ["/", "/defence/", "/authors/nini-nikoleishvili/", "/tags/turkey/", "/tags/georgia/"],
     "Limited visibility and rugged terrain slow recovery at Sighnaghi crash site"),
])
def test_autodiscovery_and_follow_block_in_the_dom(sample_server: Server, path: str,
                                                   groups: list[str], heading: str) -> None:
    page = Page(dom(sample_server.base + path))
    assert page.h1.strip() == heading
    found = [(link["type"], link["href"]) for link in page.alternates]
    for base in groups:
        for feed in feeds_of(sample_server, base):
            assert feed[1] in page.follow_links
            assert feed[1] in page.copy_buttons
    assert all(link.get("title") for link in page.alternates)
    # The discovery links are the page's own feeds only (the first group's: the site's on
    # a story page, the section's on its page), so a tool that takes the first link and one
    # that takes the last subscribe to the same thing.
    assert found == feeds_of(sample_server, groups[0])


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/", "/europe/", "/security/microsoft-fsb-isps-embassy-attacks/"])
def test_screenshots_are_drawn_in_both_schemes(sample_server: Server, tmp_path: Path,
                                               path: str, scheme: str) -> None:
    shot = screenshot(sample_server.base + path, tmp_path / "page.png", scheme)
    with Image.open(shot) as image:
        assert image.size == (1280, 1600)
        rgb = image.convert("RGB")
        stat = ImageStat.Stat(rgb)
        assert max(stat.stddev) > 20, "the page is blank"
        background = rgb.getpixel((5, 5))
        assert isinstance(background, tuple)
        brightness = sum(background) / 3
        assert brightness > 200 if scheme == "light" else brightness < 60
        # Text is drawn: many distinct colours (anti-aliased glyphs), not a flat fill.
        assert len(rgb.getcolors(maxcolors=1_000_000) or []) > 50


def test_a_phone_sized_window_wraps_without_horizontal_scrolling(sample_server: Server,
                                                                 tmp_path: Path) -> None:
    shot = screenshot(sample_server.base + "/security/microsoft-fsb-isps-embassy-attacks/",
                      tmp_path / "phone.png", "light", width=390, height=844)
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        assert image.size == (390, 844)
        right_edge = rgb.crop((382, 0, 390, 844))
        assert max(ImageStat.Stat(right_edge).stddev) < 12, "text runs off the right edge"
