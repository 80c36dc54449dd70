"""The section rules (feeds.catalog.rules.sections): where a section's stories went, and how
sections that had moved follow."""

from __future__ import annotations

from feeds.catalog.rules.sections import follow, moves, target


def test_a_section_moves_where_most_of_its_last_stories_went() -> None:
    leavers = [["site:", "section:news", "tag:x"], ["section:news"], ["section:sport"]]
    assert target("section:world", leavers) == "section:news"
    assert target("section:world", [["section:b"], ["section:a"]]) == "section:a"  # a tie
    assert target("section:world", [["site:", "tag:x"], []]) is None  # deleted, not moved


def test_sections_that_had_moved_to_a_section_follow_it() -> None:
    assert moves("section:b", "section:c", ["section:a"]) == {
        "section:b": "section:c", "section:a": "section:c"}
    moved = follow({}, "section:a", "section:b")
    moved = follow(moved, "section:b", "section:c")  # a, then b, renamed: a leads to c
    assert moved == {"section:a": "section:c", "section:b": "section:c"}
    assert follow(moved, "section:x", "section:y")["section:a"] == "section:c"
