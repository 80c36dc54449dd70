"""Upgrades migrate the catalogue in place: a catalogue written by the release before each
migration (kept in tests/data/release-N/, made by that release's own code) is migrated, and
readers get what that release served them (the same items in the same order, tombstones,
redirects and 410s, whatever this release changed in how a document is written); then the
history the migration wrote is enough to build the same site again without the catalogue."""

from __future__ import annotations

import base64
import json
import re
import shutil
import sqlite3
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest

from feeds.catalog.migrations import MIGRATIONS, Unreadable, migrate
from feeds.catalog.replay import replay
from feeds.catalog.store import SCHEMA_VERSION, catalog_path, meta

from .conftest import REPO, Published

RELEASE_1 = REPO / "tests" / "data" / "release-1"


def load_release(fixture: Path, tmp_path: Path) -> tuple[Path, dict[str, object]]:
    """Copy a release's site and load its catalogue dump into the site's ``.feeds/``."""
    site = tmp_path / "site"
    shutil.copytree(fixture / "site", site)
    catalog_path(site).parent.mkdir()
    db = sqlite3.connect(catalog_path(site))
    try:
        db.executescript((fixture / "catalog.sql").read_text(encoding="utf-8"))
    finally:
        db.close()
    served: dict[str, object] = json.loads((fixture / "served.json").read_text())
    return site, served


def same_as_served(published: Published, served: dict[str, object]) -> None:
    """Every document the release served: the same status and Location, and what readers
    hold of it: a feed's items in the same order (ids, titles, links, dates) and its RFC
    6721 tombstones, a page's title and the pages it links. (The bytes are the same only while this
    release writes documents as that one did: issue 18 changed what an RSS item carries.)"""
    documents: dict[str, dict[str, str]] = served["documents"]  # type: ignore[assignment]
    for path, was in documents.items():
        now = published.get(path)
        assert now.status_code == was["status"], path
        if was["location"]:
            assert now.headers["Location"].endswith(was["location"]), path
        assert what_readers_hold(path, now.data) == what_readers_hold(
            path, base64.b64decode(was["body"])), path


def what_readers_hold(path: str, body: bytes) -> object:
    """Return what a reader takes from a document, whatever its exact bytes."""
    if path.endswith(".json"):
        return [(i["id"], i["url"], i["title"], i["date_published"])
                for i in json.loads(body)["items"]]
    if path.endswith((".xml", ".opml")):
        parsed = feedparser.parse(body)
        entries = [(e.get("id"), e.get("link"), e.get("title"), e.get("published"),
                    e.get("updated")) for e in parsed.entries]
        outlines = re.findall(rb'xmlUrl="([^"]+)"', body)
        return entries, outlines, re.findall(rb"<at:deleted-entry [^>]*>", body)
    return re.findall(rb"<title>[^<]*</title>|<a [^>]*href=\"[^\"]*/\"", body)  # pages


def test_the_migrations_end_at_the_schema_the_code_writes() -> None:
    versions = [m.version for m in MIGRATIONS]
    assert versions == list(range(2, SCHEMA_VERSION + 1))


def test_a_release_1_catalogue_is_migrated_in_place_and_readers_see_what_they_saw(
        tmp_path: Path, publish: Callable[..., Published]) -> None:
    site, served = load_release(RELEASE_1, tmp_path)
    clock = float(served["clock"])  # type: ignore[arg-type]
    db = sqlite3.connect(catalog_path(site))
    born = meta(db, "born")
    db.close()
    first = publish(site, clock=lambda: clock)
    assert meta(first.publisher.db, "schema") == SCHEMA_VERSION
    assert meta(first.publisher.db, "born") == born  # migrated, not rebuilt
    same_as_served(first, served)
    assert b'<at:deleted-entry ref="urn:x:third"' in first.body("/atom.xml")
    stamps = {path: first.get(path).headers.get("Last-Modified")
              for path in ("/atom.xml", "/archive/1.xml", "/world/atom.xml")}

    # The migration wrote the history down: history/ holds the whole ledger.
    lines = sorted((site / "history").glob("*.jsonl"))
    assert lines, "the history was not written"
    events = [json.loads(line) for path in lines for line in path.read_text().splitlines()]
    assert [e["id"] for e in events if e["event"] == "published"] == [
        "urn:x:first", "urn:x:second", "urn:x:third", "urn:x:backdated", "urn:x:fifth",
        "urn:x:sixth"]
    assert {e["event"] for e in events} >= {"published", "removed", "left", "address"}
    first.close()

    # A new server from the folder alone (no .feeds/): the history brings back every order,
    # tombstone, 301 and 410, and no Last-Modified goes back.
    shutil.rmtree(site / ".feeds")
    second = publish(site, clock=lambda: clock)
    same_as_served(second, served)
    for path, before in stamps.items():
        after = second.get(path).headers["Last-Modified"]
        assert parsedate_to_datetime(after) >= parsedate_to_datetime(before), path


def test_a_catalogue_from_a_newer_feeds_or_not_sqlite_is_unreadable(tmp_path: Path) -> None:
    newer = sqlite3.connect(tmp_path / "newer.sqlite3", isolation_level=None)
    newer.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value)")
    newer.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION + 1,))
    with pytest.raises(Unreadable, match="newer feeds"):
        migrate(newer)
    (tmp_path / "junk.sqlite3").write_bytes(b"not a database at all" * 100)
    junk = sqlite3.connect(tmp_path / "junk.sqlite3", isolation_level=None)
    with pytest.raises(Unreadable, match="not a catalogue"):
        migrate(junk)


def test_the_history_of_a_migrated_catalogue_replays_to_its_ledger(tmp_path: Path) -> None:
    site, _ = load_release(RELEASE_1, tmp_path)
    db = sqlite3.connect(catalog_path(site), isolation_level=None)
    expected = {
        "stories": db.execute("SELECT id, seq, source, path, live, removed_at FROM stories "
                              "ORDER BY id").fetchall(),
        "members": db.execute("SELECT grp, pos, id, live, removed_at, removed_pos FROM members "
                              "ORDER BY grp, pos").fetchall(),
        "paths": db.execute("SELECT path, id, alias FROM paths ORDER BY path").fetchall(),
    }
    assert migrate(db) == [2, 3]
    lines = [("catalogue", n, line) for n, (line,) in enumerate(
        db.execute("SELECT line FROM history ORDER BY rowid"), start=1)]
    db.close()
    restored = replay(iter(lines))
    assert restored.problems == []
    assert sorted(s[:6] for s in restored.stories) == expected["stories"]
    assert sorted(restored.members) == expected["members"]
    assert sorted(restored.paths) == expected["paths"]
