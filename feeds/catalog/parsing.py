"""Parse story files in child processes, so no single file can stop the publisher.

A file may hang the parser, blow up its memory or crash it; each of those is a
problem for that file only. The children run with a cap on their address space
and each file has a deadline: a child that runs out of memory answers with a
problem, one that overruns or dies is replaced, and the files it had not reached
go to another. The pool also parses in parallel over the machine's cores, which
is what makes a first start of a whole archive fast.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from ..errors import FeedsError
from ..site.config import Settings
from ..site.files import FileData, Signature, read_file, signature
from ..site.media import content_path, local_file, references
from ..site.story import Story
from ..site.storyfile import parse_story
from .groups import groups_of

log = logging.getLogger(__name__)

FILE_DEADLINE = 10.0  # seconds one file may take to parse
MEMORY_LIMIT = 2 << 30  # bytes of address space a parsing child may use
CHUNK = 64  # files handed to a child at once


@dataclass(frozen=True, slots=True)
class Parsed:
    """What reading one story file gave: the story (as JSON, with what the publisher decides
    on), or the problem; ``signature`` None means the file is gone."""

    source: str
    signature: Signature | None
    story: str | None = None
    digest: str = ""  # of ``story``: what the publisher compares, never the whole text
    id: str = ""
    path: str = ""
    date: float = 0.0
    draft: bool = False
    own_id: bool = True
    groups: tuple[tuple[str, str], ...] = ()  # (group key, the name this story spells it)
    media: tuple[str, ...] = ()  # files under content/ the story uses
    missing: tuple[str, ...] = ()  # ... of which these are not there
    aliases: tuple[str, ...] = ()
    problem: str | None = None
    line: int | None = None
    transient: bool = False  # the parser failed, not the file: read it again at the next scan


def parse_one(root: Path, source: str, settings: Settings) -> Parsed:
    """Read one story file into a ``Parsed`` (this is what the children run)."""
    try:
        data: FileData = read_file(root, source)
    except FeedsError as error:
        stamp = signature(os.path.join(root, source))
        if stamp is None:
            return Parsed(source, None)
        return Parsed(source, stamp, problem=error.message, line=error.line)
    try:
        story = parse_story(data.raw, source, settings, root)
    except FeedsError as error:
        return Parsed(source, data.signature, problem=error.message, line=error.line)
    return _describe(root, settings, story, data.signature)


def _describe(root: Path, settings: Settings, story: Story, stamp: Signature) -> Parsed:
    base = settings.base_url
    used = references(story.body, settings.url(story.url_path), base)
    named = ([story.image.url] if story.image else []) + [e.url for e in story.enclosures]
    missing = []
    for url in named:
        relative = content_path(base, url)
        if relative is not None:
            used.add(relative)
        if url.startswith(base) and (relative is None or local_file(root, relative) is None):
            missing.append(url)
    text = story.to_json()
    return Parsed(
        story.source, stamp, text, hashlib.blake2b(text.encode(), digest_size=16).hexdigest(),
        story.id, story.path, story.date.timestamp(), story.draft, story.has_own_id,
        tuple((g.key, g.name) for g in groups_of(story)), tuple(sorted(used)),
        tuple(sorted(missing)), story.aliases,
    )


def child_main() -> None:
    """Run as a parse child: ``python -c 'from feeds.catalog.parsing import child_main; ...' FD``.

    A fresh interpreter (not a fork of the publisher, which has threads, nor
    multiprocessing's spawn, which would run the parent's ``__main__`` again).
    """
    conn = Connection(int(sys.argv[1]))
    root, settings, memory = conn.recv()
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass
    _child(conn, root, settings)


def _child(conn: Connection, root: Path, settings: Settings) -> None:
    """Parse what the parent sends, one answer per file, until told to stop."""
    while True:
        try:
            sources = conn.recv()
        except (EOFError, OSError):
            return
        if sources is None:
            return
        for source in sources:
            try:
                result = parse_one(root, source, settings)
            except MemoryError:
                result = Parsed(source, signature(os.path.join(root, source)),
                                problem="reading this file took more memory than a story may: "
                                        "simplify it (YAML aliases, deep nesting?).")
            except RecursionError:
                result = Parsed(source, signature(os.path.join(root, source)),
                                problem="this file is nested too deeply to read: simplify it.")
            except Exception as exc:  # noqa: BLE001 - one file must never stop the others
                log.exception("unexpected error reading %s", source)
                result = Parsed(source, signature(os.path.join(root, source)),
                                problem=f"this file could not be read ({type(exc).__name__}); "
                                        "please report it, with the file, as a bug in feeds.")
            conn.send(result)


class _Worker:
    """One child process and the files it has been handed and not yet answered."""

    def __init__(self, root: Path, settings: Settings, memory: int):
        mine, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from feeds.catalog.parsing import child_main; child_main()",
             str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, close_fds=True)
        theirs.close()
        self.conn = Connection(mine.detach())
        self.conn.send((root, settings, memory))
        self.pending: deque[str] = deque()
        self.deadline = 0.0

    def give(self, sources: list[str], deadline: float) -> None:
        self.pending.extend(sources)
        self.deadline = time.monotonic() + deadline
        self.conn.send(sources)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.conn.close()


class ParsePool:
    """Child processes that parse story files for one site under one set of settings."""

    def __init__(self, root: Path, settings: Settings, processes: int | None = None,
                 deadline: float = FILE_DEADLINE, memory: int = MEMORY_LIMIT):
        self.root = root
        self.settings = settings
        self.size = max(1, processes or os.cpu_count() or 1)
        self.deadline = deadline
        self.memory = memory
        self._workers: list[_Worker] = []

    def _worker(self) -> _Worker:
        return _Worker(self.root, self.settings, self.memory)

    def parse(self, sources: Iterable[str]) -> Iterator[Parsed]:
        """Yield one ``Parsed`` for every source, in no particular order."""
        queue = deque(sources)
        if not queue:
            return
        wanted = min(self.size, max(1, len(queue) // 16 + 1))
        while len(self._workers) < wanted:
            self._workers.append(self._worker())
        idle = list(self._workers)
        busy: dict[Connection, _Worker] = {}
        chunk = max(1, min(CHUNK, len(queue) // (len(self._workers) * 4) or 1))
        while queue or busy:
            while queue and idle:
                worker = idle.pop()
                batch = [queue.popleft() for _ in range(min(chunk, len(queue)))]
                worker.give(batch, self.deadline)
                busy[worker.conn] = worker
            timeout = max(0.0, min(w.deadline for w in busy.values()) - time.monotonic())
            for conn in wait(list(busy), timeout=timeout):
                worker = busy[conn]  # type: ignore[index]
                try:
                    result = worker.conn.recv()
                except (EOFError, OSError):
                    yield from self._replace(worker, busy, idle, queue, "stopped")
                    continue
                worker.pending.popleft()
                worker.deadline = time.monotonic() + self.deadline
                if not worker.pending:
                    del busy[worker.conn]
                    idle.append(worker)
                yield result
            now = time.monotonic()
            for worker in [w for w in busy.values() if w.deadline <= now]:
                yield from self._replace(worker, busy, idle, queue, "overran")

    def _replace(self, worker: _Worker, busy: dict[Connection, _Worker], idle: list[_Worker],
                 queue: deque[str], why: str) -> Iterator[Parsed]:
        """Drop a child that died or overran: its current file is a problem, the rest go back."""
        del busy[worker.conn]
        worker.stop(kill=True)
        self._workers.remove(worker)
        source = worker.pending.popleft()
        queue.extendleft(reversed(worker.pending))
        fresh = self._worker()
        self._workers.append(fresh)
        idle.append(fresh)
        log.error("%s: the parser %s on this file; it is left out", source, why)
        message = (f"reading this file took longer than {self.deadline:g} s, so it is left out: "
                   "simplify it." if why == "overran" else
                   "reading this file stopped the parser (it ran out of memory or crashed), so "
                   "it is left out: simplify it.")
        yield Parsed(source, signature(os.path.join(self.root, source)), problem=message,
                     transient=True)

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers = []
