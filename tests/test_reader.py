"""A real feed reader: newsboat imports /feeds.opml and reloads every feed in it, headless."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from lxml import etree

from .conftest import Server
from .test_sample_site import EXPECTED


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
