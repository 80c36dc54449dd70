"""Polls off the request path: kept in memory, written each second to this worker's spool file.

The request thread only appends what it captured to a deque (no parsing, no hashing, no
I/O: ``feeds.web.pollcount``); a thread of the worker's own drains it each second, turns
each capture into a ``Poll`` (what was answered), reads each User-Agent
(``agents``), turns a reader's program and network into a keyed hash, and appends one
line per poll to ``.feeds/stats/spool/<day>/<pid>-<nonce>.tsv``: a file only this
worker process writes, so a second worker or a restart writes its own and nothing is
counted twice. The publisher rolls the files up (``rollup``) and deletes them once
their day is over.

No address and no User-Agent is ever written: a reader is the hash of its program and
its network (a /24 of IPv4, a /48 of IPv6) under the day's key, a random key that
every worker of the site shares (``.feeds/stats/keys/<day>``) and that is deleted
with the day's files, so no hash can be matched to anything afterwards.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .agents import Agent, classify
from .runs import Run

log = logging.getLogger(__name__)

STATS_FOLDER = "stats"  # under .feeds/
FLUSH_EVERY = 1.0  # seconds between writes of a worker's spool
MAX_WAITING = 200_000  # polls kept in memory at most (a stuck disk drops the oldest)
SUFFIX = ".tsv"
MAX_AGENT = 512  # characters of a User-Agent read (a count comes early; the cache stays small)


@dataclass(slots=True)
class Poll:
    """One answered poll of a feed, as the spool's thread works it out (in memory only)."""

    time: float
    path: str  # the feed's path: /world/atom.xml
    status: int  # 200 or 304
    sent: int  # body bytes sent
    full: int  # what a server without conditional GET and gzip would have sent
    validators: bool  # If-None-Match or If-Modified-Since was sent
    user_agent: str
    address: str  # the client's, as the server or the proxy in front saw it


def day_of(when: float) -> str:
    """Return the UTC day a moment falls in: ``2026-12-06``."""
    return time.strftime("%Y-%m-%d", time.gmtime(when))


def spool_folder(state: Path) -> Path:
    return state / STATS_FOLDER / "spool"


def key_file(state: Path, day: str) -> Path:
    return state / STATS_FOLDER / "keys" / day


def day_key(state: Path, day: str) -> bytes:
    """Return the day's hashing key, made at random by the first process that needs it
    (written whole, then linked into place: every worker reads the same one)."""
    path = key_file(state, day)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{day}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # ours alone
    with os.fdopen(descriptor, "wb") as out:
        out.write(secrets.token_bytes(32))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another worker's came first: use that one
    finally:
        temporary.unlink()
    return path.read_bytes()


@functools.lru_cache(maxsize=4096)  # (parsing an address and its network takes µs)
def network(address: str) -> str:
    """Return the network a client address stands for: its /24 (IPv4) or /48 (IPv6), the
    block one household or office usually holds, so one reader is one reader whatever
    address its provider hands out next within it."""
    try:
        parsed = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return "?"
    mapped = getattr(parsed, "ipv4_mapped", None)
    if mapped is not None:
        parsed = mapped
    prefix = 24 if parsed.version == 4 else 48
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


def split_path(path: str, feed_files: frozenset[str]) -> tuple[str, str] | None:
    """Return (the group's base path, the format's file) of a feed path, or None."""
    base, _, file = path.rpartition("/")
    return (base + "/", file) if file in feed_files else None


class Spool:
    """The polls a worker answered, on their way to its spool file (see the module)."""

    def __init__(self, state: Path, feed_files: frozenset[str],
                 poll_of: Callable[[Any], Poll | None], background: bool = True):
        self.state = state
        self.feed_files = feed_files
        self.poll_of = poll_of  # what a request thread appended -> the poll it was, or None
        self.waiting: deque[Any] = deque(maxlen=MAX_WAITING)
        self.name = f"{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
        self._keys: dict[str, bytes] = {}
        self._unwritten: dict[str, list[str]] = {}  # lines a failed write left, by day
        self._lock = threading.Lock()  # one flush at a time (the thread's, a stop's)
        self._stop = threading.Event()
        if background:
            threading.Thread(target=self._run, name="feeds-stats", daemon=True).start()

    def _run(self) -> None:
        failing = False  # (said once, not every second, until it works again)
        while not self._stop.wait(FLUSH_EVERY):
            try:
                self.flush()
                failing = False
            except OSError as exc:
                if not failing:
                    log.warning("cannot write the poll statistics (%s): free disk space or make "
                                ".feeds/ writable; counts wait in memory meanwhile (up to %d "
                                "lines)", exc.strerror or exc, MAX_WAITING)
                failing = True
            except Exception:  # noqa: BLE001 - counting must never stop for good
                log.exception("cannot write the poll statistics")

    def stop(self) -> None:
        """Write what is waiting and stop the thread (a worker shutting down)."""
        self._stop.set()
        try:
            self.flush()
        except OSError as exc:
            log.warning("cannot write the poll statistics (%s)", exc.strerror or exc)

    def flush(self) -> int:
        """Write every waiting poll to this worker's file of its day, each poller's polls of
        a document as one run (``runs``); return how many polls."""
        with self._lock:
            by_day, self._unwritten = self._unwritten, {}
            polls = 0
            for day, run in self._runs():
                by_day.setdefault(day, []).append(run.line())
                polls += run.polls
            for day, lines in list(by_day.items()):
                try:
                    folder = spool_folder(self.state) / day
                    folder.mkdir(parents=True, exist_ok=True)
                    with open(folder / self.name, "a", encoding="utf-8") as out:
                        out.write("".join(lines))
                except OSError:  # kept for the next flush (a line cut short is skipped)
                    kept = sum(map(len, by_day.values()))
                    if kept <= MAX_WAITING:
                        self._unwritten = by_day
                    raise
                del by_day[day]
            return polls

    def _runs(self) -> Iterator[tuple[str, Run]]:
        """Drain the queue into runs: one per day, document and poller.

        A poller polls with the same request, answered with the same document, again and
        again: everything but the time is worked out once per distinct capture and day
        (the conditional check, the User-Agent, the reader's hash). Done for each poll, it
        cost this thread 7-27 µs a poll, taken from the request threads of a worker
        answering tens of thousands of polls a second."""
        grouped: dict[tuple[str, str, str, str], list[Timed]] = {}
        known: dict[tuple[int, tuple[Any, ...]], tuple[tuple[str, str, str, str], Poll, Agent]
                    | None] = {}
        waiting = self.waiting
        for _ in range(len(waiting)):
            captured = waiting.popleft()
            when = captured[0]
            signature = (int(when // 86_400), captured[1:])  # (a day: the reader's hash)
            if signature in known:
                found = known[signature]
            else:
                found = known[signature] = self._read(captured)
            if found is not None:
                key, poll, agent = found
                grouped.setdefault(key, []).append((when, poll, agent))
        for (day, feed, file, client), polls in grouped.items():
            yield day, _run(feed, file, client, sorted(polls, key=lambda p: p[0]))

    def _read(self, captured: Any) -> tuple[tuple[str, str, str, str], Poll, Agent] | None:
        """Work one capture out: its run's key, what was answered, who polled; None for a
        request that was no poll of a feed."""
        poll = self.poll_of(captured)
        where = split_path(poll.path, self.feed_files) if poll is not None else None
        if poll is None or where is None:
            return None
        poll.user_agent = poll.user_agent[:MAX_AGENT]
        agent = classify(poll.user_agent)
        return (day_of(poll.time), *where, self._client(poll, agent)), poll, agent

    def _client(self, poll: Poll, agent: Agent) -> str:
        if agent.kind == "aggregator":
            return f"{agent.name}|{agent.feed_id}"
        day = day_of(poll.time)
        key = self._keys.get(day)
        if key is None:
            key = day_key(self.state, day)
            self._keys = {day: key}  # yesterday's is forgotten with it
        data = f"{poll.user_agent}\0{network(poll.address)}".encode("utf-8", "replace")
        return hashlib.blake2b(data, key=key, digest_size=8).hexdigest()


Timed = tuple[float, Poll, Agent]  # a poll at its time (the Poll itself may be shared)


def _run(feed: str, file: str, client: str, polls: list[Timed]) -> Run:
    """Return one poller's polls of a document, in time order, as one run."""
    first_time, first, agent = polls[0]
    last_time, _, latest = polls[-1]
    times = [when for when, _, _ in polls]
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    return Run(first_time, last_time, feed, file, agent.kind, agent.name, latest.feed_id,
               latest.subscribers, client, len(polls),
               sum(poll.status == 304 for _, poll, _ in polls),
               sum(poll.sent for _, poll, _ in polls), sum(poll.full for _, poll, _ in polls),
               first.validators, any(not poll.validators for _, poll, _ in polls[1:]),
               min(gaps, default=None))


def read_day(folder: Path) -> Iterator[Run]:
    """Yield every whole run of a day's spool files."""
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            with open(path, encoding="utf-8", errors="replace") as spooled:
                for line in spooled:
                    run = Run.parse(line)
                    if run is not None:
                        yield run
        except FileNotFoundError:
            continue
