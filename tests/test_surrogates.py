"""Surrogate keys: a purge of what a publication changed reaches exactly the documents it must."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from feeds.app import create_app
from feeds.documents.surrogates import (
    ALL,
    MAX_STORY_KEYS,
    document_keys,
    purge_keys,
    surrogate,
)

from .conftest import Published, story_text, write_config, write_story

PATHS = [
    "/", "/page/2/", "/rss.xml", "/atom.xml", "/feed.json", "/archive/1.xml", "/archive/2.xml",
    "/archive/3.xml", "/feeds.opml", "/world/", "/world/rss.xml", "/world/atom.xml",
    "/world/archive/1.xml", "/africa/", "/africa/feed.json", "/tags/defence/",
    "/tags/defence/atom.xml", "/tags/new-tag/rss.xml", "/authors/test-desk/feed.json",
    "/world/a/", "/world/b/", "/world/c/", "/africa/d/", "/africa/e/", "/world/f/",
    "/world/moved/", "/world/new/", "/world/new", "/world/photo.png", "/nothing/",
    "/sitemap.xml", "/sitemap-1.xml", "/news-sitemap.xml", "/robots.txt",
]


def test_keys_are_compact_and_safe_in_a_header() -> None:
    assert surrogate("group:tag:defence") == "g:tag:defence"
    assert surrogate("page:site::3") == "a:site::3"
    assert surrogate("settings") == ALL
    story = surrogate("story:urn:uuid:ac3dbd17-d679-450a-9119-ef918c3b03f9")
    assert story.startswith("s:") and len(story) == 14
    odd = surrogate("path:wörld, news/a b")
    assert odd.startswith("u:") and " " not in odd and "," not in odd and odd.isascii()


def test_a_document_listing_many_stories_names_its_group_instead() -> None:
    many = {f"story:{n}" for n in range(MAX_STORY_KEYS + 1)} | {"group:tag:x", "settings"}
    keys = document_keys(many)
    assert keys == sorted({ALL, "g:tag:x", "c:tag:x"})
    few = {f"story:{n}" for n in range(MAX_STORY_KEYS)} | {"page:tag:x:2", "name:tag:x"}
    assert len(document_keys(few)) == MAX_STORY_KEYS + 3
    # A change to one story purges its groups' contents too, whichever form a document took.
    assert set(purge_keys({"story:7"}, lambda ids: {"tag:x"})) == {surrogate("story:7"),
                                                                   "c:tag:x"}
    assert purge_keys({"settings", "story:7"}, lambda ids: {"tag:x"}) == [ALL]


Answer = tuple[int, bytes, set[str]]


def _answers(client: FlaskClient) -> dict[str, Answer]:
    found = {}
    for path in PATHS:
        response = client.get(path)
        keys = set(response.headers.get("xkey", "").split())
        found[path] = (response.status_code, response.data, keys)
    return found


def _deps(site: Published) -> dict[str, frozenset[str]]:
    """Return what each hot document was rendered from, as the worker recorded it."""
    found = {}
    for path in PATHS:
        prepared = site.worker.documents.get(path)
        if prepared is not None:
            found[path] = prepared.deps
    return found


def _groups(site: Published) -> Callable[[list[str]], set[str]]:
    def groups_of(ids: list[str]) -> set[str]:
        found: set[str] = set()
        for story_id in ids:
            for (groups,) in site.publisher.db.execute(
                    "SELECT groups FROM stories WHERE id = ?", (story_id,)):
                found.update(json.loads(groups))
        return found
    return groups_of


def _story(title: str, date: str, **fields: str) -> str:
    return story_text(title, date, id=f'"urn:x:{title.lower()}"', **fields)


CHANGES: dict[str, Callable[[Path], None]] = {
    "an edited body": lambda root: write_story(
        root, "world/b.md", _story("B", "2025-11-02", tags="[defence]", body="New words.")),
    "a new story in a new tag": lambda root: write_story(
        root, "world/new.md", _story("New", "2025-11-09", tags="[new-tag]")),
    "a removed story": lambda root: (root / "content/africa/d.md").unlink(),
    "a backdated story": lambda root: write_story(root, "world/c.md", _story("C", "2025-10-01")),
    "a renamed file": lambda root: (root / "content/world/f.md").rename(
        root / "content/world/moved.md"),
    "an old story renamed": lambda root: (root / "content/world/a.md").rename(
        root / "content/world/new.md"),
    "a retitled story": lambda root: write_story(root, "africa/e.md",
                                                 _story("E2", "2025-11-05")),
    "an archive page filled": lambda root: [write_story(  # its 307 to the feed becomes a page
        root, f"world/more-{n}.md", _story(f"More{n}", f"2025-11-1{n}")) for n in range(2)],
    "an image used": lambda root: write_story(
        root, "world/a.md", _story("A", "2025-11-01", image="photo.png")),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_purge_reaches_exactly_the_documents_that_depend_on_the_change(
        site: Path, publish: Callable[..., Published], change: str) -> None:
    write_config(site, feed_size=2, page_size=2)
    (site / "content/world").mkdir()
    (site / "content/world/photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    write_story(site, "world/a.md", _story("A", "2025-11-01"))
    write_story(site, "world/b.md", _story("B", "2025-11-02", tags="[defence]"))
    write_story(site, "world/c.md", _story("C", "2025-11-03", tags="[defence]"))
    write_story(site, "africa/d.md", _story("D", "2025-11-04", tags="[defence]"))
    write_story(site, "africa/e.md", _story("E", "2025-11-05"))
    write_story(site, "world/f.md", _story("F", "2025-11-06"))
    published = publish(site)
    before = _answers(published.client)
    deps = _deps(published)

    CHANGES[change](site)
    changed = published.sync()
    purged = set(purge_keys(changed, _groups(published)))
    fresh = create_app(site, follow=False)  # what a worker that kept nothing answers now
    after = _answers(fresh.test_client())
    fresh.extensions["feeds"].stop()

    assert changed and purged
    moved = [p for p in PATHS if before[p][:2] != after[p][:2]]
    assert moved, "the change shows somewhere"
    for path in moved:  # nothing a cache keeps goes stale
        assert before[path][2] & purged, f"{path} changed ({change}) but was not purged"
    for path, keys in deps.items():  # and nothing is purged that did not depend on the change
        assert bool(before[path][2] & purged) == bool(keys & changed), path
