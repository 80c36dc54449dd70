"""Time re-indexing after one changed file, in process (no server): it must not grow with the site.

The newest story of a site is edited again and again (a counter in its body, so every
edit is a change); each edit is taken in by a ``Catalog`` (update plus a new snapshot),
then, in a second loop, by a live ``Site`` (which also re-renders the feeds it serves).
A few untimed edits come first in each loop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feeds.index import Catalog

WARM_UP = 3  # edits taken in before the timed ones: the first after a load touches cold data


@dataclass(frozen=True, slots=True)
class Reindex:
    """Seconds to take one changed file in: the catalogue alone, and the live site's refresh.

    ``unseen`` counts edits the catalogue reported no change for (a figure to distrust).
    """

    catalog: tuple[float, ...]
    refresh: tuple[float, ...]
    unseen: int


def reindex_costs(root: Path, count: int) -> Reindex:
    """Edit the newest story ``count`` times and time the catalogue taking each edit in;
    then as many times again for the live site's whole refresh.

    The two loops are apart so that the site's rendering (tens of ms between edits, and
    a second catalogue in memory) does not colour the catalogue's figure.
    """
    from feeds.config import load_settings
    from feeds.index import Catalog

    settings = load_settings(root)
    catalog = Catalog(root, settings)
    catalog.load_all()
    source = catalog.snapshot(datetime.now(UTC)).latest(limit=1)[0].source
    path = root / source
    original = path.read_text(encoding="utf-8")
    try:
        timed, unseen = _time_catalog(catalog, path, original, count)
        del catalog
        refresh = _time_site_refresh(root, path, original, count)
    finally:
        path.write_text(original, encoding="utf-8")
    return Reindex(timed, refresh, unseen)


def _edit(path: Path, original: str, number: int) -> None:
    path.write_text(f"{original}\nEdit number {number} by the benchmark.\n", encoding="utf-8")


def _time_catalog(catalog: Catalog, path: Path, original: str,
                  count: int) -> tuple[tuple[float, ...], int]:
    """Time ``Catalog.update`` of the edited file plus a new snapshot; count unseen edits."""
    source = path.relative_to(catalog.root).as_posix()
    times, unseen = [], 0
    for number in range(-WARM_UP, count):
        _edit(path, original, number)
        started = time.perf_counter()
        changes = catalog.update([source])
        catalog.snapshot(datetime.now(UTC))
        if number >= 0:
            times.append(time.perf_counter() - started)
            unseen += not changes
    return tuple(times), unseen


def _time_site_refresh(root: Path, path: Path, original: str, count: int) -> tuple[float, ...]:
    """Time ``Site.refresh`` of the edited file: the catalogue plus the feeds it re-renders."""
    from feeds.site import Site

    site = Site(root)
    site.render_feeds()
    source = path.relative_to(root).as_posix()
    times = []
    for number in range(count - WARM_UP, 2 * count):
        _edit(path, original, number)
        started = time.perf_counter()
        site.refresh([source])
        if number >= count:
            times.append(time.perf_counter() - started)
    return tuple(times)
