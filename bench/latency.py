"""Time publications through a running ``feeds serve``: written file to served by every worker.

Each ``/healthz`` poll opens a new connection, so it may land on either worker; a story
counts as served when every worker has reported it (one more story than before), and its
latency is when the slower worker first did. See ``bench.publish`` for the whole benchmark.
"""

from __future__ import annotations

import http.client
import json
import math
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .servers import HOST, feeds_server

WORKERS = 2
FOLDER = "bench-publish"  # under content/: where the new stories are written
PUBLISH_TIMEOUT = 10.0  # seconds one publication may take before it counts as a failure
PUBLISHER_TIMEOUT = 120.0  # seconds a publisher may take to be running (a first build)
SETTLE_BETWEEN = 0.3  # seconds between publications
POLL_PAUSE = 0.002  # seconds between /healthz polls: loopback, but leave the workers a CPU
FIND_TIMEOUT, FIND_ATTEMPTS = 10.0, 2000  # bounds on finding the workers, or their agreement
PUBLISHER_PAUSE = 0.05  # seconds between /healthz polls while waiting for the publisher


@dataclass(frozen=True, slots=True)
class Health:
    """One ``/healthz`` answer: which worker sent it, how many stories it publishes, and the
    publisher's state ("starting", "scanning", "completing", "running" or "stopped")."""

    worker: int
    stories: int
    status: str
    problems: tuple[str, ...]
    publisher: str = ""

    def __str__(self) -> str:
        shown = f", first problem: {self.problems[0]}" if self.problems else ""
        return (f"worker {self.worker}: stories={self.stories} status={self.status} "
                f"publisher={self.publisher} problems={len(self.problems)}{shown}")


@dataclass(frozen=True, slots=True)
class Sample:
    """One publication every worker served: when each first reported it (seconds after t0)."""

    number: int
    per_worker: tuple[float, ...]  # in the order of ``Publishing.workers``

    @property
    def seconds(self) -> float:
        """Return the latency: when the slower worker first reported the story."""
        return max(self.per_worker)


@dataclass(frozen=True, slots=True)
class Publishing:
    """The publications of one site size: those served, what failed, what the server logged."""

    workers: tuple[int, ...]
    samples: tuple[Sample, ...]
    failures: tuple[str, ...]
    log_lines: tuple[str, ...]  # the server's warnings and errors, if any

    @property
    def latencies(self) -> tuple[float, ...]:
        return tuple(sample.seconds for sample in self.samples)


def health(port: int) -> Health:
    """Ask ``/healthz`` once, on a new connection (so either worker may answer)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise ValueError(f"/healthz answered {response.status}: {body[:200]!r}")
    report = json.loads(body)
    problems = tuple(f"{p.get('file')}: {p.get('message')}" for p in report.get("problems", []))
    return Health(int(report["worker"]), int(report["stories"]), str(report["status"]), problems,
                  str(report.get("publisher", "")))


def poll(port: int) -> Health | str:
    """Ask ``/healthz`` once; a failed request is returned as its message, not raised."""
    try:
        return health(port)
    except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError) as exc:
        return f"{type(exc).__name__}: {exc}"


def find_workers(port: int) -> tuple[int, ...]:
    """Poll until ``WORKERS`` distinct worker pids have answered (bounded)."""
    seen: dict[int, Health] = {}
    deadline = time.monotonic() + FIND_TIMEOUT
    for _ in range(FIND_ATTEMPTS):
        answer = poll(port)
        if isinstance(answer, Health):
            seen[answer.worker] = answer
        if len(seen) >= WORKERS or time.monotonic() > deadline:
            break
        time.sleep(POLL_PAUSE)
    if len(seen) < WORKERS:
        raise RuntimeError(f"only {len(seen)} of {WORKERS} workers answered /healthz in "
                           f"{FIND_ATTEMPTS} new connections: {list(map(str, seen.values()))}")
    return tuple(sorted(seen))


def agreed_count(port: int, workers: tuple[int, ...]) -> int:
    """Return the story count every worker reports, once their latest answers agree (bounded)."""
    latest: dict[int, Health] = {}
    deadline = time.monotonic() + FIND_TIMEOUT
    for _ in range(FIND_ATTEMPTS):
        answer = poll(port)
        if isinstance(answer, Health):
            latest[answer.worker] = answer
        counts = {latest[w].stories for w in workers if w in latest}
        if len(latest) >= len(workers) and len(counts) == 1:
            return counts.pop()
        if time.monotonic() > deadline:
            break
        time.sleep(POLL_PAUSE)
    raise RuntimeError("the workers do not agree on a story count within "
                       f"{FIND_TIMEOUT:.0f} s: {list(map(str, latest.values()))}")


def wait_for_publisher(port: int, timeout: float = PUBLISHER_TIMEOUT) -> str | None:
    """Poll ``/healthz`` until it says the publisher is running: its first pass (a first build,
    or a restart's comparison of every file with the catalogue) is done.

    Return None then, or after ``timeout`` seconds what the last answer said.
    """
    last: Health | str = "no answer"
    deadline = time.monotonic() + timeout
    for _ in range(math.ceil(timeout / PUBLISHER_PAUSE)):  # and no longer than ``timeout``
        if time.monotonic() > deadline:
            break
        last = poll(port)
        if isinstance(last, Health) and last.publisher == "running":
            return None
        time.sleep(PUBLISHER_PAUSE)
    return f"the publisher was not running within {timeout:.0f} s (last: {last})"


def story_text(number: int) -> str:
    """Return a new story's file: a unique id and a date a minute ago, so it is live at once.

    Dated now, it is the newest story: it enters the first page of every feed it belongs
    to, which is what a real publication does (and the costliest case to re-render).
    """
    date = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0).isoformat()
    return ("---\n"
            f'title: "Published by the benchmark, number {number}"\n'
            f'id: "urn:uuid:{uuid.uuid4()}"\n'
            f"date: {date}\n"
            "author: Bench Desk\n"
            "tags: [bench]\n"
            "---\n\n"
            f"Body of story {number}, long enough to read as a paragraph of a real story.\n")


def publish_latencies(root: Path, log: Path, count: int) -> Publishing:
    """Start the server, then publish ``count`` stories one at a time, timing each."""
    folder = root / "content" / FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    try:
        with feeds_server(root, log, WORKERS) as server:
            late = wait_for_publisher(server.port)  # a first build goes on past the first 200
            if late:
                print(f"  ! {late}; publishing anyway", flush=True)
            workers = find_workers(server.port)
            samples, failures = publish_series(server.port, workers, folder, count)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Publishing(workers, samples, failures, log_warnings(log))


def publish_series(port: int, workers: tuple[int, ...], folder: Path,
                   count: int) -> tuple[tuple[Sample, ...], tuple[str, ...]]:
    """Publish ``count`` new stories into ``folder`` (which exists) one at a time, timing each.

    Return the publications every worker served, and what happened to the others.
    """
    samples: list[Sample] = []
    failures: list[str] = []
    published = agreed_count(port, workers)
    print(f"  workers {', '.join(map(str, workers))} agree on {published:,} stories",
          flush=True)
    for number in range(1, count + 1):
        time.sleep(SETTLE_BETWEEN)
        path = folder / f"story-{number:03}.md"
        outcome = publish_one(port, workers, path, number, published + 1)
        if isinstance(outcome, Sample):
            samples.append(outcome)
            published += 1
            continue
        failures.append(f"publication {number} ({path.name}): {outcome}")
        print(f"  ! {failures[-1]}", flush=True)
        published = agreed_count(port, workers)
    return tuple(samples), tuple(failures)


def log_warnings(log: Path, limit: int = 10) -> tuple[str, ...]:
    """Return the server log's first warnings, errors and tracebacks (before it is deleted)."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        return (f"cannot read {log}: {exc}",)
    marked = [line for line in lines if any(m in line for m in ("WARNING", "ERROR", "Traceback"))]
    return tuple(marked[:limit])


def publish_one(port: int, workers: tuple[int, ...], path: Path, number: int,
                expected: int) -> Sample | str:
    """Write one story, then poll until every worker reports ``expected`` stories.

    Return when each worker first reported it, in seconds from just before the write, or,
    after ``PUBLISH_TIMEOUT``, what each worker said last.
    """
    text = story_text(number)

    def write() -> None:
        with open(path, "w", encoding="utf-8") as file:  # written whole, then closed
            file.write(text)

    return served_after(port, workers, write, number, expected)


def served_after(port: int, workers: tuple[int, ...], change: Callable[[], None], number: int,
                 expected: int) -> Sample | str:
    """Make ``change`` (one that publishes a story), then poll until every worker reports
    ``expected`` stories: when each first did, in seconds from just before the change, or,
    after ``PUBLISH_TIMEOUT``, what each worker said last."""
    started = time.monotonic()
    change()
    first_seen: dict[int, float] = {}
    last: dict[int, Health] = {}
    errors: list[str] = []
    while time.monotonic() - started < PUBLISH_TIMEOUT:
        answer = poll(port)
        now = time.monotonic()
        if isinstance(answer, str):
            errors.append(answer)
        else:
            last[answer.worker] = answer
            if answer.stories == expected and answer.worker in workers:
                first_seen.setdefault(answer.worker, now - started)
        if len(first_seen) == len(workers):
            return Sample(number, tuple(first_seen[worker] for worker in workers))
        time.sleep(POLL_PAUSE)
    return _failure(workers, expected, first_seen, last, errors)


def _failure(workers: tuple[int, ...], expected: int, first_seen: dict[int, float],
             last: dict[int, Health], errors: list[str]) -> str:
    """Describe a publication that not every worker reported in time: who said what."""
    said = []
    for worker in workers:
        if worker in first_seen:
            said.append(f"worker {worker} reported it after {first_seen[worker] * 1000:.0f} ms")
        else:
            said.append(f"never seen from {worker}; last: {last.get(worker, 'no answer')}")
    strangers = [str(h) for pid, h in last.items() if pid not in workers]
    if strangers:
        said.append(f"answers from unknown workers: {strangers}")
    if errors:
        said.append(f"{len(errors)} failed polls, last: {errors[-1]}")
    return (f"not served by every worker within {PUBLISH_TIMEOUT:.0f} s "
            f"(expected stories={expected}): " + "; ".join(said))
