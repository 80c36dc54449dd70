"""Print a benchmark's table: medians, their spread, ratios, targets and whether each is met."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

NAME_WIDTH = 42
WIDTHS = {"value": 20, "ratio": 14, "target": 16, "met?": 8}


@dataclass(frozen=True, slots=True)
class Figure:
    """One row: feeds' samples, another's (nginx, hugo) and per-round ratios, judged against a
    target.

    With ratios the target judges the median ratio (paired within rounds, so drift between
    rounds cancels); without, it judges feeds' median alone. A figure whose ``threshold`` is
    None is shown for information, and judged by nothing.
    """

    name: str
    feeds: tuple[float, ...]
    nginx: tuple[float, ...] | None
    ratios: tuple[float, ...] | None
    target: str
    threshold: float | None
    at_most: bool
    problems: tuple[str, ...]
    style: str

    def judged(self) -> float | None:
        """Return the median the target judges, or None if there are no samples."""
        values = self.ratios if self.ratios is not None else self.feeds
        return statistics.median(values) if values else None

    def met(self) -> str:
        """Say whether the target is met, marking figures that a problem makes doubtful."""
        doubt = " (!)" if self.problems else ""
        if self.threshold is None:
            return doubt.strip()
        value = self.judged()
        if value is None:
            return "n/a" + doubt
        ok = value <= self.threshold if self.at_most else value >= self.threshold
        return ("yes" if ok else "NO") + doubt


@dataclass(slots=True)
class Samples:
    """What the rounds measured, by figure, and what makes a figure doubtful."""

    values: dict[str, list[float]] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.values.setdefault(key, []).append(value)

    def doubt(self, key: str, problem: str) -> None:
        self.problems.setdefault(key, []).append(problem)

    def of(self, key: str) -> tuple[float, ...]:
        return tuple(self.values.get(key, ()))


def print_report(figures: Sequence[Figure], other: str = "nginx") -> None:
    """Print the table, a spread line under each figure with several samples, then problems.

    ``other`` heads the column of the program feeds is compared with; the ratio column is
    left out when no figure has ratios.
    """
    ratios = any(figure.ratios is not None for figure in figures)
    widths = _widths(figures, ratios)
    print()
    print(_row(("figure", "feeds", other, *(("ratio",) if ratios else ()), "target", "met?"),
               widths))
    print(_row(tuple("-" * (width - 1) for width in widths), widths))
    for figure in figures:
        ratio = (_median(figure.ratios, "{:.3f}"),) if ratios else ()
        print(_row((figure.name, _median(figure.feeds, figure.style),
                    _median(figure.nginx, figure.style), *ratio, figure.target, figure.met()),
                   widths))
        if len(figure.feeds) > 1:
            ratio = (_spread(figure.ratios, "{:.3f}"),) if ratios else ()
            print(_row(("  spread (min-max)", _spread(figure.feeds, figure.style),
                        _spread(figure.nginx, figure.style), *ratio, "", ""), widths))
    problems = [(figure.name, problem) for figure in figures for problem in figure.problems]
    if problems:
        print("\n(!) figures to distrust:")
        for name, problem in dict.fromkeys(problems):
            print(f"  - {name}: {problem}")


def _widths(figures: Sequence[Figure], ratios: bool) -> tuple[int, ...]:
    name = max([NAME_WIDTH, *(len(figure.name) + 2 for figure in figures)])
    ratio = (WIDTHS["ratio"],) if ratios else ()
    return (name, WIDTHS["value"], WIDTHS["value"], *ratio, WIDTHS["target"], WIDTHS["met?"])


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def _median(values: Sequence[float] | None, style: str) -> str:
    if not values:
        return "-"
    return style.format(statistics.median(values))


def _spread(values: Sequence[float] | None, style: str) -> str:
    if not values:
        return "-"
    return f"{style.format(min(values))}-{style.format(max(values))}"
