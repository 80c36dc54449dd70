"""Print the benchmark's table: medians, their spread, ratios, targets and whether each is met."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

COLUMNS = ("figure", "feeds", "nginx", "ratio", "target", "met?")
WIDTHS = (42, 20, 20, 14, 16, 8)


@dataclass(frozen=True, slots=True)
class Figure:
    """One row: feeds' samples, nginx's and the per-round ratios, judged against a target.

    With ratios the target judges the median ratio (paired within rounds, so drift between
    rounds cancels); without, it judges feeds' median alone.
    """

    name: str
    feeds: tuple[float, ...]
    nginx: tuple[float, ...] | None
    ratios: tuple[float, ...] | None
    target: str
    threshold: float
    at_most: bool
    problems: tuple[str, ...]
    style: str

    def judged(self) -> float | None:
        """Return the median the target judges, or None if there are no samples."""
        values = self.ratios if self.ratios is not None else self.feeds
        return statistics.median(values) if values else None

    def met(self) -> str:
        """Say whether the target is met, marking figures that a problem makes doubtful."""
        value = self.judged()
        if value is None:
            return "n/a"
        ok = value <= self.threshold if self.at_most else value >= self.threshold
        return ("yes" if ok else "NO") + (" (!)" if self.problems else "")


def print_report(figures: Sequence[Figure]) -> None:
    """Print the table, a spread line under each figure with several samples, then problems."""
    print()
    print(_row(COLUMNS))
    print(_row(tuple("-" * (width - 1) for width in WIDTHS)))
    for figure in figures:
        print(_row((figure.name, _median(figure.feeds, figure.style),
                    _median(figure.nginx, figure.style), _median(figure.ratios, "{:.3f}"),
                    figure.target, figure.met())))
        if len(figure.feeds) > 1:
            print(_row(("  spread (min-max)", _spread(figure.feeds, figure.style),
                        _spread(figure.nginx, figure.style), _spread(figure.ratios, "{:.3f}"),
                        "", "")))
    problems = [(figure.name, problem) for figure in figures for problem in figure.problems]
    if problems:
        print("\n(!) figures to distrust:")
        for name, problem in dict.fromkeys(problems):
            print(f"  - {name}: {problem}")


def _row(cells: Sequence[str]) -> str:
    return "".join(cell.ljust(width) for cell, width in zip(cells, WIDTHS, strict=True)).rstrip()


def _median(values: Sequence[float] | None, style: str) -> str:
    if not values:
        return "-"
    return style.format(statistics.median(values))


def _spread(values: Sequence[float] | None, style: str) -> str:
    if not values:
        return "-"
    return f"{style.format(min(values))}-{style.format(max(values))}"
