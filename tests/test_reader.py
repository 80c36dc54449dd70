"""Real feed readers: newsboat and rss2email import the OPML lists and read every feed in
them; podcastparser (gPodder's) reads the feeds as a podcast app does."""

from __future__ import annotations

import configparser
import io
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from .conftest import Server
from .test_sample_site import EXPECTED

pytestmark = pytest.mark.e2e  # real processes (see SERVER_FIXTURES in conftest.py)


def newsboat(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = shutil.which("newsboat")
    assert command, "newsboat is not installed: run `apt-get install -y newsboat` " \
                    "(make test does this itself when it runs as root)"
    return subprocess.run(
        [command, "-u", str(home / "urls"), "-c", str(home / "cache.db"),
         "-C", str(home / "config"), *args],
        capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )


def test_newsboat_imports_the_opml_and_reads_every_feed(sample_server: Server,
                                                        tmp_path: Path) -> None:
    opml = sample_server.get("/feeds.opml")[2]
    (tmp_path / "feeds.opml").write_bytes(opml)
    (tmp_path / "urls").touch()
    (tmp_path / "config").write_text("reload-threads 4\n")
    imported = newsboat(tmp_path, "-i", str(tmp_path / "feeds.opml"))
    assert imported.returncode == 0, imported.stderr
    listed = [o.get("xmlUrl") for o in etree.fromstring(opml).iter("outline") if o.get("xmlUrl")]
    urls = [line.split()[0] for line in (tmp_path / "urls").read_text().splitlines()]
    assert sorted(urls) == sorted(listed)

    reloaded = newsboat(tmp_path, "-x", "reload")
    assert reloaded.returncode == 0, reloaded.stderr
    cache = sqlite3.connect(tmp_path / "cache.db")
    feeds = dict(cache.execute("SELECT rssurl, title FROM rss_feed"))
    xml_feeds = [u for u in listed if not u.endswith(".json")]
    assert len(xml_feeds) == len(listed) > 20  # one Atom feed per group
    for url in xml_feeds:  # every RSS and Atom feed was fetched and parsed
        assert feeds.get(url, "").startswith("AnewZ stories"), url
    items = {guid: (title, enclosure) for guid, title, enclosure in cache.execute(
        "SELECT guid, title, enclosure_url FROM rss_item")}
    assert {guid: title for guid, (title, _) in items.items()} == {
        story_id: story["title"] for story_id, story in EXPECTED.items()}
    audio = [e for _, e in items.values() if e]
    assert audio == [f"{sample_server.base}/defence/sighnaghi-field-report.wav"]
    cache.close()


def _words(text: str) -> str:
    return " ".join(re.findall(r"[A-Za-z]+", text))


@pytest.mark.parametrize("path", ["/rss.xml", "/atom.xml"])
def test_podcast_apps_list_no_image_as_an_episode(sample_server: Server, path: str) -> None:
    """podcastparser (gPodder's parser) took RSS media:content, whatever its medium, as a
    download: two of three "episodes" of /rss.xml were PNGs. Only the audio is one now, and
    the lead image is the episode's art."""
    parsed = podcastparser.parse(sample_server.base + path,
                                 io.BytesIO(sample_server.get(path)[2]))
    episodes = {e["title"]: e for e in parsed["episodes"]}
    assert len(episodes) == len(EXPECTED)
    downloads = [(e["url"], e["mime_type"]) for episode in episodes.values()
                 for e in episode["enclosures"]]
    assert downloads == [(f"{sample_server.base}/defence/sighnaghi-field-report.wav",
                          "audio/wav")]
    [pictured] = [e for title, e in episodes.items() if "Cyprus" in title]
    assert pictured["episode_art_url"] == \
        f"{sample_server.base}/middle-east/cyprus-earthquakes-seismogram.png"


def test_newsboat_imports_the_offered_list_and_shows_every_story_under_the_site_feed(
        sample_server: Server, tmp_path: Path) -> None:
    """newsboat keeps one copy of each story id, under the feed it loaded last (newsboat
    #898; elfeed does the same): importing every feed showed the site's feed with 5 of its
    12 stories. The list the Follow block offers gives each story once, under the site."""
    page = sample_server.get("/")[2].decode()
    offered = re.search(r'<p class="opml">.*?<a href="([^"]+)"', page, re.S)
    assert offered is not None
    (tmp_path / "offered.opml").write_bytes(sample_server.get(offered[1])[2])
    (tmp_path / "urls").touch()
    (tmp_path / "config").write_text("reload-threads 4\n")
    imported = newsboat(tmp_path, "-i", str(tmp_path / "offered.opml"))
    assert imported.returncode == 0, imported.stderr
    reloaded = newsboat(tmp_path, "-x", "reload")
    assert reloaded.returncode == 0, reloaded.stderr
    cache = sqlite3.connect(tmp_path / "cache.db")
    shown = sorted(cache.execute("SELECT feedurl, guid FROM rss_item"))
    cache.close()
    site = f"{sample_server.base}/atom.xml"
    assert shown == sorted((site, story_id) for story_id in EXPECTED)


SENDMAIL = """#!/bin/sh
# A sendmail stand-in for rss2email: each message is appended to a file, delimited.
cat >> "$(dirname "$0")/mailbox"
printf '\\n%s\\n' '--- end of message ---' >> "$(dirname "$0")/mailbox"
"""


def r2e(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = shutil.which("r2e")
    assert command, "rss2email is not installed: run `apt-get install -y rss2email` " \
                    "(make test does this itself when it runs as root)"
    return subprocess.run([command, "-c", str(home / "r2e.cfg"), "-d", str(home / "r2e.json"),
                           *args], capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL,
                          env={"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


def test_rss2email_imports_every_feed_and_mails_each_story_once_a_feed(
        sample_server: Server, tmp_path: Path) -> None:
    """rss2email aborted on a list with two feeds of one title; now every feed is taken, and
    each feed mails each of its stories once (one format per group, not three)."""
    sendmail = tmp_path / "sendmail"
    sendmail.write_text(SENDMAIL)
    sendmail.chmod(0o755)
    assert r2e(tmp_path, "new", "reader@example.invalid").returncode == 0
    config = configparser.ConfigParser(interpolation=None)
    config.read(tmp_path / "r2e.cfg")
    config["DEFAULT"].update({"from": "feeds@example.invalid", "email-protocol": "sendmail",
                              "sendmail": str(sendmail), "use-8bit": "True"})
    with open(tmp_path / "r2e.cfg", "w") as handle:
        config.write(handle)
    opml = sample_server.get("/feeds.opml")[2]
    (tmp_path / "feeds.opml").write_bytes(opml)
    imported = r2e(tmp_path, "opmlimport", str(tmp_path / "feeds.opml"))
    assert imported.returncode == 0, imported.stderr
    listed = [o.get("xmlUrl") for o in etree.fromstring(opml).iter("outline")
              if o.get("xmlUrl")]
    names = r2e(tmp_path, "list").stdout
    assert all(url in names for url in listed), names
    ran = r2e(tmp_path, "run")
    assert ran.returncode == 0, ran.stderr
    messages = (tmp_path / "mailbox").read_text().split("--- end of message ---")[:-1]
    expected = 0
    for url in listed:
        entries = feedparser.parse(sample_server.get(url.split(str(sample_server.port), 1)[1])[2])
        expected += len(entries.entries)
    assert len(messages) == expected  # every story of every feed, once
    site = [m for m in messages if "X-RSS-Feed: " + listed[0] in m]
    assert len(site) == len(EXPECTED) == 12  # the site's feed: one message per story
    for story in EXPECTED.values():  # text mode shows each story's text, image or not
        mail = next(m for m in site if f"/{story['path']}/" in m)  # (was the image's alt text)
        assert _words(str(story["summary"])) in _words(mail), story["path"]
    assert r2e(tmp_path, "run").returncode == 0
    again = (tmp_path / "mailbox").read_text().split("--- end of message ---")[:-1]
    assert len(again) == len(messages)  # nothing is sent twice
