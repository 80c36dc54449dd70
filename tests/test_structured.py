"""Link previews and structured data: read back from served pages with extruct, as crawlers do."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import extruct
import lxml.html
import pytest
from PIL import Image

from feeds.documents.structured import ld_json

from . import browser
from .conftest import Published, Server, free_port, story_text, write_config, write_story
from .podcasting import show_site

BASE = "http://127.0.0.1:8000/"
LOGO = "https://cdn.example/logo.png"
HOSTILE = "</script><script>alert(1)</script><!-- \u2028 & <b>bold</b>"


def _read(page: bytes, url: str) -> dict[str, object]:
    """Return what extruct reads from a page: its JSON-LD, and its Open Graph properties (as
    pairs: the uniform form keeps one value of a repeated property, such as article:tag)."""
    data: dict[str, object] = extruct.extract(page, base_url=url,
                                              syntaxes=["json-ld", "opengraph"])
    return data


def _og(data: dict[str, object]) -> dict[str, list[str]]:
    """Return the page's Open Graph properties, each with every value it has, in order."""
    found: dict[str, list[str]] = {}
    for item in data["opengraph"]:  # type: ignore[attr-defined]
        for key, value in item["properties"]:
            found.setdefault(key, []).append(value)
    return found


@pytest.fixture
def previews(site: Path, publish: Callable[..., Published]) -> Published:
    write_config(site, logo=LOGO, page_size=2)
    (site / "content/world").mkdir()
    Image.new("RGB", (1200, 630), "navy").save(site / "content/world/lead.png")
    write_story(site, "world/harbour.md", story_text(
        "Harbour reopens", "2026-01-05T09:30", id='"urn:t:1"', updated="2026-01-06T10:00",
        tags="[ports, Trade talks]", summary="The port is open again.",
        author="[Nini Nikoleishvili, {name: Ana Lee, uri: 'https://ana.example/'}]",
        image="{url: lead.png, alt: Cranes at dawn}"))
    write_story(site, "world/remote.md", story_text(
        "Remote picture", "2026-01-04", id='"urn:t:2"', image="https://img.example/x.jpg"))
    write_story(site, "world/plain.md", story_text("No picture", "2026-01-03", id='"urn:t:3"'))
    (site / "content/world/broken.png").write_bytes(b"not a png at all")
    write_story(site, "world/broken.md", story_text(
        "Broken picture", "2026-01-02", id='"urn:t:4"', image="broken.png"))
    write_story(site, "world/hostile.md", story_text(
        json.dumps(HOSTILE), "2026-01-01", id='"urn:t:5"'))
    return publish(site)


def test_a_story_page_carries_json_ld_and_open_graph(previews: Published) -> None:
    url = f"{BASE}world/harbour/"
    data = _read(previews.body("/world/harbour/"), url)
    [article] = data["json-ld"]  # type: ignore[misc]
    assert article["@type"] == "NewsArticle"
    assert article["headline"] == "Harbour reopens"
    assert article["description"] == "The port is open again."
    assert article["datePublished"] == "2026-01-05T09:30:00+01:00"
    assert article["dateModified"] == "2026-01-06T10:00:00+01:00"
    assert article["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert article["author"] == [
        {"@type": "Person", "name": "Nini Nikoleishvili",
         "url": f"{BASE}authors/nini-nikoleishvili/"},
        {"@type": "Person", "name": "Ana Lee", "url": f"{BASE}authors/ana-lee/",
         "sameAs": "https://ana.example/"}]
    for author in article["author"]:
        assert previews.get(author["url"].removeprefix(BASE[:-1])).status_code == 200
    assert article["image"] == [{"@type": "ImageObject", "url": f"{BASE}world/lead.png",
                                 "width": 1200, "height": 630, "caption": "Cranes at dawn"}]
    assert article["publisher"] == {"@type": "Organization", "name": "Test News", "url": BASE,
                                    "logo": {"@type": "ImageObject", "url": LOGO}}
    assert article["articleSection"] == "world" and article["keywords"] == ["ports",
                                                                           "Trade talks"]
    og = _og(data)
    assert og["og:type"] == ["article"] and og["og:title"] == ["Harbour reopens"]
    assert og["og:description"] == ["The port is open again."] and og["og:url"] == [url]
    assert og["og:image"] == [f"{BASE}world/lead.png"]
    assert og["og:image:width"] == ["1200"] and og["og:image:height"] == ["630"]
    assert og["og:image:alt"] == ["Cranes at dawn"]
    assert og["article:published_time"] == ["2026-01-05T09:30:00+01:00"]
    assert og["article:modified_time"] == ["2026-01-06T10:00:00+01:00"]
    assert og["article:section"] == ["world"]
    assert og["article:tag"] == ["ports", "Trade talks"]
    html = lxml.html.fromstring(previews.body("/world/harbour/"))
    assert html.xpath("//link[@rel='canonical']/@href") == [url]
    assert html.xpath("//meta[@name='twitter:card']/@content") == ["summary_large_image"]


@pytest.mark.parametrize(("path", "image", "card"), [
    ("/world/remote/", "https://img.example/x.jpg", "summary_large_image"),
    ("/world/broken/", f"{BASE}world/broken.png", "summary_large_image"),
    ("/world/plain/", None, "summary"),
])
def test_an_image_of_unknown_size_goes_without_one(previews: Published, path: str,
                                                   image: str | None, card: str) -> None:
    page = previews.body(path)
    data = _read(page, BASE[:-1] + path)
    og = _og(data)
    assert og.get("og:image") == ([image] if image else None)
    assert "og:image:width" not in og and "og:image:height" not in og
    [article] = data["json-ld"]  # type: ignore[misc]
    if image:
        assert article["image"] == [{"@type": "ImageObject", "url": image}]
    else:
        assert "image" not in article
    html = lxml.html.fromstring(page)
    assert html.xpath("//meta[@name='twitter:card']/@content") == [card]
    assert not previews.publisher.problem_list()  # no error for a size that cannot be read


def test_a_hostile_title_stays_inside_its_json(previews: Published) -> None:
    page = previews.body("/world/hostile/")
    data = _read(page, f"{BASE}world/hostile/")
    [article] = data["json-ld"]  # type: ignore[misc]
    html = lxml.html.fromstring(page)
    assert article["headline"] == html.xpath("string(//h1)")  # the title, as the page shows it
    assert article["headline"].startswith("</script><script>alert(1)</script><!-- ")
    assert article["headline"].endswith("& <b>bold</b>")
    assert _og(data)["og:title"] == [article["headline"]]
    scripts = html.xpath("//script")
    assert [s.get("type") or s.get("src") for s in scripts] == [
        "application/ld+json", "/static/follow.js"]  # no element of the title's own
    assert not html.xpath("//b") and "alert(1)</script>" not in page.decode()


def test_ld_json_escapes_what_ends_a_script_element() -> None:
    text = str(ld_json({"headline": HOSTILE}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"headline": HOSTILE}


def test_listing_pages_carry_an_item_list(previews: Published) -> None:
    for path, first in (("/", 1), ("/page/2/", 3)):
        [found] = _read(previews.body(path), BASE[:-1] + path)["json-ld"]  # type: ignore[misc]
        assert found["@type"] == "ItemList"
        items = found["itemListElement"]
        assert [item["position"] for item in items] == [first, first + 1]
        for item in items:
            assert item["@type"] == "ListItem"
            assert previews.get(item["url"].removeprefix(BASE[:-1])).status_code == 200
    [found] = _read(previews.body("/world/"), f"{BASE}world/")["json-ld"]  # type: ignore[misc]
    assert [i["url"] for i in found["itemListElement"]] == [f"{BASE}world/harbour/",
                                                           f"{BASE}world/remote/"]


def test_chromium_keeps_the_title_as_text_and_the_policy_allows_the_page(
        site: Path, serve: Callable[..., Server]) -> None:
    port = free_port()
    write_config(site, f"http://127.0.0.1:{port}/")
    write_story(site, "hostile.md", story_text(json.dumps(HOSTILE), "2026-01-01",
                                               id='"urn:t:h"'))
    server = serve(site, port=port)
    status, headers, _ = server.get("/hostile/")
    assert status == 200 and "default-src 'self'" in headers["content-security-policy"]
    try:
        result = subprocess.run(
            [browser.chromium(), *browser.FLAGS, "--enable-logging=stderr", "--v=0",
             f"--user-data-dir={site.parent / 'profile'}", "--virtual-time-budget=2000",
             "--dump-dom", f"{server.base}/hostile/"],
            capture_output=True, text=True, timeout=90, check=True)
    except FileNotFoundError:
        pytest.fail("chromium is not installed: make test installs it")
    page = lxml.html.fromstring(result.stdout)
    assert [s.get("type") for s in page.xpath("//script[not(@src)]")] == ["application/ld+json"]
    assert json.loads(page.xpath("//script[@type='application/ld+json']")[0].text)[
        "headline"].startswith("</script>")
    assert "Content Security Policy" not in result.stderr


@pytest.mark.parametrize(("name", "size"), [
    ("photo.jpg", (640, 480)), ("photo.webp", (33, 44)), ("photo.gif", (20, 10)),
    ("drawing.svg", (120, 60)), ("relative.svg", None), ("empty.png", None),
])
def test_image_sizes_are_read_from_files_of_each_format(
        site: Path, publish: Callable[..., Published], name: str,
        size: tuple[int, int] | None) -> None:
    folder = site / "content/world"
    folder.mkdir()
    if name.endswith(".svg"):
        width, height = ("120", "60") if size else ("50%", "2em")
        (folder / name).write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
                                   f'height="{height}"></svg>', encoding="utf-8")
    elif size is None:
        (folder / name).write_bytes(b"")
    else:
        Image.new("RGB", size, "teal").save(folder / name)
    write_story(site, "world/pic.md", story_text("Pic", "2026-01-01", id='"urn:t:p"',
                                                 image=name))
    published = publish(site)
    og = _og(_read(published.body("/world/pic/"), f"{BASE}world/pic/"))
    assert og["og:image"] == [f"{BASE}world/{name}"]
    found = (og.get("og:image:width"), og.get("og:image:height"))
    assert found == ((None, None) if size is None else ([str(size[0])], [str(size[1])]))


def test_a_show_page_is_a_podcast_series_with_its_episodes(
        site: Path, publish: Callable[..., Published]) -> None:
    """A show's page is both a listing (``ItemList``) and the show (``PodcastSeries``): its
    name, feed and artwork, and each episode of the page with its audio."""
    show_site(site)
    published = publish(site)
    found = _read(published.body("/briefing/"), f"{BASE}briefing/")["json-ld"]
    [graph] = found  # type: ignore[misc]
    by_type = {item["@type"]: item for item in graph["@graph"]}
    assert set(by_type) == {"ItemList", "PodcastSeries"}
    series = by_type["PodcastSeries"]
    assert series["url"] == f"{BASE}briefing/"
    assert series["webFeed"] == f"{BASE}briefing/rss.xml"
    assert series["image"].endswith("/briefing/cover.png")
    episodes = {e["name"]: e for e in series["episode"]}
    assert set(episodes) == {"Monday's briefing", "Coming soon, the Morning Briefing"}
    monday = episodes["Monday's briefing"]
    assert monday["@type"] == "PodcastEpisode"
    assert monday["associatedMedia"]["contentUrl"] == f"{BASE}briefing/monday.mp3"
    for episode in episodes.values():
        assert published.get(episode["url"].removeprefix(BASE[:-1])).status_code == 200
    [other] = _read(published.body("/"), BASE)["json-ld"]  # type: ignore[misc]
    assert other["@type"] == "ItemList"  # any other listing: no series
