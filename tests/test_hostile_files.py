"""Hostile and odd story files are problems, never failures (the cases are in ``hostile``).

One site holds every case beside good stories. ``feeds check`` and the real server
must report each hostile file with its path, line and a fix, publish the odd but
usable ones cleaned, keep every good story published, never answer 5xx, never
put a ``javascript:`` URL or an unknown element into a feed, and never hang.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree

from .conftest import Server, free_port, story_text, write_config, write_story
from .hostile import CASES, Case

GOOD = [f"world/good-{n}.md" for n in range(3)]
HOSTILE_CLASSES = sorted({case.cls for case in CASES})


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    root = tmp_path_factory.mktemp("hostile") / "site"
    (root / "content").mkdir(parents=True)
    port = free_port()
    write_config(root, base_url=f"http://127.0.0.1:{port}/")
    for n, relative in enumerate(GOOD):
        write_story(root, relative, story_text(f"Good {n}", f"2025-11-0{n + 1}T10:00:00",
                                               id=f'"urn:x:good-{n}"'))
    for case in CASES:
        case.make(root / "content" / case.path)
    return root, port


@pytest.fixture(scope="module")
def checked(hostile_site: tuple[Path, int]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feeds", "check", "--root",
                           str(hostile_site[0])], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def hostile_server(hostile_site: tuple[Path, int]) -> Server:
    from .conftest import start_server

    server = start_server(*hostile_site)
    yield server  # type: ignore[misc]
    server.stop()


def problems_of(lines: list[str], case: Case) -> list[str]:
    where = case.where or f"content/{case.path}"
    return [line for line in lines if line.split(":", 1)[0] == where]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.cls}:{c.path}" for c in CASES])
def test_feeds_check_reports_each_hostile_file_with_its_line_and_a_fix(
        checked: subprocess.CompletedProcess[str], case: Case) -> None:
    lines = checked.stdout.splitlines()
    found = problems_of(lines, case)
    if not case.words:
        assert found == [], found
        return
    assert found, f"no problem reported for {case.path}"
    problem = found[0]
    match = re.fullmatch(r"([^:]+):(\d+): (.+)", problem)
    assert match is not None, problem
    if case.line is not None:
        assert int(match.group(2)) == case.line, problem
    if case.words != "*":
        assert case.words in match.group(3), problem
    assert match.group(3).endswith("."), "a message is a sentence that ends with the fix"


def test_feeds_check_exits_1_without_a_traceback(
        checked: subprocess.CompletedProcess[str]) -> None:
    assert checked.returncode == 1
    assert "Traceback" not in checked.stderr + checked.stdout
    published = int(checked.stderr.strip().splitlines()[-1].split()[0])
    assert published == len(GOOD) + sum(1 for case in CASES if case.published)


def test_the_server_reports_the_same_problems_and_copies_no_value(
        hostile_server: Server, checked: subprocess.CompletedProcess[str]) -> None:
    health = json.loads(hostile_server.get("/healthz")[2])
    assert health["status"] == "problems"
    served = {(p["file"], p["line"], p["message"]) for p in health["problems"]}
    printed = set()
    for line in checked.stdout.splitlines():
        match = re.fullmatch(r"([^:]+):(\d+): (.+)", line)
        assert match is not None
        if not match.group(3).startswith("warning: "):
            printed.add((match.group(1), int(match.group(2)), match.group(3)))
    listed = {(f, line or 1, m) for f, line, m in served if not f.startswith(".feeds")}
    assert listed <= printed  # /healthz lists 50 at most, and counts them all
    assert health["problems_count"] == len(printed) + len(served) - len(listed)
    assert len(listed) == min(len(printed), 50)
    text = json.dumps(health)
    for leaked in ("alert(1)", "aGVsbG8", "onmouseover", "colour", "Caf", "/etc/hostname"):
        assert leaked not in text, f"/healthz copies {leaked!r} out of a file"


def test_every_good_and_every_usable_story_is_published_cleaned(hostile_server: Server) -> None:
    feed = json.loads(hostile_server.get("/feed.json")[2])
    titles = {item["title"] for item in feed["items"]}
    assert {f"Good {n}" for n in range(len(GOOD))} <= titles
    assert {case.published for case in CASES if case.published} <= titles
    assert hostile_server.get("/healthz")[2].count(b'"stories"') == 1


def assert_safe_html(fragment: str, where: str) -> None:
    """Check HTML for what could run: scripts, event handlers, script URLs, frames, objects."""
    if not fragment.strip():
        return
    for element in lxml.html.fragments_fromstring(fragment, no_leading_text=False):
        if not isinstance(element, lxml.html.HtmlElement):
            continue
        for node in element.iter():
            if not isinstance(node.tag, str):
                continue
            assert node.tag not in ("script", "iframe", "object", "embed", "style"), where
            for name, value in node.attrib.items():
                assert not name.lower().startswith("on"), (where, name)
                if name.lower() in ("href", "src", "action", "poster"):
                    scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
                    assert scheme in ("", "http", "https", "mailto"), (where, value)


@pytest.mark.parametrize("path", ["/rss.xml", "/atom.xml", "/world/rss.xml"])
def test_every_feed_stays_well_formed_and_runs_nothing(hostile_server: Server, path: str) -> None:
    status, _, body = hostile_server.get(path)
    assert status == 200
    etree.fromstring(body)  # strict XML, not only what feedparser forgives
    parsed = feedparser.parse(body, sanitize_html=False)
    assert not parsed.bozo, parsed.get("bozo_exception")
    for entry in parsed.entries:
        for content in entry.get("content", []):
            assert_safe_html(content.value, f"{path} {entry.title}")
        for link in entry.get("links", []):
            assert link.href.startswith(("http://", "https://")), link.href


def test_the_json_feed_stays_valid_and_runs_nothing(hostile_server: Server) -> None:
    feed = json.loads(hostile_server.get("/feed.json")[2])
    for item in feed["items"]:
        assert_safe_html(item["content_html"], item["title"])
        assert item["url"].startswith("http://")


@pytest.mark.parametrize("path", ["/", "/world/", "/text/script-body/", "/text/html-title/",
                                  "/feeds.opml"])
def test_every_page_runs_only_the_sites_own_script(hostile_server: Server, path: str) -> None:
    status, _, body = hostile_server.get(path)
    assert status == 200
    if path.endswith(".opml"):
        etree.fromstring(body)
        return
    page = lxml.html.fromstring(body)
    # The site's script, and one JSON-LD block (data: browsers run none of it) that every
    # hostile title stays inside.
    assert [(s.get("type"), s.get("src")) for s in page.iter("script")] == [
        ("application/ld+json", None), (None, "/static/follow.js")]
    assert json.loads(next(page.iter("script")).text)["@type"] in ("ItemList", "NewsArticle")
    for script in page.iter("script"):
        script.drop_tree()
    assert_safe_html(lxml.html.tostring(page, encoding="unicode"), path)


def test_no_path_of_the_hostile_site_gets_a_5xx(hostile_server: Server) -> None:
    paths = [f"/{c.path.rpartition('.')[0]}/" for c in CASES] + [
        f"/{c.path}" for c in CASES] + ["/odd/etc/hostname", "/odd/etc/passwd/", "/tags/t0/"]
    for path in paths:
        assert hostile_server.get(path)[0] < 500, path


def test_every_class_of_the_issue_is_covered() -> None:
    assert HOSTILE_CLASSES == ["date", "not a regular file", "shadowed path", "size", "text",
                               "yaml type"]
    assert len(CASES) >= 80
