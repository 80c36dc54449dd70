"""Sitemaps, the news sitemap and robots.txt: read as search engines read them, kept current."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from feeds.cli import main
from feeds.documents import sitemaps
from feeds.documents.sitemaps import Limits
from feeds.errors import ConfigError
from feeds.site.config import load_settings
from feeds.site.urlspace import claim_problem

from .conftest import REPO, Published, story_text, write_config, write_story

NS = {"s": sitemaps.SITEMAP_NS, "n": sitemaps.NEWS_NS}
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
BASE = "http://127.0.0.1:8000/"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now.timestamp()


def _at(hours: float) -> str:
    """Return a story date ``hours`` before NOW (negative: after), as front matter writes it."""
    return (NOW - timedelta(hours=hours)).isoformat()


def _write(site: Path, name: str, title: str, hours: float, **fields: str) -> None:
    write_story(site, name, story_text(title, _at(hours), id=f'"urn:t:{name}"', **fields))


def _path(url: str) -> str:
    assert url.startswith(BASE), url
    return urlsplit(url).path


def _locs(published: Published, path: str, tag: str) -> list[str]:
    root = etree.fromstring(published.body(path))
    return [e.text for e in root.findall(f"s:{tag}/s:loc", NS)]


def _every_url(published: Published) -> list[str]:
    """Return every page the sitemap index leads to, through each child."""
    found = []
    for child in _locs(published, "/sitemap.xml", "sitemap"):
        found += _locs(published, _path(child), "url")
    return found


@pytest.fixture
def news(site: Path, publish: Callable[..., Published]) -> tuple[Published, Clock]:
    write_config(site, language="pt-BR")
    _write(site, "world/old.md", "Three days old", 72, tags="[defence]")
    _write(site, "world/yesterday.md", "Forty-seven hours old", 47)
    _write(site, "europe/hour.md", "An hour old", 1, updated=_at(0.5), tags="[defence]")
    _write(site, "europe/later.md", "Due in an hour", -1)
    clock = Clock()
    return publish(site, clock=clock), clock


def test_the_index_leads_to_every_page_and_each_answers(
        news: tuple[Published, Clock]) -> None:
    published, _ = news
    urls = _every_url(published)
    assert len(urls) == len(set(urls))
    paths = [_path(url) for url in urls]
    assert paths[0] == "/"
    assert {"/world/", "/europe/", "/tags/defence/", "/authors/test-desk/", "/world/old/",
            "/world/yesterday/", "/europe/hour/"} == set(paths[1:])  # (not the one not due)
    for path in paths:
        assert published.get(path).status_code == 200, path
    child = etree.fromstring(published.body("/sitemap-1.xml"))
    lastmod = {_path(e.findtext("s:loc", namespaces=NS)): e.findtext("s:lastmod", namespaces=NS)
               for e in child.findall("s:url", NS)}
    zone = load_settings(published.root).timezone  # dates as the stories' files gave them

    def date(hours: float) -> str:
        return (NOW - timedelta(hours=hours)).astimezone(zone).isoformat(timespec="seconds")

    assert lastmod["/europe/hour/"] == date(0.5) and date(0.5).endswith("+01:00")  # updated
    assert lastmod["/world/old/"] == date(72)  # its date: it has no updated
    assert lastmod["/tags/defence/"] == lastmod["/"] == date(1)  # its newest story's date
    index = etree.fromstring(published.body("/sitemap.xml"))
    assert index.findtext("s:sitemap/s:lastmod", namespaces=NS) == max(
        lastmod.values(), key=datetime.fromisoformat)
    assert published.get("/sitemap-2.xml").status_code == 404


def test_children_split_at_the_limits(news: tuple[Published, Clock],
                                      monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    published, _ = news
    every = _every_url(published)
    monkeypatch.setattr(sitemaps, "LIMITS", Limits(urls=3))
    published.worker.documents.reset(published.worker.documents.version)
    children = _locs(published, "/sitemap.xml", "sitemap")
    assert [_path(c) for c in children] == ["/sitemap-1.xml", "/sitemap-2.xml", "/sitemap-3.xml"]
    split = [_locs(published, _path(c), "url") for c in children]
    assert [len(urls) for urls in split] == [3, 3, len(every) - 6]
    assert sum(split, []) == every  # the same pages in the same order
    assert published.get("/sitemap-4.xml").status_code == 404
    out = tmp_path / "public"
    assert main(["build", "--root", str(published.root), "--out", str(out)]) == 0
    for n in (1, 2, 3):
        assert (out / f"sitemap-{n}.xml").read_bytes() == published.body(f"/sitemap-{n}.xml")
    assert not (out / "sitemap-4.xml").exists()

    body = published.body("/sitemap-1.xml")
    one = len(body.splitlines()[2]) + 1  # a <url> line, the largest here or near it
    monkeypatch.setattr(sitemaps, "LIMITS", Limits(urls=50_000, bytes=len(body) - one))
    published.worker.documents.reset(published.worker.documents.version)
    sizes = [len(published.body(_path(c))) for c in _locs(published, "/sitemap.xml", "sitemap")]
    assert len(sizes) > 1 and max(sizes) <= len(body) - one


def test_the_news_sitemap_holds_exactly_the_last_two_days(
        news: tuple[Published, Clock], site: Path) -> None:
    published, clock = news

    def listed() -> dict[str, tuple[str | None, ...]]:
        root = etree.fromstring(published.body("/news-sitemap.xml"))
        return {_path(u.findtext("s:loc", namespaces=NS)): (
            u.findtext("n:news/n:publication/n:name", namespaces=NS),
            u.findtext("n:news/n:publication/n:language", namespaces=NS),
            u.findtext("n:news/n:publication_date", namespaces=NS),
            u.findtext("n:news/n:title", namespaces=NS)) for u in root.findall("s:url", NS)}

    def date(hours: float) -> str:
        return (NOW - timedelta(hours=hours)).astimezone(
            load_settings(site).timezone).isoformat(timespec="seconds")

    assert listed() == {
        "/europe/hour/": ("Test News", "pt", date(1), "An hour old"),
        "/world/yesterday/": ("Test News", "pt", date(47), "Forty-seven hours old"),
    }
    before = published.get("/news-sitemap.xml")
    clock.now += timedelta(hours=2)  # the 47-hour-old story turns 49; the scheduled one is due
    keys = published.sync()
    assert "news" in keys
    assert list(listed()) == ["/europe/later/", "/europe/hour/"]
    assert published.get("/news-sitemap.xml", {"If-None-Match": before.headers["ETag"]}
                         ).status_code == 200
    clock.now += timedelta(hours=46, minutes=59)  # "An hour old" is 48 h 59 min old
    published.sync()
    assert list(listed()) == ["/europe/later/"]
    clock.now += timedelta(hours=2)
    published.sync()
    assert listed() == {}  # an empty urlset, as Google accepts
    _write(site, "world/new.md", "Just now", -50.9)  # the clock is NOW + 50 h 59 min
    _write(site, "world/backdated.md", "Backdated", -2.9)  # 48 h 5 min old when published
    published.sync()
    assert list(listed()) == ["/world/new/"]


def test_the_news_sitemap_holds_a_thousand_at_most(
        news: tuple[Published, Clock], monkeypatch: pytest.MonkeyPatch) -> None:
    published, _ = news
    monkeypatch.setattr(sitemaps, "NEWS_LIMIT", 1)  # (Google's 1,000, made small)
    published.worker.documents.reset(published.worker.documents.version)
    root = etree.fromstring(published.body("/news-sitemap.xml"))
    assert [_path(u) for u in root.xpath("//s:loc/text()", namespaces=NS)] == ["/europe/hour/"]


def test_publishing_a_story_changes_the_sitemaps(news: tuple[Published, Clock],
                                                 site: Path) -> None:
    published, _ = news
    served = {path: published.get(path) for path in (
        "/sitemap.xml", "/sitemap-1.xml", "/news-sitemap.xml")}
    _write(site, "world/fresh.md", "Fresh", 0.1)
    published.sync()
    for path, before in served.items():
        after = published.get(path, {"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200, path  # a new ETag: not 304
    assert f"{BASE}world/fresh/" in _every_url(published)
    write_story(site, "world/yesterday.md", story_text(  # an edit: a new lastmod
        "Forty-seven hours old", _at(47), id='"urn:t:world/yesterday.md"', updated=_at(0.05)))
    published.sync()
    assert (NOW - timedelta(hours=0.05)).astimezone(load_settings(site).timezone).isoformat(
        timespec="seconds").encode() in published.body("/sitemap-1.xml")


def test_robots_txt_names_both_sitemaps_and_the_rules_of_config(
        site: Path, publish: Callable[..., Published]) -> None:
    write_config(site, robots="[{user_agent: ExampleBot, disallow: [/drafts/, /tags/]}, "
                              "{user_agent: [A-Bot, B_Bot], allow: /world/, disallow: /}]")
    _write(site, "world/a.md", "A", 1)
    published = publish(site)
    response = published.get("/robots.txt")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    text = response.data.decode()
    assert text.splitlines()[1:] == [
        "", "User-agent: *", "Allow: /", "Disallow: /healthz",
        "", "User-agent: ExampleBot", "Disallow: /drafts/", "Disallow: /tags/",
        "", "User-agent: A-Bot", "User-agent: B_Bot", "Allow: /world/", "Disallow: /",
        "", f"Sitemap: {BASE}sitemap.xml", f"Sitemap: {BASE}news-sitemap.xml"]
    write_config(site, robots="[{user_agent: '*', disallow: /private/}]")
    published.publisher.reload_config()
    published.worker.catch_up()
    text = published.body("/robots.txt").decode()
    assert "User-agent: *\nDisallow: /private/\n" in text and "Allow: /\n" not in text
    assert text.count("User-agent: *") == 1 and "Sitemap: " in text


@pytest.mark.parametrize("value", [
    "[{disallow: /}]", "[{user_agent: 'bad bot', disallow: /}]",
    "[{user_agent: X, disallow: 'no-slash'}]", "[{user_agent: X, disallow: \"/a\\nSitemap: http://x/\"}]",
    "[{user_agent: X, crawl: 1}]", "ExampleBot",
])
def test_a_robots_rule_that_is_not_one_names_the_key(site: Path, value: str) -> None:
    write_config(site, robots=value)
    with pytest.raises(ConfigError) as error:
        load_settings(site)
    assert error.value.key == "robots" and "robots" in str(error.value)


@pytest.mark.parametrize("path", ["/sitemap.xml", "/sitemap-1.xml", "/news-sitemap.xml",
                                  "/robots.txt"])
def test_they_answer_conditional_gets_and_gzip(news: tuple[Published, Clock],
                                               path: str) -> None:
    published, _ = news
    first = published.get(path)
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert published.get(path, {"If-None-Match": etag}).status_code == 304
    assert published.get(path, {"If-Modified-Since": modified}).status_code == 304
    zipped = published.get(path, {"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(zipped.data) == first.data
    assert published.get(path, {"Accept-Encoding": "gzip", "If-None-Match": zipped.headers[
        "ETag"]}).status_code == 304
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert "all" in first.headers["xkey"].split()


@pytest.mark.parametrize("name", ["robots.txt", "sitemap.xml", "sitemap-7.xml",
                                  "news-sitemap.xml"])
def test_no_story_can_take_their_paths(site: Path, publish: Callable[..., Published],
                                       name: str) -> None:
    assert claim_problem(name) is not None
    _write(site, f"{name}.md", "Taken", 1)
    _write(site, "world/a.md", "A", 1)
    published = publish(site)
    problems = [p.message for p in published.publisher.problem_list()]
    assert any("one of the site's own URLs" in m for m in problems), problems
    for path in (f"/{name}", f"/{name}/"):
        assert b"Taken" not in published.get(path).data, path


def test_the_readme_robots_example_is_what_the_site_answers(
        site: Path, publish: Callable[..., Published]) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Search engines and link previews", 1)[1]
    config = section.split("```yaml\n", 1)[1].split("```\n", 1)[0]
    (site / "config.yaml").write_text(config + "base_url: https://harbour.example/\n",
                                      encoding="utf-8")
    answer = section.split("gives\n\n```\n", 1)[1].split("```\n", 1)[0]
    assert publish(site).body("/robots.txt").decode() == answer


def test_a_catalogue_without_the_updated_index_lists_the_same(
        news: tuple[Published, Clock]) -> None:
    """A worker may read a catalogue an earlier feeds wrote before its publisher adds the
    index of each story's updated: the sitemaps are the same, only slower."""
    published, _ = news
    indexed = published.body("/sitemap-1.xml")
    published.publisher.db.execute("DROP INDEX texts_updated")
    published.worker.documents.reset(published.worker.documents.version)
    assert published.body("/sitemap-1.xml") == indexed
