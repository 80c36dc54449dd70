"""The claim rules (feeds.catalog.rules.claims): who holds an id, who holds a permalink, and
why the others are refused, decided on records alone."""

from __future__ import annotations

from feeds.catalog.records import FileRow
from feeds.catalog.rules.claims import (
    BROKEN,
    DRAFT,
    LIVE,
    REFUSED,
    SCHEDULED,
    hold,
    id_taken,
    path_taken,
    publishing,
    standing,
)

NOW = 1_000_000.0


def claim(source: str, story_id: str, path: str, date: float = 100.0, draft: bool = False,
          digest: str | None = "d") -> FileRow:
    return FileRow(f"content/{source}", story_id, path, date, draft, digest, [("site:", "")],
                   [], [])


def test_the_earliest_claimant_by_date_then_file_holds_an_id() -> None:
    late, early, same_date = (claim("b.md", "x", "b", 200), claim("c.md", "x", "c", 100),
                              claim("a.md", "x", "a", 200))
    held = hold([late, early, same_date], {"x"}, {}, {})
    assert held.decided == {"x": early}
    assert held.refusals == {late.source: id_taken(early.source),
                             same_date.source: id_taken(early.source)}
    assert hold([late, same_date], {"x"}, {}, {}).decided == {"x": same_date}  # then by file


def test_the_file_holding_an_id_in_the_ledger_keeps_it_while_it_claims_it() -> None:
    keeper, earlier = claim("kept.md", "x", "kept", 500), claim("new.md", "x", "new", 1)
    held = hold([keeper, earlier], {"x"}, {"x": keeper.source}, {})
    assert held.decided == {"x": keeper}
    assert held.refusals == {earlier.source: id_taken(keeper.source)}
    drafted = claim("kept.md", "x", "kept", 500, draft=True)  # it no longer claims: it goes
    assert hold([drafted, earlier], {"x"}, {"x": keeper.source}, {}).decided == {"x": earlier}


def test_drafts_and_files_never_read_whole_claim_nothing() -> None:
    held = hold([claim("d.md", "x", "d", draft=True), claim("b.md", "x", "b", digest=None)],
                {"x"}, {}, {})
    assert held.decided == {"x": None} and held.refusals == {}


def test_the_earliest_holder_takes_a_permalink_and_the_other_is_refused() -> None:
    first, second = claim("a.md", "x", "world/a", 100), claim("a.yaml", "y", "world/a", 200)
    held = hold([second, first], {"x", "y"}, {}, {})
    assert held.decided == {"x": first, "y": None}
    assert held.refusals == {second.source: path_taken(first.source, "world/a")}
    assert path_taken(first.source, "world/a") == (
        "content/a.md already publishes /world/a/: rename one of the two files.")


def test_the_story_live_at_a_path_keeps_it() -> None:
    live, earlier = claim("a.yaml", "y", "world/a", 200), claim("a.md", "x", "world/a", 100)
    held = hold([live, earlier], {"x", "y"}, {}, {"world/a": ("y", live.source)})
    assert held.decided == {"x": None, "y": live}
    assert held.refusals == {earlier.source: path_taken(live.source, "world/a")}


def test_a_story_live_at_a_path_outside_the_change_keeps_it() -> None:
    """A first build after a history decides only the new stories: a new file at a kept
    story's permalink is refused, naming the kept story's file."""
    new = claim("a.yaml", "new", "world/a", 1)
    held = hold([new], {"new"}, {}, {"world/a": ("kept", "content/world/a.md")})
    assert held.decided == {"new": None}
    assert held.refusals == {new.source: path_taken("content/world/a.md", "world/a")}


def test_a_file_that_holds_an_id_but_loses_its_permalink_publishes_nothing() -> None:
    taken = claim("b.md", "x", "world/a", 300)
    other = claim("c.md", "x", "elsewhere", 400)  # the same id, at another path
    live = claim("a.md", "y", "world/a", 100)
    held = hold([taken, other, live], {"x", "y"}, {}, {"world/a": ("y", live.source)})
    assert held.decided == {"x": None, "y": live}
    assert held.refusals == {taken.source: path_taken(live.source, "world/a"),
                             other.source: id_taken(taken.source)}


def test_standing_and_the_order_of_publication() -> None:
    now_row, future, draft = (claim("a.md", "a", "a", NOW - 5), claim("f.md", "f", "f", NOW + 5),
                              claim("d.md", "d", "d", draft=True))
    held = hold([future, now_row, draft], {"a", "f", "d"}, {}, {})
    assert standing(now_row, held.decided["a"], NOW) == LIVE
    assert standing(future, held.decided["f"], NOW) == SCHEDULED
    assert standing(draft, None, NOW) == DRAFT
    assert standing(claim("b.md", "a", "b", digest=None), None, NOW) == BROKEN
    assert standing(claim("c.md", "a", "c"), now_row, NOW) == REFUSED
    early, late = claim("z.md", "z", "z", 10), claim("y.md", "y", "y", 20)
    assert publishing(hold([late, early, future], {"z", "y", "f"}, {}, {}), NOW) == [
        ("z", early), ("y", late)]  # by date, and not the future one
