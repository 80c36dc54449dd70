"""The publication rules (feeds.catalog.rules.places): numbers, places, tombstones and returns,
applied to a ledger held in memory, with the events and keys each decision records."""

from __future__ import annotations

from feeds.catalog.records import Entry, FileRow, GroupCount, Place
from feeds.catalog.rules.places import Changes, Publication

NOW = 1_000_000.0


class Ledger:
    """A ledger in memory, as the rules see one (a ``Known``)."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.groups: dict[str, GroupCount] = {}
        self.places: dict[tuple[str, str], Place] = {}
        self.files: set[str] = set()

    def entry(self, story_id: str) -> Entry | None:
        return self.entries.get(story_id)

    def group(self, key: str, name: str) -> GroupCount:
        return self.groups.setdefault(key, GroupCount(key, name, 0, 0))

    def place(self, key: str, story_id: str) -> Place | None:
        return self.places.get((key, story_id))

    def media(self, story_id: str) -> set[str]:
        return set()

    def still_there(self, source: str) -> bool:
        return source in self.files

    def keep(self, changes: Changes) -> None:
        """Take in what a change decided, as the store would write it."""
        for story_id, _, source, path, groups in changes.new_stories:
            self.entries[story_id] = Entry(story_id, source, path, True, groups, "d", NOW - 10)
        for key, pos, story_id, _, name in changes.new_places:
            self.places[(key, story_id)] = Place(pos, True, name)
        for story_id, source, path, groups in changes.again:
            self.entries[story_id] = Entry(story_id, source, path, True, groups, "d", NOW - 10)
        for story_id, _, source in changes.removed:
            entry = self.entries[story_id]
            entry.live, entry.source = False, source


def row(name: str, story_id: str, groups: list[tuple[str, str]], date: float = NOW - 10,
        aliases: tuple[str, ...] = ()) -> FileRow:
    return FileRow(f"content/world/{name}.md", story_id, f"world/{name}", date, False, "d",
                   [("site:", ""), *groups], [], list(aliases))


def publish(ledger: Ledger, *rows: FileRow, gone: tuple[str, ...] = ()) -> Changes:
    changes = Changes(NOW, 1 + len(ledger.entries))
    publication = Publication(ledger, changes, feed_size=2)
    publication.reconcile([(r.id or "", r) for r in rows], [r.id or "" for r in rows] + list(gone))
    ledger.keep(changes)
    return changes


def test_new_stories_take_the_next_numbers_and_places_in_their_order() -> None:
    ledger = Ledger()
    changes = publish(ledger, row("a", "a", [("tag:x", "X")]), row("b", "b", [("tag:x", "x")]))
    assert [(i, seq) for i, seq, *_ in changes.new_stories] == [("a", 1), ("b", 2)]
    assert [(g, pos, i) for g, pos, i, *_ in changes.new_places] == [
        ("site:", 0, "a"), ("tag:x", 0, "a"), ("site:", 1, "b"), ("tag:x", 1, "b")]
    assert changes.events[0] == {"event": "published", "id": "a", "seq": 1,
                                 "file": "content/world/a.md", "path": "world/a",
                                 "places": {"site:": 0, "tag:x": 0}}
    assert {"story:a", "path:world/a", "group:tag:x", "page:tag:x:1"} <= changes.keys
    assert ledger.groups["tag:x"] == GroupCount("tag:x", "X", 2, 2)
    later = publish(ledger, row("c", "c", [("tag:x", "X")]))
    assert later.new_places[-1][:3] == ("tag:x", 2, "c") and "page:tag:x:2" in later.keys


def test_a_story_that_stops_keeps_its_places_and_comes_back_to_them() -> None:
    ledger = Ledger()
    a, b = row("a", "a", [("tag:x", "X")]), row("b", "b", [("tag:x", "X")])
    publish(ledger, a, b)
    removed = publish(ledger, b, gone=("a",))  # a's file is gone
    assert removed.removed == [("a", int(NOW), None)]
    assert removed.left_places == [("site:", "a", int(NOW), 2), ("tag:x", "a", int(NOW), 2)]
    assert {"event": "left", "id": "a", "group": "tag:x", "place": 0, "taken": 2} in \
        removed.events
    assert ledger.groups["tag:x"].live == 1 and ledger.groups["tag:x"].slots == 2
    back = publish(ledger, a)
    assert back.new_places == [] and back.new_stories == []  # no new place, no new number
    assert {"event": "returned", "id": "a", "file": a.source, "path": "world/a"} in back.events
    assert {"event": "joined", "id": "a", "group": "tag:x", "place": 0} in back.events
    assert ledger.groups["tag:x"].live == 2


def test_a_removed_story_whose_file_is_still_there_names_it() -> None:
    ledger = Ledger()
    publish(ledger, row("a", "a", []))
    ledger.files.add("content/world/a.md")  # drafted, say: the file stays
    changes = publish(ledger, gone=("a",))
    assert {"event": "removed", "id": "a", "file": "content/world/a.md"} in changes.events


def test_joining_a_group_later_takes_its_next_place_and_leaving_leaves_a_tombstone() -> None:
    ledger = Ledger()
    publish(ledger, row("a", "a", [("tag:x", "X")]), row("b", "b", []))
    changes = publish(ledger, row("b", "b", [("tag:x", "X")]), row("a", "a", []))
    assert ("tag:x", 1, "b", NOW - 10, "X") in changes.new_places
    assert ("tag:x", "a", int(NOW), 2) in changes.left_places
    assert changes.left == {"tag:x": ["a"]}
    assert {("tag:x", "a"), ("tag:x", "b")} <= changes.spellings


def test_a_rename_is_a_move_and_an_alias_is_pointed() -> None:
    ledger = Ledger()
    publish(ledger, row("a", "a", []))
    renamed = FileRow("content/news/a.md", "a", "news/a", NOW - 10, False, "d",
                      [("site:", "")], [], ["/old/a/"])
    changes = publish(ledger, renamed)
    assert {"event": "moved", "id": "a", "file": "content/news/a.md", "path": "news/a"} in \
        changes.events
    assert changes.pointed == [("news/a", "a", 0), ("/old/a/", "a", 1)]
    assert {"path:world/a", "path:news/a", "story:a"} <= changes.keys  # (the alias's: when
    # the catalogue says it names another story, feeds.catalog.settle)


def test_a_save_that_changes_nothing_changes_no_key() -> None:
    ledger = Ledger()
    publish(ledger, row("a", "a", [("tag:x", "X")]))
    changes = publish(ledger, row("a", "a", [("tag:x", "X")]))
    assert changes.keys == set() and changes.events == []


def test_a_first_build_tracks_no_keys() -> None:
    changes = Changes(NOW, 1, track=False)
    Publication(Ledger(), changes, feed_size=2).reconcile([("a", row("a", "a", []))], [])
    assert changes.keys == set() and len(changes.new_stories) == 1
