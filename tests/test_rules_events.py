"""The history's events (feeds.catalog.rules.events): each carries the fields reading the history
checks, and a change writes down exactly the paths its other events do not say."""

from __future__ import annotations

from feeds.catalog.rules import events
from feeds.catalog.rules.events import EVENTS


def test_every_event_carries_its_fields() -> None:
    made = [events.published("a", 1, "content/a.md", "a", {"site:": 0}),
            events.joined("a", "tag:x", 3), events.left("a", "tag:x", 3, 5),
            events.removed("a", None), events.came_back("a", "content/b.md", "b", True),
            events.came_back("a", "content/b.md", "b", False),
            events.address("/old/", "a", True), events.section("section:a", None)]
    assert [e["event"] for e in made] == ["published", "joined", "left", "removed", "moved",
                                          "returned", "address", "section"]
    for event in made:
        assert set(event) == {"event", *EVENTS[event["event"]]}
    assert events.left("a", "tag:x", 3, 5, at=7)["at"] == 7


def test_a_change_writes_down_only_the_paths_its_events_do_not_say() -> None:
    published = events.published("a", 1, "content/a.md", "a", {})
    pointed = [("a", "a", 0), ("/old-a/", "a", 1), ("b", "b", 0), ("c", "c", 0)]
    known = {"b": ("b", 0), "c": ("x", 0)}  # b says so already; c named another story
    assert events.addresses([published], known, pointed) == [
        events.address("/old-a/", "a", True), events.address("c", "c", False)]
