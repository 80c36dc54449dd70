"""Write what a change decided (``rules.places.Changes``) into the catalogue.

A live change writes it whole. A first build writes it in two steps: the stories and the
site's places first (what the site's own feeds and pages need: the catalogue goes live
then), every other group's places, the media and the paths a moment later.
"""

from __future__ import annotations

import sqlite3

from ..site.story import compact_json
from .rules.naming import SITE_KEY
from .rules.places import Changes
from .store import groups, ledger
from .store.meta import set_meta


def write_stories(db: sqlite3.Connection, changes: Changes) -> None:
    """Write the stories published, published again and removed."""
    ledger.add_stories(db, sorted((story_id, seq, source, path, compact_json(keys))
                                  for story_id, seq, source, path, keys in changes.new_stories))
    for story_id, file, path, keys in changes.again:
        ledger.publish_again(db, story_id, file, path or "", compact_json(keys))
    for story_id, at, gone in changes.removed:
        ledger.unpublish(db, story_id, at, gone)
    set_meta(db, "next_seq", changes.next_seq)


def write_places(db: sqlite3.Connection, changes: Changes, site: bool | None = None) -> None:
    """Write the places taken, taken again and left: the site's (``site``), every other
    group's (``site`` False) or all (None)."""
    def wanted(key: str) -> bool:
        return site is None or (key == SITE_KEY) == site

    groups.add_members(db, sorted((p for p in changes.new_places if wanted(p[0])),
                                  key=lambda p: (p[0], p[1])))  # in key order: appended
    for key, story_id, date, name in changes.rejoined:
        if wanted(key):
            groups.rejoin(db, key, story_id, date, name)
    for key, story_id, at, taken in changes.left_places:
        if wanted(key):
            groups.leave(db, key, story_id, at, taken)


def write_media(db: sqlite3.Connection, changes: Changes) -> None:
    for story_id, files in changes.media.items():
        ledger.replace_media(db, story_id, sorted(files))


def write_paths(db: sqlite3.Connection, changes: Changes) -> None:
    ledger.put_paths(db, changes.pointed)


def write(db: sqlite3.Connection, changes: Changes) -> None:
    """Write a live change whole."""
    write_stories(db, changes)
    write_places(db, changes)
    write_media(db, changes)
