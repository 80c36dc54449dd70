"""Migration 3 (stories as keyed JSON) on a catalogue written by release 2 (tests/data/release-2/,
made by that release's own code): readers get what that release served them, and reading
every file again after the upgrade changes nothing (the stored texts and their digests are
what this feeds' parser writes)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from feeds.catalog.migrations import migrate
from feeds.catalog.store import SCHEMA_VERSION, catalog_path, meta
from feeds.site.story import Story

from .conftest import REPO, Published
from .test_migrations import load_release, same_as_served

RELEASE_2 = REPO / "tests" / "data" / "release-2"


def test_a_release_2_catalogue_keeps_its_stories_as_keyed_json_and_serves_the_same(
        tmp_path: Path, publish: Callable[..., Published]) -> None:
    site, served = load_release(RELEASE_2, tmp_path)
    clock = float(served["clock"])  # type: ignore[arg-type]
    db = sqlite3.connect(catalog_path(site), isolation_level=None)
    positional = dict(db.execute("SELECT source, story FROM texts"))
    born, version = meta(db, "born"), meta(db, "version")
    assert all(text.startswith("[") for text in positional.values())
    assert migrate(db) == [3]
    keyed = dict(db.execute("SELECT source, story FROM texts"))
    db.close()
    assert keyed.keys() == positional.keys()
    for source, text in keyed.items():
        fields = json.loads(text)
        assert fields["source"] == source and fields["title"] and "has_own_id" not in fields
        assert Story.from_json(text).to_json() == text

    published = publish(site, clock=lambda: clock)
    db = published.publisher.db
    assert meta(db, "schema") == SCHEMA_VERSION and meta(db, "born") == born
    same_as_served(published, served)
    stamps = {path: published.get(path).headers.get("Last-Modified") for path in served[
        "documents"]}  # type: ignore[index]

    # Every file read again, as a new parser would: the texts and digests are those it
    # writes, so nothing looks edited and no document changes, not even its date.
    db.execute("UPDATE files SET mtime_ns = -1")
    assert published.sync() == set()
    assert meta(db, "version") == version
    assert dict(db.execute("SELECT source, story FROM texts")) == keyed
    assert {path: published.get(path).headers.get("Last-Modified") for path in stamps} == stamps
