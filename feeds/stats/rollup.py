"""Turn one day's polls into the day's counts, per feed and format and per feed whole.

A *feed* to a newsroom is a group (the site, a section, a tag, an author): its RSS,
Atom and JSON Feed are one feed, counted together (``format`` is ``""``) and apart.
The day's counts are made from every record of the day at once, never added to
what an earlier roll-up found: rolling a day up again (a restart, a second worker's
file arriving late) gives the same numbers.

- subscribers: each aggregator's latest count of the day, per feed id it gave (an
  aggregator fetching a feed under two ids has two sets of subscribers), summed;
- readers: distinct readers (program and network, hashed) that polled;
- polls, ``304`` answers, bytes sent and the bytes a server without conditional GET and
  gzip would have sent;
- pollers and the impolite ones: a poller (a reader, a robot, an aggregator's feed id)
  is impolite when it polled a document again sooner than its ``max-age`` allows
  (``GRACE`` seconds of clock jitter aside), or without a validator to revalidate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .runs import Run

ALL = ""  # the format of a feed's counts over all its formats
GRACE = 1.0  # seconds a poll may come early and still be polite


@dataclass(frozen=True, slots=True)
class FeedDay:
    """One day's counts of one feed, in one format or in all (``format`` empty)."""

    feed: str
    format: str
    polls: int = 0
    not_modified: int = 0
    sent: int = 0
    full: int = 0
    readers: int = 0
    pollers: int = 0
    impolite: int = 0
    subscribers: Mapping[str, int] = field(default_factory=dict)  # aggregator -> count

    @property
    def total(self) -> int:
        """Return the people following: every aggregator's subscribers and the readers."""
        return sum(self.subscribers.values()) + self.readers


@dataclass(slots=True)
class _Tally:
    polls: int = 0
    not_modified: int = 0
    sent: int = 0
    full: int = 0
    readers: set[str] = field(default_factory=set)
    pollers: set[str] = field(default_factory=set)
    impolite: set[str] = field(default_factory=set)
    latest: dict[tuple[str, str, str], tuple[float, int]] = field(default_factory=dict)


def roll_up(runs: Iterable[Run], max_age: int) -> list[FeedDay]:
    """Return the counts of a day's runs (see the module), feeds in path order, each feed's
    whole before its formats."""
    tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    last_poll: dict[tuple[str, str, str], float] = {}
    for run in sorted(runs, key=lambda r: (r.first, r.last)):
        polite = _polite(run, last_poll, max_age)
        for scope in ((run.feed, run.format), (run.feed, ALL)):
            _count(tallies[scope], run, polite)
    return [_finish(feed, fmt, tallies[feed, fmt]) for feed, fmt in sorted(tallies)]


def _polite(run: Run, last_poll: dict[tuple[str, str, str], float], max_age: int) -> bool:
    """Judge a run: inside it (its shortest gap, a repeat without a validator), and its first
    poll against the same poller's poll before (a first poll of the day has no interval and
    needs no validator)."""
    key = (run.feed, run.format, run.client)
    before = last_poll.get(key)
    last_poll[key] = max(run.last, before if before is not None else run.last)
    inside = not run.bare_repeat and (run.min_gap is None or run.min_gap + GRACE >= max_age)
    if before is None:
        return inside
    return inside and run.first_validators and run.first - before + GRACE >= max_age


def _count(tally: _Tally, run: Run, polite: bool) -> None:
    tally.polls += run.polls
    tally.not_modified += run.not_modified
    tally.sent += run.sent
    tally.full += run.full
    tally.pollers.add(run.client)
    if not polite:
        tally.impolite.add(run.client)
    if run.kind == "reader":
        tally.readers.add(run.client)
    elif run.kind == "aggregator" and run.subscribers is not None:
        key = (run.name, run.format, run.feed_id)
        if run.last >= tally.latest.get(key, (float("-inf"), 0))[0]:
            tally.latest[key] = (run.last, run.subscribers)


def _finish(feed: str, fmt: str, tally: _Tally) -> FeedDay:
    subscribers: dict[str, int] = defaultdict(int)
    for (name, _format, _feed_id), (_when, count) in tally.latest.items():
        subscribers[name] += count
    return FeedDay(feed, fmt, tally.polls, tally.not_modified, tally.sent, tally.full,
                   len(tally.readers), len(tally.pollers), len(tally.impolite),
                   dict(sorted(subscribers.items())))
