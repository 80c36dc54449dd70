"""Turn a story's Markdown into feed-safe HTML and plain-text summaries.

Feed readers show HTML from strangers' sites inside their own UI and have no
base URL for it, so what leaves here is sanitised (no script, no event handler,
no ``javascript:`` URL) and every link and image is absolute.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .text import xml_safe

_MARKDOWN = MarkdownIt("commonmark")

# Allowed URL schemes in links and images; everything else (javascript:, data:,
# vbscript:) is dropped by the sanitiser together with the attribute.
_URL_SCHEMES = {"http", "https", "mailto"}

SUMMARY_LENGTH = 280


def to_html(markdown: str, base_url: str) -> str:
    """Render CommonMark to sanitised HTML whose relative URLs are resolved against ``base_url``.

    ``base_url`` is the story's permalink, so ``photo.jpg`` in ``world/story.md``
    points where the page that shows it would point.
    """
    return sanitize(_MARKDOWN.render(markdown), base_url)


def sanitize(html: str, base_url: str) -> str:
    """Return ``html`` with nothing a reader or browser could run, relative URLs resolved
    against ``base_url``, and only characters XML can carry: every story's HTML (and every
    imported item's) passes here."""
    return xml_safe(
        nh3.clean(
            html,
            url_schemes=_URL_SCHEMES,
            url_relative=("rewrite_with_base", base_url),
            link_rel=None,
        )
    ).strip()


def summarize(markdown: str, limit: int = SUMMARY_LENGTH) -> str:
    """Return the body's first paragraph as plain text, shortened at a word boundary."""
    tokens = _MARKDOWN.parse(markdown)
    for i, token in enumerate(tokens):
        if token.type == "paragraph_open" and i + 1 < len(tokens):
            text = _plain_text(tokens[i + 1].children or [])
            if text:
                return shorten(text, limit)
    return ""


def shorten(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """Cut ``text`` at the last word boundary before ``limit`` characters, marking the cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-—–") + "…"


def _plain_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline", "image"):  # an image counts as its alt text
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return xml_safe("".join(parts)).strip()
