"""A run: one poller's polls of one feed document within one second, as one spool line.

A poller that polls a thousand times a second (a benchmark, a broken reader, someone
hammering) is one line a second, not a thousand: the spool stays small and the
publisher's roll-up reads a day in well under a second. A run keeps what the day's
counts need and nothing of who polled but the keyed hash (``client``): its first and
last moment, its polls, ``304`` answers and bytes, the latest subscriber count it
reported, and what judging politeness inside it needs (its shortest gap between two
polls, whether a poll after its first came without a validator); the gap before its
first poll is judged at the roll-up, against the same poller's run before.
"""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = 16


@dataclass(frozen=True, slots=True)
class Run:
    """One poller's polls of one document within one flush of the spool."""

    first: float  # (written to the microsecond: two workers' polls a millisecond apart keep
    last: float  # their order, and the later one's subscriber count is the day's)
    feed: str  # the group's base path: /world/
    format: str  # the format's file: atom.xml
    kind: str  # agents.Agent.kind
    name: str  # an aggregator's name
    feed_id: str
    subscribers: int | None  # as its last poll reported
    client: str  # who polled: a keyed hash (a reader, a robot) or the aggregator's feed id
    polls: int
    not_modified: int
    sent: int
    full: int
    first_validators: bool  # its first poll sent If-None-Match or If-Modified-Since
    bare_repeat: bool  # a poll after its first sent neither
    min_gap: float | None  # the shortest time between two of its polls (None: one poll)

    def line(self) -> str:
        """Return the run as one tab-separated line (text fields cleaned of tabs and breaks)."""
        fields = (f"{self.first:.6f}", f"{self.last:.6f}", self.feed, self.format, self.kind,
                  self.name, self.feed_id, _optional(self.subscribers), self.client,
                  str(self.polls), str(self.not_modified), str(self.sent), str(self.full),
                  "1" if self.first_validators else "0", "1" if self.bare_repeat else "0",
                  "" if self.min_gap is None else f"{self.min_gap:.3f}")
        return "\t".join(_clean(f) for f in fields) + "\n"

    @classmethod
    def parse(cls, line: str) -> Run | None:
        """Read a line back; None for one that is not whole (a worker killed mid-write)."""
        parts = line.rstrip("\n").split("\t")
        if not line.endswith("\n") or len(parts) != FIELDS:
            return None
        try:
            return cls(float(parts[0]), float(parts[1]), parts[2], parts[3], parts[4],
                       parts[5], parts[6], int(parts[7]) if parts[7] else None, parts[8],
                       int(parts[9]), int(parts[10]), int(parts[11]), int(parts[12]),
                       parts[13] == "1", parts[14] == "1",
                       float(parts[15]) if parts[15] else None)
        except ValueError:
            return None


def _optional(value: int | None) -> str:
    return "" if value is None else str(value)


def _clean(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
