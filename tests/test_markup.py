"""Markdown to feed-safe HTML: sanitised, absolute, XML-clean; summaries."""

from __future__ import annotations

import re

import pytest

from feeds.site.markup import shorten, summarize, to_html
from feeds.site.text import xml_safe

BASE = "https://news.example/world/story/"


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src="x.png" onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<iframe src="https://evil.example/"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<svg onload="alert(1)"></svg>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
])
def test_hostile_html_is_removed(hostile: str) -> None:
    html = to_html(f"Before\n\n{hostile}\n\nAfter", BASE).lower()
    for bad in ("<script", "onerror", "onload", "<iframe", "<svg", "style="):
        assert bad not in html
    assert not re.search(r'(href|src)="\s*(javascript|data):', html)
    assert "before" in html and "after" in html


def test_relative_links_and_images_become_absolute() -> None:
    html = to_html("[a](other/) [b](/top) [c](../up.html) [d](#note) ![e](pic.png) "
                   "[f](https://else.example/x)", BASE)
    assert 'href="https://news.example/world/story/other/"' in html
    assert 'href="https://news.example/top"' in html
    assert 'href="https://news.example/world/up.html"' in html
    assert 'href="https://news.example/world/story/#note"' in html
    assert 'src="https://news.example/world/story/pic.png"' in html
    assert 'href="https://else.example/x"' in html


def test_commonmark_features() -> None:
    html = to_html("> quoted\n\n* one\n* two\n\n`code` **bold** _em_", BASE)
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<li>one</li>" in html
    assert "<code>code</code>" in html and "<strong>bold</strong>" in html


def test_xml_forbidden_characters_are_removed() -> None:
    assert xml_safe("a\x00b\x08c\x0bd\x1fe\ufffef\tg\nh\ri") == "abcdef\tg\nh\ri"
    assert "\x01" not in to_html("x\x01y", BASE)


def test_summary_is_the_first_paragraph_as_text() -> None:
    body = "# Heading\n\nThe *first* paragraph, with `code` and a [link](x).\n\nSecond."
    assert summarize(body) == "The first paragraph, with code and a link."
    assert summarize("") == ""


def test_summary_is_shortened_at_a_word_boundary() -> None:
    text = "word " * 100
    short = shorten(text, 50)
    assert len(short) <= 50
    assert short.endswith("word…")
    assert shorten("short text", 50) == "short text"
