"""A section folder renamed keeps its subscribers: the old section's page, feeds and archive
pages answer 301 to the same documents of the section its stories went to."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import feedparser

from .conftest import Published, Server, free_port, story_text, write_config, write_story
from .test_live import eventually

STORIES = 60


def _bulk(site: Path, port: int = 8000) -> None:
    write_config(site, base_url=f"http://127.0.0.1:{port}/", feed_size=10, page_size=10)
    for n in range(STORIES):
        write_story(site, f"bulk/s{n:02d}.md", story_text(
            f"Story {n}", f"2025-10-{n % 28 + 1:02d}T10:00", id=f'"urn:x:{n}"'))
    write_story(site, "world/w.md", story_text("World", "2025-11-01T10:00", id='"urn:x:w"'))


def _ids(body: bytes) -> list[str]:
    return [e.id for e in feedparser.parse(body).entries]


def test_a_renamed_section_folder_redirects_every_document(
        site: Path, serve: Callable[..., Server]) -> None:
    port = free_port()
    _bulk(site, port)
    server = serve(site, port=port)
    before = {path: server.get(path)[2] for path in ("/bulk/archive/3.xml", "/bulk/atom.xml")}
    (site / "content/bulk").rename(site / "content/bulk-renamed")
    eventually(lambda: server.get("/bulk/")[0] == 301)
    for old, new in [("/bulk/", "/bulk-renamed/"), ("/bulk/rss.xml", "/bulk-renamed/rss.xml"),
                     ("/bulk/atom.xml", "/bulk-renamed/atom.xml"),
                     ("/bulk/feed.json", "/bulk-renamed/feed.json"),
                     ("/bulk/page/3/", "/bulk-renamed/page/3/"),
                     ("/bulk/archive/3.xml", "/bulk-renamed/archive/3.xml"),
                     ("/bulk/page/99/", "/bulk-renamed/"),
                     ("/bulk/archive/99.xml", "/bulk-renamed/atom.xml")]:
        status, headers, _ = server.get(old)
        assert (status, headers.get("location")) == (301, new), old
    assert server.get("/bulk/s07/")[1]["location"].endswith("/bulk-renamed/s07/")
    # What a subscriber's reader fetches now holds the same stories, page for page.
    for old, body in before.items():
        moved = feedparser.parse(f"http://127.0.0.1:{port}{old}")
        assert moved.status == 301 and moved.href.endswith(old.replace("/bulk/",
                                                                       "/bulk-renamed/"))
        assert sorted(e.id for e in moved.entries) == sorted(_ids(body))


def test_a_section_moved_in_parts_redirects_once_its_last_stories_go(
        site: Path, publish: Callable[..., Published]) -> None:
    _bulk(site)
    published = publish(site)
    (site / "content/part").mkdir()
    for n in range(0, 40):  # two thirds: the section lives on with the rest, not redirected
        shutil.move(site / f"content/bulk/s{n:02d}.md", site / "content/part/")
    published.sync()
    assert published.get("/bulk/").status_code == 200
    assert published.get("/part/").status_code == 200
    for n in range(40, 50):  # the rest, split: it goes where most of its last stories went
        shutil.move(site / f"content/bulk/s{n:02d}.md", site / "content/world/")
    for n in range(50, 60):
        shutil.move(site / f"content/bulk/s{n:02d}.md", site / "content/world/")
    published.sync()
    response = published.get("/bulk/rss.xml")
    assert (response.status_code, response.headers["Location"]) == (301, "/world/rss.xml")
    (site / "content/bulk").rename(site / "content/gone")  # (empty)
    write_story(site, "bulk/new.md", story_text("New", "2025-11-05T10:00", id='"urn:x:new"'))
    published.sync()  # the section has stories again: itself again
    assert published.get("/bulk/rss.xml").status_code == 200


def test_a_section_renamed_twice_redirects_to_the_last_name(
        site: Path, publish: Callable[..., Published]) -> None:
    _bulk(site)
    published = publish(site)
    (site / "content/bulk").rename(site / "content/second")
    published.sync()
    (site / "content/second").rename(site / "content/third")
    published.sync()
    for old in ("/bulk/atom.xml", "/second/atom.xml"):
        assert published.get(old).headers["Location"] == "/third/atom.xml"


def test_a_section_whose_stories_were_deleted_moved_nowhere(
        site: Path, publish: Callable[..., Published]) -> None:
    _bulk(site)
    published = publish(site)
    shutil.rmtree(site / "content/bulk")
    published.sync()
    assert published.get("/bulk/rss.xml").status_code == 404


def test_a_static_build_answers_the_renamed_sections_urls_as_the_server(
        site: Path, publish: Callable[..., Published], tmp_path: Path) -> None:
    from feeds.export.build import build

    _bulk(site)
    published = publish(site)
    (site / "content/bulk").rename(site / "content/bulk-renamed")
    published.sync()
    summary = build(site, tmp_path / "public")
    for path in ("/bulk/", "/bulk/rss.xml", "/bulk/atom.xml", "/bulk/feed.json",
                 "/bulk/page/2/", "/bulk/archive/1.xml", "/bulk/archive/4.xml"):
        served = published.get(path)
        assert summary.plan.redirects[path] == (served.status_code, served.headers["Location"])


def test_where_sections_moved_comes_back_from_the_history_without_the_catalogue(
        site: Path, tmp_path: Path, publish: Callable[..., Published]) -> None:
    _bulk(site)
    published = publish(site)
    for old, new in (("bulk", "second"), ("second", "third"), ("world", "planet"),
                     ("planet", "world")):  # the last: world has stories again, itself again
        (site / "content" / old).rename(site / "content" / new)
        published.sync()
    paths = [f"/{name}/{doc}" for name in ("bulk", "second", "third", "world", "planet")
             for doc in ("", "atom.xml", "archive/2.xml")]
    answers = {path: (r.status_code, r.headers.get("Location"))
               for path in paths for r in [published.get(path)]}
    assert answers["/bulk/atom.xml"] == (301, "/third/atom.xml")
    assert answers["/planet/"] == (301, "/world/") and answers["/world/"][0] == 200
    published.close()
    shutil.move(site / ".feeds", tmp_path / "lost")  # a new server, from the folder alone
    again = Published(site)
    try:
        assert {path: (r.status_code, r.headers.get("Location"))
                for path in paths for r in [again.get(path)]} == answers
    finally:
        again.close()
