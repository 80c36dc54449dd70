"""A folder replaced by a copy of itself (a deploy: new inodes, the same bytes) changes
nothing, decides nothing again for the files that say what they said, and still sees every
file that changed, every problem it had, and every setting that changes what stories mean."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from feeds.catalog import intake
from feeds.catalog.records import FileRow
from feeds.catalog.rules import claims
from feeds.catalog.store import files
from feeds.site.files import signature

from .conftest import Published, story_text, write_config, write_story

SITE_PATHS = ["/rss.xml", "/atom.xml", "/feed.json", "/world/", "/world/a/", "/world/d/",
              "/tags/harbour/"]


def _site(root: Path) -> None:
    write_story(root, "world/a.md", story_text("A", "2025-11-01", id='"urn:x:a"',
                                               tags="[harbour]"))
    write_story(root, "world/b.md", story_text("B", "2025-11-02", id='"urn:x:a"'))  # refused
    write_story(root, "world/c.md", story_text("C", "2025-11-03", id='"urn:x:c"',
                                               image="missing.png"))
    write_story(root, "world/d.md", story_text("D", "2025-11-04"))  # no id of its own


def _replace(root: Path) -> None:
    """Swap ``content/`` for a copy of itself, as a deploy does (times and bytes kept)."""
    shutil.copytree(root / "content", root / "release")
    shutil.rmtree(root / "content")
    os.rename(root / "release", root / "content")


def _documents(published: Published) -> dict[str, bytes]:
    return {path: published.body(path) for path in SITE_PATHS}


def test_a_copy_of_the_folder_changes_nothing(site: Path, publish: Callable[..., Published],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _site(site)
    published = publish(site, write_ids=False)
    problems = [str(p) for p in published.publisher.problem_list()]
    assert len(problems) == 2  # the refused id, the missing image
    documents = _documents(published)
    _replace(site)
    decided: list[str] = []

    def standing(found: FileRow, *args: object) -> str | None:
        decided.append(found.source)
        return claims.standing(found, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(intake, "standing", standing)
    assert published.sync() == set()  # no new version: nothing a reader sees changed
    # Only the files that did not stand clean are taken in again: the story missing its
    # image, the one without an id of its own (the refused twin is refused as it was, and
    # its problem stays).
    assert sorted(decided) == ["content/world/c.md", "content/world/d.md"]
    assert [str(p) for p in published.publisher.problem_list()] == problems
    assert _documents(published) == documents
    db = published.publisher.db
    on_disk = {f"content/world/{n}.md": signature(str(site / f"content/world/{n}.md"))
               for n in "abcd"}
    assert files.signatures(db, on_disk) == on_disk  # the next scan reads none of them


def test_what_changed_in_the_copy_is_published_and_problems_clear(
        site: Path, publish: Callable[..., Published]) -> None:
    _site(site)
    published = publish(site, write_ids=False)
    _replace(site)
    (site / "content/world/missing.png").write_bytes(b"\x89PNG")  # the image arrives
    (site / "content/world/b.md").unlink()  # the refused twin goes
    write_story(site, "world/a.md", story_text("A, edited", "2025-11-01", id='"urn:x:a"',
                                               tags="[harbour]"))
    assert published.sync()
    assert published.publisher.problem_list() == []
    assert b"A, edited" in published.body("/rss.xml")


def test_files_asked_to_be_read_again_are_decided_again(
        site: Path, publish: Callable[..., Published]) -> None:
    """New settings or reading rules (``read_all_again``) decide every story again, even one
    whose file says what it said: the rules, not the file, may have changed."""
    _site(site)
    published = publish(site, write_ids=False)
    db = published.publisher.db
    sources = [f"content/world/{n}.md" for n in "abcd"]
    assert files.settled(db, sources) == {"content/world/a.md", "content/world/b.md"}
    files.read_all_again(db)
    assert files.settled(db, sources) == set()
    write_config(site, base_url="http://news.example/")
    published.publisher.reload_config()
    published.sync()
    assert b"http://news.example/world/a/" in published.body("/rss.xml")
    assert files.settled(db, sources) == {"content/world/a.md", "content/world/b.md"}


def test_a_refused_copy_takes_over_when_its_holder_goes_in_the_same_deploy(
        site: Path, publish: Callable[..., Published]) -> None:
    _site(site)
    published = publish(site, write_ids=False)
    assert published.get("/world/b/").status_code == 404
    _replace(site)
    (site / "content/world/a.md").unlink()
    published.sync()
    assert published.get("/world/b/").status_code == 200
    assert [str(p) for p in published.publisher.problem_list()] == [
        "content/world/c.md:1: a media file it names is not under content/: add it there, or "
        "fix the path."]
