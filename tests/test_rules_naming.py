"""The naming rules (feeds.catalog.rules.naming): a group's name, clashes and shadows."""

from __future__ import annotations

from feeds.catalog.rules.naming import (
    clash_message,
    clashes,
    clashing,
    group_name,
    shadow_candidates,
    shadow_message,
)


def test_a_group_is_named_as_its_first_live_member_spells_it_or_keeps_its_name() -> None:
    assert group_name("Harbour", "harbour") == "Harbour"
    assert group_name(None, "harbour") == "harbour"  # none live: the name it had


def test_spellings_that_slug_alike_clash_unless_they_differ_in_case_alone() -> None:
    assert clashes("C++", "C")
    assert not clashes("Blue", "blue") and not clashes("STRASSE", "straße")  # case-folded
    assert clashing([("tag:c", "content/a.md", "C++", "C"),
                     ("tag:blue", "content/b.md", "Blue", "blue"),
                     ("site:", "content/c.md", "x", "")]) == [("tag:c", "content/a.md")]
    assert clash_message("tag:c") == (
        "it spells a tag unlike the other stories in it, and the two names share one page and "
        "feed: spell them alike, or rename one.")


def test_a_page_shadowed_by_a_section_and_where_to_look_for_one() -> None:
    assert shadow_message("world") == (
        "its page /world/ is also the world section's page, which is served instead: rename "
        "the file, or the section's folder.")
    assert shadow_candidates(["section:world", "tag:x", "site:"], ["sport", "world/a", "/old/"]) \
        == {"world", "sport"}
