"""What feeds and pages show of one story: its URL, its HTML, its summary, its categories.

The HTML of a story is made here, once per story version in each worker (kept in
the shared LRU bounded in bytes, ``memory.ByteLRU``), because the same story appears in the site's,
its section's, its tags' and its authors' feeds, in three formats each.
"""

from __future__ import annotations

import html
import sys
from typing import Protocol
from urllib.parse import quote

from ..site.config import Settings
from ..site.markup import summarize, to_html
from ..site.story import Story
from .memory import ByteLRU

HTML_CACHE_BYTES = 8 << 20
ENTRY_BYTES = 100  # an ordered dict's entry and its links


HtmlKey = tuple[str, str, str]  # (Markdown, the permalink it is relative to, what is made)


class HtmlStore(Protocol):
    """Where a static build keeps story HTML between builds."""

    def get(self, key: HtmlKey) -> str | None: ...

    def put(self, key: HtmlKey, value: str) -> None: ...


class _HtmlCache:
    """Story HTML in a ``ByteLRU`` bounded by the bytes it holds; behind it, for a static
    build, a ``store`` that keeps it from one build to the next."""

    def __init__(self, budget: int):
        self.store: HtmlStore | None = None
        self.items: ByteLRU[HtmlKey, str] = ByteLRU(budget, _cost)

    def get(self, key: HtmlKey) -> str | None:
        found = self.items.get(key)
        if found is None and self.store is not None:
            found = self.store.get(key)
            if found is not None:
                self.items.put(key, found)
        return found

    def put(self, key: HtmlKey, value: str) -> None:
        self.items.put(key, value)
        if self.store is not None:
            self.store.put(key, value)


def _cost(key: HtmlKey, value: str) -> int:
    """Return the bytes an item takes: both texts as Python holds them (up to four bytes a
    character), the key, and the cache's entries for it."""
    return (sys.getsizeof(value) + sys.getsizeof(key[0]) + sys.getsizeof(key[1])
            + sys.getsizeof(key) + ENTRY_BYTES)


_CACHE = _HtmlCache(HTML_CACHE_BYTES)


def widen_html_cache(budget: int) -> None:
    """Let this process keep more story HTML (a static build renders every story, each into
    several documents)."""
    _CACHE.items.resize(max(_CACHE.items.budget, budget))


def html_cache(budget: int | None = None) -> int:
    """Return the bytes the story HTML cache holds; ``budget`` sets its budget first (a
    serving worker's share of ``document_cache_mb``)."""
    if budget is not None:
        _CACHE.items.resize(budget)
    return _CACHE.items.size


def keep_html_in(store: HtmlStore | None) -> None:
    """Look for story HTML in ``store`` too, and keep what is made there (None: stop)."""
    _CACHE.store = store


HtmlEntry = tuple[HtmlKey, str]


def render_bodies(settings: Settings, stories: list[Story]) -> list[HtmlEntry]:
    """Return the cached HTML and summaries of these stories, made now: a static build makes
    them once, in parallel, before the processes that render documents start."""
    entries = []
    for story in stories:
        entries.append(((story.body, permalink(settings, story), "body"),
                        body_html(settings, story)))
        if not story.summary:
            entries.append(((story.body, "", "summary"), summary(story)))
    return entries


def adopt_bodies(entries: list[HtmlEntry]) -> None:
    """Keep HTML made by ``render_bodies`` in another process."""
    for key, value in entries:
        _CACHE.put(key, value)


def permalink(settings: Settings, story: Story) -> str:
    """Return the absolute URL of a story's page."""
    return settings.url(quote(story.url_path))


def body_html(settings: Settings, story: Story) -> str:
    """Return the story's body as sanitised HTML with absolute URLs (markup.to_html)."""
    key = (story.body, permalink(settings, story), "body")
    found = _CACHE.get(key)
    if found is None:
        found = to_html(story.body, key[1])
        _CACHE.put(key, found)
    return found


def content_html(settings: Settings, story: Story) -> str:
    """Return what a feed item carries as its content: the lead image with its alt text first
    (most readers show no Media RSS), then the body."""
    body = body_html(settings, story)
    if story.image is None:
        return body
    figure = (f'<figure><img src="{html.escape(story.image.url)}" '
              f'alt="{html.escape(story.image.alt)}"></figure>')
    return figure + "\n" + body


def summary(story: Story) -> str:
    """Return the story's summary: its own, or the start of its body, or its title."""
    if story.summary:
        return story.summary
    key = (story.body, "", "summary")
    found = _CACHE.get(key)
    if found is None:
        found = summarize(story.body)
        _CACHE.put(key, found)
    return found or story.title


def categories(story: Story) -> list[str]:
    """Return the section and tags, as the categories feeds carry."""
    terms = [story.section] if story.section else []
    return terms + [t for t in story.tags if t not in terms]
