"""Who holds an id, and who holds a permalink: the first two decisions, and their refusals.

1. **An id** (RFC 4287 4.2.6: one story per id): the file that holds it in the ledger
   keeps it while it claims it; otherwise the earliest claimant by (date, file).
   Drafts and files never read whole claim nothing.
2. **A permalink**, among id holders: the story live there keeps it while its file
   claims it; otherwise the earliest holder by (date, file).

A file that loses either is *refused*, with a message naming the file that won. The
same function decides one changed file and a whole first build: ``hold`` is given the
files claiming the ids and paths concerned, and what the ledger says of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..records import FileRow

LIVE, SCHEDULED, DRAFT, REFUSED, BROKEN = "live", "scheduled", "draft", "refused", "broken"


def id_taken(holder: str) -> str:
    """Return why a file that claims an id another file holds is refused."""
    return (f"its id is already used by {holder}: give this story its own id (feeds new "
            "writes one).")


def path_taken(holder: str, path: str) -> str:
    """Return why a file whose permalink another file holds is refused."""
    return f"{holder} already publishes /{path}/: rename one of the two files."


@dataclass(slots=True)
class Holding:
    """What ``hold`` decided: for every id concerned, the file that publishes it (None:
    nobody), and why each refused file is refused."""

    decided: dict[str, FileRow | None] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)  # source -> why


def hold(files: Iterable[FileRow], ids: Iterable[str], keepers: Mapping[str, str | None],
         live_at: Mapping[str, tuple[str, str]]) -> Holding:
    """Decide who holds each of ``ids`` and their permalinks.

    ``files`` are every file claiming one of ``ids`` or one of the paths they hold;
    ``keepers`` the file holding each id in the ledger; ``live_at`` the story (id, file)
    live at each path. A story live at a path whose id is not being decided keeps it.
    """
    wanted = set(ids)
    claimants: dict[str, list[FileRow]] = {}
    for row in files:
        if row.claims and row.id in wanted:
            claimants.setdefault(row.id or "", []).append(row)
    holders: dict[str, FileRow] = {}
    for story_id, rows in claimants.items():
        keeper = keepers.get(story_id)
        kept = [r for r in rows if r.source == keeper]
        holders[story_id] = kept[0] if kept else min(rows, key=_rank)
    by_path: dict[str, list[FileRow]] = {}
    for row in holders.values():
        by_path.setdefault(row.path or "", []).append(row)
    holding = Holding(dict.fromkeys(wanted))
    for path, rows in by_path.items():
        live = live_at.get(path)
        if live is not None and live[0] not in wanted:  # not being decided: it stays
            holding.refusals.update((r.source, path_taken(live[1], path)) for r in rows)
            continue
        kept = [r for r in rows if live is not None and r.id == live[0]]
        winner = kept[0] if kept else min(rows, key=_rank)
        holding.decided[winner.id or ""] = winner
        holding.refusals.update((r.source, path_taken(winner.source, path))
                                for r in rows if r is not winner)
    for story_id, rows in claimants.items():
        holder = holders[story_id]
        holding.refusals.update((r.source, id_taken(holder.source)) for r in rows
                                if r is not holder)
    return holding


def standing(row: FileRow, holder: FileRow | None, now: float) -> str:
    """Return a file's standing, given the file holding its id: broken (never read whole),
    draft, live, scheduled (its date to come) or refused."""
    if row.digest is None:
        return BROKEN
    if row.draft:
        return DRAFT
    if holder is row:
        return SCHEDULED if row.date > now else LIVE
    return REFUSED


def publishing(holding: Holding, now: float) -> list[tuple[str, FileRow]]:
    """Return the ids to be live after this decision, with their files, in (date, file)
    order: the order new stories are numbered and take their places in."""
    return sorted(((story_id, row) for story_id, row in holding.decided.items()
                   if row is not None and row.date <= now), key=lambda pair: pair[1].rank)


def _rank(row: FileRow) -> tuple[float, str]:
    return row.rank
