"""What ``feeds stats`` prints and ``/stats/`` shows: each feed's days summed up.

A feed's followers are those of its latest day: every aggregator's subscribers and
the readers that polled that day. Polls, ``304`` answers and bytes are summed over
the days asked for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .rollup import FeedDay


@dataclass(frozen=True, slots=True)
class FeedSummary:
    """One feed (or one of its formats) over the days asked for."""

    feed: str
    format: str
    latest: FeedDay  # its last day with polls
    latest_day: str
    polls: int
    not_modified: int
    sent: int
    full: int
    days: tuple[tuple[str, FeedDay], ...]

    @property
    def not_modified_share(self) -> float:
        return self.not_modified / self.polls if self.polls else 0.0

    @property
    def saved_share(self) -> float:
        """Return the share of bytes conditional GET and gzip saved."""
        return 1 - self.sent / self.full if self.full else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "feed": self.feed, "format": self.format or "all",
            "followers": self.latest.total, "subscribers": dict(self.latest.subscribers),
            "readers": self.latest.readers, "pollers": self.latest.pollers,
            "impolite": self.latest.impolite, "latest_day": self.latest_day,
            "polls": self.polls, "not_modified": self.not_modified,
            "not_modified_share": round(self.not_modified_share, 4),
            "sent": self.sent, "full": self.full, "saved_share": round(self.saved_share, 4),
            "days": [{"day": day, **_day_json(counts)} for day, counts in self.days],
        }


def _day_json(counts: FeedDay) -> dict[str, Any]:
    found = asdict(counts)
    del found["feed"], found["format"]
    found["subscribers"] = dict(counts.subscribers)
    found["followers"] = counts.total
    return found


def summarise(days: Mapping[str, list[FeedDay]]) -> list[FeedSummary]:
    """Return each feed's summary, most followed first (then by path, its whole first)."""
    by_feed: dict[tuple[str, str], list[tuple[str, FeedDay]]] = defaultdict(list)
    for day, counts in sorted(days.items()):
        for found in counts:
            by_feed[found.feed, found.format].append((day, found))
    summaries = []
    for (feed, fmt), listed in by_feed.items():
        day, latest = listed[-1]
        summaries.append(FeedSummary(
            feed, fmt, latest, day, sum(c.polls for _, c in listed),
            sum(c.not_modified for _, c in listed), sum(c.sent for _, c in listed),
            sum(c.full for _, c in listed), tuple(listed)))
    whole = {s.feed: s.latest.total for s in summaries if not s.format}
    return sorted(summaries, key=lambda s: (-whole.get(s.feed, 0), s.feed, s.format))


HEADINGS = ("feed", "format", "followers", "aggregators", "readers", "polls", "304", "saved",
            "impolite")


NUMERIC = frozenset({"followers", "readers", "polls", "304", "saved", "impolite"})


def cells(summary: FeedSummary) -> tuple[str, ...]:
    """Return a summary's row of the table, as text under ``HEADINGS``."""
    latest = summary.latest
    return (summary.feed, summary.format or "all", str(latest.total),
            ", ".join(f"{name} {count}" for name, count in latest.subscribers.items()) or "-",
            str(latest.readers), str(summary.polls), f"{summary.not_modified_share:.0%}",
            f"{summary.saved_share:.0%}", f"{latest.impolite}/{latest.pollers}")


def table(summaries: list[FeedSummary]) -> str:
    """Return the summaries as a plain-text table, one feed a line."""
    rows = [HEADINGS] + [cells(s) for s in summaries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADINGS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                     .rstrip() for row in rows)
