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
import mmap
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import NamedTuple

from ..errors import FeedsError
from ..site.config import Settings
from ..site.files import FileData, Signature, read_file, signature
from ..site.media import content_path, local_file, references
from ..site.story import Story, compact_json
from ..site.storyfile import parse_story
from .groups import groups_of

log = logging.getLogger(__name__)

FILE_DEADLINE = 10.0  # seconds one file may take to parse
MEMORY_LIMIT = 2 << 30  # bytes of address space a parsing child may use
CHUNK = 256  # files handed to a child at once
RESULTS_PER_MESSAGE = 32  # 32 results of a few kB: a message fits the socket's buffer
FLUSH_AFTER = 0.02  # seconds a finished result may wait for others to go with it
_PROGRESS = struct.Struct("<q")


class Parsed(NamedTuple):
    """What reading one story file gave: the story (as JSON, with what the publisher decides
    on), or the problem; ``signature`` None means the file is gone.

    A named tuple: it crosses from the children as a plain tuple and becomes one again in
    C, where a frozen dataclass would set its fields one by one."""

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
    encoded: tuple[str, str, str, str, str] = ("[]", "[]", "[]", "[]", "[]")  # the above as
    # JSON, and the group keys alone (what the ledger keeps per story)
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
    missing = []
    if story.image or story.enclosures or story.episode:
        named = ([story.image.url] if story.image else []) + [e.url for e in story.enclosures]
        if story.episode:  # its transcripts and chapters, served like its audio
            named += [t.url for t in story.episode.transcripts]
            named += [story.episode.chapters] if story.episode.chapters else []
        for url in named:
            relative = content_path(base, url)
            if relative is not None:
                used.add(relative)
            if url.startswith(base) and (relative is None or local_file(root, relative) is None):
                missing.append(url)
    text = story.to_json()
    groups = tuple((g.key, g.name) for g in groups_of(story))
    media = tuple(sorted(used))
    return Parsed(
        story.source, stamp, text, text_digest(text),
        story.id, story.path, story.date.timestamp(), story.draft, story.has_own_id,
        groups, media, tuple(sorted(missing)), story.aliases,
        (_dump([list(g) for g in groups]), _dump(media), _dump(sorted(missing)),
         _dump(story.aliases), _dump([g for g, _ in groups])),
    )


def text_digest(text: str) -> str:
    """Return the digest of a story's text: what the publisher compares to tell an edit
    from a save, never the whole text."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _dump(value: object) -> str:
    if not value:
        return "[]"  # most lists are empty: no need to ask the encoder
    return compact_json(value)


def child_main() -> None:
    """Run as a parse child: ``python -c 'from feeds.catalog.parsing import child_main; ...'``.

    A fresh interpreter (not a fork of the publisher, which has threads, nor
    multiprocessing's spawn, which would run the parent's ``__main__`` again).
    Its arguments are the socket to the parent and the progress file.
    """
    conn = Connection(int(sys.argv[1]))
    with open(sys.argv[2], "r+b") as handle:
        progress = mmap.mmap(handle.fileno(), _PROGRESS.size)
    root, settings, memory = conn.recv()
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass
    _child(conn, progress, root, settings)


def _child(conn: Connection, progress: mmap.mmap, root: Path, settings: Settings) -> None:
    """Parse what the parent sends, until told to stop.

    Before each file the child writes how many files it has started into the shared
    progress block (a memory write, no system call); results go back in batches.
    The parent reads the block only when the child overruns or dies, to know which
    file did it.
    """
    started = 0
    while True:
        try:
            sources = conn.recv()
        except (EOFError, OSError):
            return
        if sources is None:
            return
        batch: list[tuple[object, ...]] = []
        sent = time.monotonic()
        for source in sources:
            started += 1
            _PROGRESS.pack_into(progress, 0, started)
            batch.append(_wire(_parse_guarded(root, source, settings)))
            if len(batch) >= RESULTS_PER_MESSAGE or time.monotonic() - sent > FLUSH_AFTER:
                conn.send(batch)
                batch, sent = [], time.monotonic()
        if batch:
            conn.send(batch)


def _parse_guarded(root: Path, source: str, settings: Settings) -> Parsed:
    try:
        return parse_one(root, source, settings)
    except MemoryError:
        return Parsed(source, signature(os.path.join(root, source)),
                      problem="reading this file took more memory than a story may: "
                              "simplify it (YAML aliases, deep nesting?).")
    except RecursionError:
        return Parsed(source, signature(os.path.join(root, source)),
                      problem="this file is nested too deeply to read: simplify it.")
    except Exception as exc:  # noqa: BLE001 - one file must never stop the others
        log.exception("unexpected error reading %s", source)
        return Parsed(source, signature(os.path.join(root, source)),
                      problem=f"this file could not be read ({type(exc).__name__}); "
                              "please report it, with the file, as a bug in feeds.")


def _wire(parsed: Parsed) -> tuple[object, ...]:
    """A result as a plain tuple: cheaper to send than the named tuple, whose class each
    message would name again."""
    return tuple(parsed)


class _Worker:
    """One child process, the files it has been handed and not answered, and its progress."""

    def __init__(self, root: Path, settings: Settings, memory: int):
        folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self._progress_file = tempfile.NamedTemporaryFile(prefix="feeds-parse-", dir=folder)
        self._progress_file.write(bytes(_PROGRESS.size))
        self._progress_file.flush()
        self.progress = mmap.mmap(self._progress_file.fileno(), _PROGRESS.size)
        mine, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from feeds.catalog.parsing import child_main; child_main()",
             str(theirs.fileno()), self._progress_file.name],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, close_fds=True)
        theirs.close()
        self.conn = Connection(mine.detach())
        self.conn.send((root, settings, memory))
        self.pending: deque[str] = deque()
        self.answered = 0  # results received since the child started
        self.seen = 0  # its progress count at the last look
        self.moved = time.monotonic()  # when that count last moved

    @property
    def started(self) -> int:
        return int(_PROGRESS.unpack_from(self.progress, 0)[0])

    def give(self, sources: list[str]) -> None:
        if not self.pending:  # (a child still at work keeps its clock)
            self.moved = time.monotonic()
        self.pending.extend(sources)
        self.conn.send(sources)

    def stuck_on(self) -> tuple[str | None, list[str]]:
        """Return the file the child is on (None: between files) and the others it holds."""
        current = self.started - self.answered - 1
        held = list(self.pending)
        if 0 <= current < len(held):
            return held[current], held[:current] + held[current + 1:]
        return None, held

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
        self.progress.close()
        self._progress_file.close()


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

    def warm(self) -> None:
        """Start every child now, for a large parse about to come."""
        while len(self._workers) < self.size:
            self._workers.append(self._worker())

    def parse(self, sources: Iterable[str]) -> Iterator[Parsed]:
        """Yield one ``Parsed`` for every source, in no particular order."""
        queue = deque(sources)
        if not queue:
            return
        wanted = min(self.size, max(1, len(queue) // 16 + 1))
        while len(self._workers) < wanted:
            self._workers.append(self._worker())
        busy: dict[Connection, _Worker] = {}
        chunk = max(1, min(CHUNK, len(queue) // (len(self._workers) * 4) or 1))
        while queue or busy:
            for worker in self._workers:  # a second chunk waits in each child's socket, so
                # no child idles while this generator's consumer works on results
                if queue and len(worker.pending) <= chunk:
                    worker.give([queue.popleft() for _ in range(min(chunk, len(queue)))])
                    busy[worker.conn] = worker
            for conn in wait(list(busy), timeout=min(0.25, self.deadline / 4)):
                worker = busy[conn]  # type: ignore[index]
                try:
                    results = worker.conn.recv()
                except (EOFError, OSError):
                    yield from self._replace(worker, busy, queue, "stopped")
                    continue
                for values in results:
                    worker.pending.popleft()
                    worker.answered += 1
                    yield Parsed._make(values)
                if not worker.pending:
                    del busy[worker.conn]
            now = time.monotonic()
            for worker in list(busy.values()):
                started = worker.started
                if started != worker.seen:
                    worker.seen, worker.moved = started, now
                elif now - worker.moved > self.deadline:
                    yield from self._replace(worker, busy, queue, "overran")

    def _replace(self, worker: _Worker, busy: dict[Connection, _Worker], queue: deque[str],
                 why: str) -> Iterator[Parsed]:
        """Drop a child that died or overran: its current file is a problem, the rest go back."""
        del busy[worker.conn]
        culprit, others = worker.stuck_on()
        worker.stop(kill=True)
        self._workers.remove(worker)
        queue.extendleft(reversed(others))
        self._workers.append(self._worker())
        if culprit is None:
            return
        log.error("%s: the parser %s on this file; it is left out", culprit, why)
        message = (f"reading this file took longer than {self.deadline:g} s, so it is left out: "
                   "simplify it." if why == "overran" else
                   "reading this file stopped the parser (it ran out of memory or crashed), so "
                   "it is left out: simplify it.")
        yield Parsed(culprit, signature(os.path.join(self.root, culprit)), problem=message,
                     transient=True)

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers = []
