"""What feeds and pages show of one story: its URL, its HTML, its summary, its categories.

The HTML of a story is made here, once per story version in each worker (a
small cache bounded in bytes), because the same story appears in the site's,
its section's, its tags' and its authors' feeds, in three formats each.
"""

from __future__ import annotations

import html
import threading
from collections import OrderedDict
from urllib.parse import quote

from ..site.config import Settings
from ..site.markup import summarize, to_html
from ..site.story import Story

HTML_CACHE_BYTES = 8 << 20


class _HtmlCache:
    """Least recently used story HTML, bounded by the characters it holds."""

    def __init__(self, budget: int):
        self.budget = budget
        self.size = 0
        self._items: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> str | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str, str], value: str) -> None:
        cost = len(value) + len(key[0]) + 64
        if cost > self.budget // 8:
            return  # one huge story must not empty the cache for everyone else
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self.size += cost
            while self.size > self.budget and self._items:
                old_key, old = self._items.popitem(last=False)
                self.size -= len(old) + len(old_key[0]) + 64


_CACHE = _HtmlCache(HTML_CACHE_BYTES)


def widen_html_cache(budget: int) -> None:
    """Let this process keep more story HTML (a static build renders every story, each into
    several documents)."""
    _CACHE.budget = max(_CACHE.budget, budget)


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
