"""What a group is called, and the two ways a story can be published but not reached as written.

- **A group's name** is how its first live member (by place) spells it; a group with no
  live member keeps the name it had.
- **A clash**: a story spells a group unlike the group's name although the two slug
  alike (``C++`` and ``C``, ``Blue`` and ``blue``): both spellings share one page and
  feed, so the story is reported. Spellings that differ in case alone (``Blue``,
  ``blue``) are one name: names are compared case-folded.
- **A shadow**: a story whose page is also a live section's page (``content/world.md``
  beside ``content/world/``): the section's listing is served there, so the story cannot
  be reached at its page.
"""

from __future__ import annotations

from collections.abc import Iterable

SITE_KEY = "site:"


def group_name(first_live: str | None, had: str) -> str:
    """Return a group's name: its first live member's spelling, else the name it had."""
    return had if first_live is None else first_live


def clashes(spelled: str, name: str) -> bool:
    """Tell whether a member spelling a group ``spelled`` clashes with its name ``name``."""
    return spelled != name and spelled.casefold() != name.casefold()


def clash_message(key: str) -> str:
    """Return why a story spelling the group ``key`` unlike its name is reported."""
    kind = key.partition(":")[0]
    return (f"it spells a {kind} unlike the other stories in it, and the two names share one "
            "page and feed: spell them alike, or rename one.")


def clashing(members: Iterable[tuple[str, str, str, str]]) -> list[tuple[str, str]]:
    """Return (group, file) of the members that clash, of (group, file, spelling, group's
    name) rows; the site group has no name to clash with."""
    return [(key, source) for key, source, spelled, name in members
            if key != SITE_KEY and clashes(spelled, name)]


def shadow_message(name: str) -> str:
    """Return why a story whose page is the section ``name``'s page is reported."""
    return (f"its page /{name}/ is also the {name} section's page, which is served instead: "
            "rename the file, or the section's folder.")


def shadow_candidates(groups: Iterable[str], paths: Iterable[str]) -> set[str]:
    """Return the section names whose shadows a change can have made or ended: the sections
    it changed, and the top-level pages (a path without ``/``) it changed."""
    names = {key.partition(":")[2] for key in groups if key.startswith("section:")}
    return names | {path for path in paths if "/" not in path}
