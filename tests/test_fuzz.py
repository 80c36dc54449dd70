"""Fuzz: random front matter and bodies written into a site being published (hypothesis).

After each file is written and published, every feed of the site must stay well-formed
(strict XML, feedparser without bozo), no document may answer 5xx, and the good stories
must stay served. The first test drives the publisher and a worker in-process, one
file at a time; the second writes a burst into the real server and reads it over HTTP.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
import yaml
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from .conftest import Published, Server, free_port, story_text, write_config, write_story

FIELDS = ("title", "date", "id", "updated", "author", "section", "tags", "summary", "image",
          "enclosures", "link", "draft", "aliases")
GOOD = 3

texts = st.text(max_size=60) | st.sampled_from(
    ["javascript:alert(1)", "<script>x</script>", "\x00\x07\x1b", "\ufffe\uffff", "2025-11-13",
     "https://x.example/a.png", "urn:uuid:1", "../../etc/passwd", "---", "yes", "~", ""])
scalars = (texts | st.integers(-2**70, 2**70) | st.floats() | st.booleans() | st.none()
           | st.dates(min_value=date(1, 1, 1))
           | st.datetimes(timezones=st.just(timezone(timedelta(hours=5)))))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(texts, inner, max_size=3), max_leaves=8)
front_matter = st.dictionaries(st.sampled_from(FIELDS) | texts, values, max_size=8)
bodies = st.text(max_size=300) | st.sampled_from([
    "<img src=x onerror=alert(1)>", "[a](javascript:alert(1))", "![i](data:image/png;base64,A)",
    "<iframe src=//evil></iframe>", "# T\n\n> q\n\n```\ncode\n```", "\x00" * 3, "*" * 2000,
])
raw_lines = st.lists(st.text(max_size=40), max_size=6).map("\n".join)


@st.composite
def story_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """Return a file name and its bytes: YAML-dumped fields, or raw lines between fences."""
    name = draw(st.sampled_from(["fuzz/a", "fuzz/b", "c"])) + draw(st.sampled_from(
        [".md", ".yaml"]))
    if draw(st.booleans()):
        fields = draw(front_matter)
        if draw(st.booleans()):  # mostly a story that could almost be published
            fields.setdefault("title", draw(texts))
            fields.setdefault("date", "2025-11-10")
        try:
            front = yaml.safe_dump(fields, allow_unicode=draw(st.booleans()))
        except (yaml.YAMLError, ValueError):
            front = ""
    else:
        front = draw(raw_lines)
    body = draw(bodies)
    if name.endswith(".yaml"):
        return name, (front + ("body: " + json.dumps(body) + "\n")).encode("utf-8", "replace")
    data = f"---\n{front}\n---\n\n{body}\n"
    return name, data.encode("utf-8", "surrogatepass" if draw(st.booleans()) else "replace")


def feed_paths(client: FlaskClient) -> list[str]:
    opml = client.get("/feeds.opml").data.decode()
    bases = ["/"] + ["/" + url.split("/", 3)[3].rstrip("/") + "/"
                     for url in re.findall(r'htmlUrl="([^"]+)"', opml)]
    return [f"{base}{name}".replace("//", "/") for base in dict.fromkeys(bases)
            for name in ("rss.xml", "atom.xml", "feed.json")]


def check_site(get: Callable[[str], tuple[int, bytes]], paths: list[str]) -> None:
    for path in paths:
        status, body = get(path)
        assert status < 500, (path, status)
        if status != 200:
            continue
        if path.endswith(".json"):
            json.loads(body)
        elif path.endswith((".xml", ".opml")):
            etree.fromstring(body)
            if not path.endswith(".opml"):
                parsed = feedparser.parse(body)
                assert not parsed.bozo, (path, parsed.get("bozo_exception"))
    for n in range(GOOD):  # the good stories stay served (the feeds may have moved on:
        # a fuzzed story once good stays published, and later ones push them out)
        status, body = get(f"/good/{n}/")
        assert status == 200 and f"Good {n}".encode() in body, (n, status)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    root = tmp_path_factory.mktemp("fuzz") / "site"
    (root / "content").mkdir(parents=True)
    write_config(root, feed_size=5)
    for n in range(GOOD):
        write_story(root, f"good/{n}.md", story_text(f"Good {n}", f"2025-11-0{n + 1}T10:00",
                                                     id=f'"urn:x:good-{n}"'))
    published = Published(root, write_ids=False)
    yield published
    published.close()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(file=story_files())
def test_random_files_never_break_a_feed_or_a_page(fuzzed: Published,
                                                   file: tuple[str, bytes]) -> None:
    name, data = file
    path = fuzzed.root / "content" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    fuzzed.sync()
    client = fuzzed.client
    paths = feed_paths(client) + ["/", "/feeds.opml", "/healthz", "/fuzz/a/", "/fuzz/b/",
                                  "/c/", "/fuzz/", "/page/2/"]

    def get(url: str) -> tuple[int, bytes]:
        response = client.get(url)
        return response.status_code, response.data

    check_site(get, paths)


@settings(max_examples=1, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(samples=st.lists(story_files(), min_size=40, max_size=40))
def test_a_burst_of_random_files_into_the_real_server(
        site: Path, serve: Callable[..., Server], samples: list[tuple[str, bytes]]) -> None:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/", feed_size=5)
    for n in range(GOOD):
        write_story(site, f"good/{n}.md", story_text(f"Good {n}", f"2025-11-0{n + 1}T10:00",
                                                     id=f'"urn:x:good-{n}"'))
    server = serve(site, port=port)
    for number, (name, data) in enumerate(samples):
        path = site / "content" / f"burst{number}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    deadline = time.monotonic() + 30
    last = None
    while time.monotonic() < deadline:  # until the publisher has taken it all in
        report = json.loads(server.get("/healthz")[2])
        if report["version"] == last and report["publisher"] == "running":
            break
        last = report["version"]
        time.sleep(0.5)

    def get(url: str) -> tuple[int, bytes]:
        status, _, body = server.get(url)
        return status, body

    opml = server.get("/feeds.opml")[2].decode()
    bases = ["/"] + ["/" + u.split("/", 3)[3] for u in re.findall(r'htmlUrl="([^"]+)"', opml)]
    paths = [f"{b.rstrip('/')}/{n}" for b in bases for n in ("rss.xml", "atom.xml", "feed.json")]
    check_site(get, paths + [f"/burst{n}/" for n in range(40)])
