"""The ``/stats/`` page: the charts people would rather look at than read, then the table.

Plain HTML with the SVG charts inline (``plots``) and no script; it is private (the
web layer answers it only with the stats token) and never cached by anyone.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from html import escape

from . import plots
from .report import HEADINGS, NUMERIC, FeedSummary, cells, summarise
from .rollup import FeedDay

DAY_SECONDS = 86400

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem;
       color: #1f2328; background: #fff; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #d0d7de; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
p.note { color: #59636e; font-size: 0.9rem; }
@media (prefers-color-scheme: dark) {
  body { color: #e6edf3; background: #0d1117; } th, td { border-color: #30363d; }
  p.note { color: #9198a1; } }
"""


def day_range(now: float, days: int) -> list[str]:
    """Return the UTC days of the last ``days`` days, today last."""
    return [time.strftime("%Y-%m-%d", time.gmtime(now - (days - 1 - i) * DAY_SECONDS))
            for i in range(days)]


def render(title: str, days: Mapping[str, list[FeedDay]], now: float, count: int) -> str:
    """Return the page for the last ``count`` days of every feed's whole counts."""
    shown = day_range(now, count)
    by_aggregator: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(shown))
    polls = [0] * len(shown)
    not_modified = [0] * len(shown)
    for index, day in enumerate(shown):
        for feed in days.get(day, []):
            for name, subscribers in feed.subscribers.items():
                by_aggregator[name][index] += subscribers
            by_aggregator["readers"][index] += feed.readers
            polls[index] += feed.polls
            not_modified[index] += feed.not_modified
    ordered = dict(sorted(by_aggregator.items(), key=lambda item: -item[1][-1]))
    shares = [n / p if p else 0.0 for n, p in zip(not_modified, polls, strict=True)]
    summaries = summarise(days)
    charts = [
        ("Subscribers by aggregator, and direct readers (every feed)",
         plots.lines("Subscribers by aggregator", shown, ordered)),
        ("Polls a day, and the share answered 304 Not Modified",
         plots.bars_and_share("Polls and 304 share", shown, polls, shares, "polls",
                              "304 share")),
        ("Top feeds by followers (latest day)",
         plots.ranking("Top feeds", [(s.feed, s.latest.total) for s in summaries])),
    ]
    body = "".join(f"<h2>{escape(heading)}</h2>{svg}" for heading, svg in charts)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex">'
            f"<title>Who reads {escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>Who reads {escape(title)}</h1>"
            f'<p class="note">The last {count} days to {escape(shown[-1])} (UTC). '
            f"Subscribers are what each aggregator reported in its User-Agent; a direct "
            f"reader is one program on one network that polled that day. No address or "
            f"User-Agent is kept.</p>{body}<h2>Every feed</h2>{_table(summaries)}"
            f"</body></html>")


def _table(summaries: list[FeedSummary]) -> str:
    if not summaries:
        return '<p class="note">No polls counted yet.</p>'
    head = "".join(f'<th{" class=n" if h in NUMERIC else ""}>{h}</th>' for h in HEADINGS)
    rows = []
    for summary in summaries:
        rows.append("<tr>" + "".join(
            f'<td{" class=n" if h in NUMERIC else ""}>{escape(c)}</td>'
            for h, c in zip(HEADINGS, cells(summary), strict=True)) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
