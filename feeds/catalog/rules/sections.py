"""Where a section went: a section whose last stories left in one change for another section.

A renamed folder (``content/world/`` to ``content/news/``), or a section moved bit by bit
until its last stories leave, is recorded as *moved*: its page, feeds and archive pages
answer 301 where most of those last stories went (ties: the first such section by key).
A section with stories again is itself again; one that only lost its stories (deleted,
drafted) moved nowhere. A section that had moved to a section that moves follows it, so
a redirect never leads to another redirect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def target(key: str, groups_of_leavers: Iterable[Iterable[str]]) -> str | None:
    """Return where the section ``key`` moved, given the groups each of its last stories is
    in now (their live groups), or None when they went to no other section."""
    counts: dict[str, int] = {}
    for groups in groups_of_leavers:
        for other in groups:
            if other.startswith("section:") and other != key:
                counts[other] = counts.get(other, 0) + 1
    if not counts:
        return None
    return min(counts, key=lambda g: (-counts[g], g))


def moves(key: str, to: str, followers: Iterable[str]) -> dict[str, str]:
    """Return where sections go when ``key`` moves to ``to``: ``key`` there, and each of
    ``followers`` (the sections that had moved to ``key``) with it."""
    return {key: to, **{old: to for old in followers}}


def follow(moved: Mapping[str, str], key: str, to: str) -> dict[str, str]:
    """Return the sections ``moved`` (section -> where it went) after ``key`` moved to ``to``."""
    followers = [old for old, there in moved.items() if there == key]
    return {**moved, **moves(key, to, followers)}
