"""The publisher: the one process that reads story files, decides, writes ids and commits.

::

    content/ ──events──▶ Watcher ──▶ Publisher loop ──▶ ParsePool (child processes)
    config.yaml ─stat─┘                  │      └──▶ IdWriter (ids into story files)
                                         ▼
                           Ledger ──▶ .feeds/catalog.sqlite3 ──▶ serving workers
                                         └──▶ on_commit hooks (WebSub pings, cache purges)

Only one publisher runs per site (an exclusive lock in ``.feeds/``). A changed
file is parsed once its writes have been quiet for ``settle`` seconds; what is
ready is parsed in the pool and applied as one transaction, so a mass change (a
``git checkout``, an id write-back of a whole archive) is a few batches, and
one change costs the same at any size. Faults (a broken ``config.yaml``,
``.feeds/`` lost or full or read-only, the watcher failing) are survived: the
last committed version keeps being served, the fault is reported on the status
board, and the publisher retries until it is fixed.
"""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import __version__
from ..errors import ConfigError, FeedsError, StoryError
from ..site.config import CONFIG_NAME, SafeLoader, Settings, load_settings
from ..site.files import (
    CONTENT,
    CONTENT_PREFIX,
    Signature,
    is_ignored_name,
    is_story_file,
    name_problem,
    shown,
    signature,
    walk,
)
from ..site.ids import Attempt, IdWriter, Outcome, id_line
from ..site.media import media_suffix
from . import catalogfile
from .failures import Failures
from .history import HistoryLog
from .ledger import Ledger
from .links import Names
from .migrations import UNREADABLE, is_damaged, open_catalog, set_aside
from .parsing import FILE_DEADLINE, Parsed, ParsePool
from .replay import replay
from .status import StatusBoard
from .store import (
    CATALOG_FILE,
    PUBLISHER_INDEXES,
    SCHEMA_VERSION,
    STATE_FOLDER,
    Problem,
    connect_builder,
    connect_writer,
    file_identity,
    finish_build,
    meta,
    set_meta,
    transaction,
)
from .watch import RESCAN, Watcher

log = logging.getLogger(__name__)

SETTLE = 0.1  # seconds a file must be quiet before it is read
CONFIG_POLL = 0.25  # seconds between looks at config.yaml
ID_RETRY = 5.0  # seconds before trying again to write an id into a busy file
ID_BATCH = 256
LOCK_FILE = "publisher.lock"
WATCH_START = 10.0  # seconds the first scan waits for the watch to be in place
PARSE_SETTINGS = ("base_url", "timezone", "author")  # what a parsed story depends on
# What reads files: every file is read again when it changes. The revision counts changes to
# the reading rules between releases (2: claims on the site's own URLs, numbers as spelled).
PARSER = f"{__version__}+2"

OnCommit = Callable[[set[str], int], None]


def _problem(error: FeedsError) -> Problem:
    return Problem(error.path or CONFIG_NAME, error.line, error.message)


def _is_open(db: sqlite3.Connection) -> bool:
    try:
        db.total_changes  # noqa: B018 - raises once the connection is closed
    except sqlite3.ProgrammingError:
        return False
    return True


def _below(path: str, folders: Iterable[str]) -> bool:
    """Tell whether ``path`` lies below one of ``folders``."""
    return any(path.startswith(folder + "/") for folder in folders)


class PublisherBusy(FeedsError):
    """Another publisher already runs for this site."""


class Publisher:
    """Keep a site's catalogue current with its folder."""

    def __init__(self, root: Path, processes: int | None = None, settle: float = SETTLE,
                 write_ids: bool | None = None, on_commit: Iterable[OnCommit] = (),
                 status: bool = True, parse_deadline: float | None = None,
                 state: Path | None = None, clock: Callable[[], float] = time.time,
                 history: bool = True):
        self.root = root
        self.history = HistoryLog(root, write=history)  # history/: what the files cannot say
        self.clock = clock  # what "now" is for publishing: scheduled stories, removals
        self.state = state or root / STATE_FOLDER
        self.settle = settle
        self.processes = processes
        self.parse_deadline = parse_deadline
        self.hooks = list(on_commit)
        self._write_ids = write_ids
        self.problems: dict[str, Problem] = {}  # what stops publishing, by kind: for /healthz
        self._events: queue.SimpleQueue[set[str]] = queue.SimpleQueue()
        self._pending: set[str] = set()
        self._folders: dict[str, float] = {}  # folder (or other non-story path) -> last event
        self._walk_problems: dict[str, StoryError] = {}  # by the path they are about
        self._failures = Failures()
        self._names = Names()  # the second names of files (hard links, symlinks)
        self._config: Signature | None = None  # config.yaml as last read
        self._config_changed = 0.0  # when it was last seen changing; 0 when it is as read
        self._id_retry: dict[str, float] = {}
        self._id_cursor = ""  # the last file the id writer looked at
        self._lock_file: int | None = None
        self._watcher: Watcher | None = None
        self.settings = self._first_settings()
        self._lock()
        self._board = StatusBoard(root) if status else None  # (never a busy publisher's)
        self._open()
        self.pool = self._pool()
        if self._building:
            self.pool.warm()  # the children start while the folder is walked

    # Start -----------------------------------------------------------------------------------

    def _first_settings(self) -> Settings:
        try:
            return load_settings(self.root)
        except ConfigError as error:
            kept = self._stored_settings()
            if kept is None:
                raise
            self.problems["config"] = _problem(error)
            return kept

    @property
    def catalog(self) -> Path:
        return self.state / CATALOG_FILE

    def _stored_settings(self) -> Settings | None:
        try:
            db = sqlite3.connect(f"file:{self.catalog}?mode=ro", uri=True)
            try:
                raw = meta(db, "settings")
            finally:
                db.close()
        except sqlite3.Error:
            return None
        return Settings.from_raw(json.loads(str(raw))) if raw else None

    def _lock(self) -> None:
        self.state.mkdir(exist_ok=True)
        fd = os.open(self.state / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            raise PublisherBusy(
                f"another feeds process (pid {holder or 'unknown'}) is publishing this site: "
                "stop it first, or use it.", STATE_FOLDER) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._lock_file = fd

    def _open(self) -> None:
        """Open the catalogue (migrated to this feeds' schema), or start building a new one
        beside where it will be, from the history when the site has one."""
        path = self.catalog
        self._building = not path.exists()
        self._rebuilt: Problem | None = None  # why a catalogue was rebuilt (a /healthz warning)
        self._restored_keys: set[str] = set()  # what a build from a history changed
        if not self._building:
            opened, self._rebuilt = open_catalog(path)
            if opened is None:
                self._building = True
            else:
                self.db = opened
        if self._building:
            catalogfile.discard_stray(path)  # a WAL without its catalogue: a past generation's
            catalogfile.discard(f"{path}.new")  # a first build that did not finish
            self.db = connect_builder(f"{path}.new")
            set_meta(self.db, "schema", SCHEMA_VERSION)
        self._identity = file_identity(path)
        self._db_path = path
        self.ledger = Ledger(self.db, self.settings, self.history)
        self.ids = IdWriter(self.root, self.state, SafeLoader)

    def _finish_build(self) -> None:
        """Put a first build in place (workers start serving it), then make the publisher's own
        indexes, which it needs only for changes."""
        finish_build(self.db)
        self.db.close()
        path = self.catalog
        catalogfile.put_in_place(f"{path}.new", path)
        self._building = False
        log.info("first build: live (the stories and the site's own feeds)")
        self.db = connect_writer(path, indexes=False)
        self._identity = file_identity(path)
        pending = self.ledger.pending
        self.ledger = Ledger(self.db, self.settings, self.history)
        self.ledger.pending = pending
        self._report("completing")
        started = time.monotonic()
        self.ledger.complete(self.clock())  # announces nothing: the first build is no change
        self.db.executescript(PUBLISHER_INDEXES)
        log.info("first build: sections, tags and authors live %.1f s later",
                 time.monotonic() - started)
        if self._restored_keys:  # what the files changed since the history: caches are told
            self._committed(self._restored_keys)

    def _pool(self) -> ParsePool:
        return ParsePool(self.root, self.settings, self.processes,
                         deadline=self.parse_deadline or FILE_DEADLINE)

    @property
    def write_ids(self) -> bool:
        return self.settings.write_ids if self._write_ids is None else self._write_ids

    # One pass --------------------------------------------------------------------------------

    def sync(self) -> set[str]:
        """Bring the catalogue up to date with the folder (every file compared), once."""
        try:
            return self._sync()
        except sqlite3.DatabaseError as error:
            if self._building or not is_damaged(error):
                raise
            self._set_aside(str(error))  # found damaged only now: rebuilt like one at start
            return self._sync()

    def _set_aside(self, reason: str) -> None:
        self.db.close()
        self._rebuilt = set_aside(self.catalog, reason)
        self._building = True
        self.db = connect_builder(f"{self.catalog}.new")
        set_meta(self.db, "schema", SCHEMA_VERSION)
        self.ledger = Ledger(self.db, self.settings, self.history)

    def _sync(self) -> set[str]:
        keys = self._settings_changed(self.settings, first=True)
        if not self._building:
            self._history_check()
        keys |= self._scan()
        keys |= self._tick()
        self._id_warnings()
        if self._building:
            self._finish_build()
        return keys

    def _history_check(self) -> None:
        """Finish a first build a crash interrupted; write back history lines the folder lost;
        keep the warning about a catalogue rebuilt while its unreadable copy is kept."""
        if not meta(self.db, "complete", 1):
            self.ledger.complete(self.clock())
        with transaction(self.db):
            self.history.ensure(self.db)
            if self._rebuilt is None and not (self.state / UNREADABLE).exists():
                self.db.execute("DELETE FROM problems WHERE kind = 'rebuilt'")

    def _content_missing(self) -> bool:
        """Tell whether content/ is gone; then nothing is unpublished: it may be on its way
        back (a checkout, a restore), and the last published state keeps being served."""
        if (self.root / CONTENT).is_dir():
            self.problems.pop("content", None)
            return False
        self.problems["content"] = Problem(CONTENT, None, (
            "the folder is missing, so nothing is published or removed until it is back: "
            "create it, or restore it; the last published stories keep being served."))
        return True

    def _scan(self) -> set[str]:
        """Compare every file with the catalogue; parse and apply what changed."""
        if self._content_missing():
            return set()
        walked = walk(self.root)
        known = {source: (mtime, size, ino) for source, mtime, size, ino in self.db.execute(
            "SELECT source, mtime_ns, size, ino FROM files")}
        found = set(walked.sources)
        root = str(self.root)
        changed = [s for s in walked.sources
                   if s not in known or signature(os.path.join(root, s)) != known[s]]
        changed += [s for s in known if s not in found and not _below(s, walked.unreadable)]
        # A story missing a media file is read again: the file may have arrived.
        changed += [s for (s,) in self.db.execute(
            "SELECT source FROM files WHERE missing IS NOT NULL AND missing != '[]'")]
        self._walk_problems = {error.path or CONTENT: error for error in walked.problems}
        return self._publish(changed)

    def _publish(self, sources: Iterable[str], ids: Iterable[str] = ()) -> set[str]:
        """Parse ``sources`` and apply them with ``ids`` as one transaction; a failure that is
        not the catalogue's (a bug met by one file) is narrowed down to the files and ids that
        cause it, which become problems until they change, and the rest is published."""
        sources = [s for s in sorted(set(sources)) if self._failures.retry(s, self.root)]
        ids = [i for i in ids if self._failures.retry(i)]
        try:
            return self._apply(sources, ids)
        except (sqlite3.OperationalError, OSError, MemoryError):
            raise  # the catalogue's own faults: reported and retried whole (_guarded)
        except Exception:
            self.pool.close()  # (it may hold results of the batch that failed)
            self.pool = self._pool()
            if len(sources) + len(ids) > 1 and meta(self.db, "version", 0):
                half_s, half_i = len(sources) // 2, len(ids) // 2
                return (self._publish(sources[:half_s], ids[:half_i])
                        | self._publish(sources[half_s:], ids[half_i:]))
            for item in sources or ids:
                log.exception("%s could not be published", shown(item))
                self._failures.add(item, self.root if sources else None)
            return set()

    def _parse(self, sources: list[str]) -> Iterator[Parsed]:
        """Parse ``sources`` in the pool; a second name of one file is as if absent
        (``links``), and the names of a file whose name went are decided again."""
        sources = self._names.sort(self.db, self.root, sources)
        for twin in [s for s in sources if s in self._names.twins]:
            yield Parsed(twin, None)
        yield from self.pool.parse([s for s in sources if s not in self._names.twins])

    def _apply(self, sources: list[str], ids: list[str]) -> set[str]:
        if not meta(self.db, "version", 0):  # a new catalogue: its first version, whole
            started = time.monotonic()
            self._first_build(sources)
            log.info("first build: %d files read and decided in %.1f s", len(sources),
                     time.monotonic() - started)
            return set()
        if not sources and not ids:
            return set()
        keys = self.ledger.apply(self._parse(sources), self.clock(), ids)
        if keys:
            self._committed(keys)
        return keys

    def _first_build(self, sources: list[str]) -> None:
        """Build a new catalogue from the files, starting from the history if there is one."""
        warnings = [self._rebuilt] if self._rebuilt else []
        if not self.history.files():
            self.ledger.build(self._parse(sources), self.clock())
        else:  # the history is read in a thread while the files are parsed
            with ThreadPoolExecutor(1, thread_name_prefix="feeds-history") as reader:
                restored = reader.submit(replay, self.history.lines())
                self.ledger.build(self._parse(sources), self.clock(), restored.result)
            warnings += restored.result().problems
            log.info("first build: %d history lines read", len(restored.result().lines))
            if self.ledger.touched:  # files changed since the history was written
                self.db.executescript(PUBLISHER_INDEXES)
                self._restored_keys = self.ledger.apply([], self.clock(), self.ledger.touched)
            self.ledger.publish_new(self.clock())
        with transaction(self.db):
            self.db.executemany("INSERT INTO problems VALUES (?, ?, ?, ?, NULL, 1)", [
                (p.source, p.line, p.message, "history" if p.line else "rebuilt")
                for p in warnings])

    def _committed(self, keys: set[str]) -> None:
        version = int(meta(self.db, "version", 0))  # type: ignore[call-overload]
        if version <= 1:
            return  # the first version of a catalogue announces nothing: nothing changed
        for hook in self.hooks:
            try:
                hook(keys, version)
            except Exception:  # noqa: BLE001 - a hook's bug must not stop publishing
                log.exception("a publication hook failed")

    def _tick(self) -> set[str]:
        """Publish scheduled stories that came due, and expire old tombstones."""
        now = self.clock()
        keys: set[str] = set()
        due = self.ledger.due(now)
        if due:
            keys |= self._publish((), due)
        nxt = self.ledger.next_due()
        if nxt is not None and nxt <= now:
            expired = self.ledger.expire(now)
            if expired:
                self._committed(expired)
            keys |= expired
        return keys

    # Settings --------------------------------------------------------------------------------

    def _settings_changed(self, settings: Settings, first: bool = False) -> set[str]:
        """Store new settings; read every story again when what a story means depends on them."""
        stored = meta(self.db, "settings")
        old = Settings.from_raw(json.loads(str(stored))) if stored else None
        if old == settings and not first:
            return set()
        self.settings = settings
        self.ledger.settings = settings
        reparse = old is None or any(getattr(old, k) != getattr(settings, k)
                                     for k in PARSE_SETTINGS)
        if meta(self.db, "parser") != PARSER:  # another feeds may read files otherwise
            self.db.execute("UPDATE files SET mtime_ns = -1")
            set_meta(self.db, "parser", PARSER)
        with transaction(self.db):
            set_meta(self.db, "settings", json.dumps(settings.to_raw(), ensure_ascii=False))
            if old is not None and old != settings:
                version = int(meta(self.db, "version", 0)) + 1  # type: ignore[call-overload]
                stamp = max(int(time.time()), int(meta(self.db, "stamp", 0)) + 1)  # type: ignore[call-overload]
                self.db.execute("INSERT OR REPLACE INTO keys VALUES ('settings', ?, ?)",
                                (version, stamp))
                set_meta(self.db, "version", version)
                set_meta(self.db, "stamp", stamp)
        if reparse and old is not None:
            log.info("config.yaml changed what stories mean: reading every story again")
            self.pool.close()
            self.pool = self._pool()
            self.db.execute("UPDATE files SET mtime_ns = -1")  # every file is read again
        keys = {"settings"} if old is not None and old != settings else set()
        if keys:
            self._committed(keys)
        return keys

    def _reload_config(self) -> None:
        try:
            settings = load_settings(self.root)
        except ConfigError as error:
            if self.problems.get("config") != _problem(error):
                log.error("%s (the last good config keeps serving)", error)
            self.problems["config"] = _problem(error)
            return
        self.problems.pop("config", None)
        if settings != self.settings:
            self._settings_changed(settings)
            self._scan()

    # Ids -------------------------------------------------------------------------------------

    def _id_warnings(self) -> None:
        """With ``write_ids: false``, warn about each live story without an id of its own."""
        rows = [] if self.settings.write_ids else self.db.execute(
            "SELECT source, id FROM files WHERE state = 'live' AND own_id = 0").fetchall()
        with transaction(self.db):
            self.db.execute("DELETE FROM problems WHERE kind = 'noid'")
            self.db.executemany("INSERT INTO problems VALUES (?, 1, ?, 'noid', NULL, 1)", [
                (source, "no id, so readers know it by one made from its path and date, which "
                 f"changes if the file moves: add the line {id_line(story_id).strip()} to keep "
                 "it.") for source, story_id in rows])

    def write_missing_ids(self, budget: float = 0.2) -> int:
        """Write ids into live stories that have none, for up to ``budget`` seconds.

        A few batches at a time, resuming where the last call stopped, so an archive of
        100,000 stories without ids costs each turn of the loop the same as ten; a
        story written meanwhile waits at most one budget.
        """
        if not self.write_ids:
            return 0
        deadline = time.monotonic() + budget
        written = 0
        while time.monotonic() < deadline:
            rows = self.db.execute(
                "SELECT source, id, mtime_ns, size, ino FROM files WHERE state = 'live' "
                "AND own_id = 0 AND source > ? ORDER BY source LIMIT ?",
                (self._id_cursor, ID_BATCH)).fetchall()
            if not rows:
                self._id_cursor = ""  # round again: files that were busy may be quiet now
                break
            self._id_cursor = rows[-1][0]
            now = time.monotonic()
            chunk = [r for r in rows if self._id_retry.get(r[0], 0) <= now]
            if chunk:
                results = self.ids.write([(s, i, (m, z, n)) for s, i, m, z, n in chunk])
                written += self._record_ids(chunk, results)
        return written

    def _record_ids(self, chunk: list[tuple[str, str, int, int, int]],
                    results: dict[str, Attempt]) -> int:
        written = 0
        updates, warnings = [], []
        retry_at = time.monotonic() + ID_RETRY
        for source, story_id, *_ in chunk:
            attempt = results.get(source)
            outcome = attempt.outcome if attempt is not None else None
            if attempt is not None and attempt.signature is not None:
                mtime, size, ino = attempt.signature
                updates.append((mtime, size, ino, source))
                written += 1
            elif outcome is Outcome.REFUSED:
                self._id_retry[source] = float("inf")
                reason = attempt.reason if attempt is not None else ""
                warnings.append((source, f"it has no id, and feeds does not write into this file "
                                 f"({reason}): add the line "
                                 f"{id_line(story_id).strip()} to its front matter."))
            else:
                self._id_retry[source] = retry_at
        with transaction(self.db):
            self.db.executemany("UPDATE files SET mtime_ns = ?, size = ?, ino = ?, own_id = 1 "
                                "WHERE source = ?", updates)
            self.db.executemany("DELETE FROM problems WHERE kind = 'id' AND source = ?",
                                [(s,) for s, *_ in chunk])
            self.db.executemany("INSERT INTO problems VALUES (?, 1, ?, 'id', NULL, 1)", warnings)
        for *_, written_source in updates:
            log.info("%s: wrote its permanent id", written_source)
        return written

    # The loop --------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set: the publisher process's main loop."""
        self._watcher = Watcher(self.root / CONTENT, self._events, self.settle)
        self._watcher.start()  # before the first scan: nothing written meanwhile is missed
        self._report("scanning")
        if self._watcher.ready.wait(WATCH_START):
            self._drain()  # what happened so far, the first scan reads anyway
        self._guarded(self.sync)
        self._config = signature(str(self.root / CONFIG_NAME))
        last_status = 0.0
        watch_problem = self._watcher.problem
        while not stop.is_set():
            batches: list[set[str]] = []
            try:
                batches = [self._events.get(timeout=self._timeout())]
                while True:
                    batches.append(self._events.get_nowait())
            except queue.Empty:
                pass
            for batch in batches:
                self._guarded(functools.partial(self._take, batch))
            self._watch_config()
            self._guarded(self._step)
            if time.monotonic() - last_status >= 1.0 or watch_problem != self._watcher.problem:
                self._check_catalog()
                self._report()
                last_status = time.monotonic()
                watch_problem = self._watcher.problem
        self.close()

    def _drain(self) -> None:
        while True:
            try:
                self._events.get_nowait()
            except queue.Empty:
                return

    def _watch_config(self) -> None:
        """Read config.yaml again once it has changed and been quiet (an editor may be
        writing it slowly: half a file must not become the site's settings)."""
        latest = signature(str(self.root / CONFIG_NAME))
        if latest != self._config:
            self._config, self._config_changed = latest, time.monotonic()
        elif self._config_changed and time.monotonic() - self._config_changed >= self.settle:
            self._config_changed = 0.0
            self._guarded(self._reload_config)

    def _take(self, paths: set[str]) -> None:
        if RESCAN in paths:
            self._pending.add(RESCAN)
            return
        self._pending |= self._changed(self._sources(paths))  # not the id writer's own writes

    def _step(self) -> None:
        if self._content_missing():
            self._pending.add(RESCAN)  # read everything once it is back
            return
        if RESCAN in self._pending:
            self._pending.discard(RESCAN)
            self._scan()
        self._expand_folders()
        now = time.time()
        ready = {s for s in self._pending if self._settled(s, now)}
        if ready:
            self._publish(self._changed(ready))
            self._pending -= ready
            if not self.settings.write_ids:
                self._id_warnings()
        self._tick()
        if self._pending or self._folders:
            return
        self.write_missing_ids()

    def _guarded(self, step: Callable[[], object]) -> None:
        """Run one step; a fault is reported and retried, never the end of publishing."""
        try:
            step()
            self.problems.pop("catalog", None)
        except sqlite3.Error as exc:
            if is_damaged(exc) and not self._building:
                self._set_aside(str(exc))
                self._guarded(self.sync)  # a new catalogue from the files and the history
                return
            self.problems["catalog"] = Problem(STATE_FOLDER, None, (
                f"the catalogue cannot be written ({exc}): free disk space or make the folder "
                "writable; the last published version keeps being served."))
            log.error("%s", self.problems["catalog"])
            time.sleep(0.5)
        except OSError as exc:
            self.problems["catalog"] = Problem(STATE_FOLDER, None, (
                f"{exc.strerror or exc}: free disk space or make the folder writable; the last "
                "published version keeps being served."))
            log.error("%s", self.problems["catalog"])
            time.sleep(0.5)
        except Exception:  # noqa: BLE001 - a bug must not stop publishing for good
            log.exception("publishing failed; the last good state keeps serving")
            self.problems["bug"] = Problem(STATE_FOLDER, None,
                                           "publishing failed (see the log); retrying.")
            time.sleep(0.5)

    def _timeout(self) -> float:
        timeout = CONFIG_POLL
        if self._pending or self._folders or self._config_changed:
            timeout = min(timeout, self.settle / 2)
        due = self.ledger.next_due()
        if due is not None:
            timeout = min(timeout, max(0.0, due - self.clock()))
        return max(timeout, 0.005)

    def _changed(self, sources: set[str]) -> set[str]:
        """Leave out the files that are exactly as the catalogue knows them (the id writer's
        own writes, a save that changed nothing): they need no reading."""
        known: dict[str, tuple[int, int, int]] = {}
        listed = sorted(sources)
        for start in range(0, len(listed), 900):
            chunk = listed[start:start + 900]
            known.update((s, (m, z, i)) for s, m, z, i in self.db.execute(
                "SELECT source, mtime_ns, size, ino FROM files WHERE source IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return {s for s in sources if known.get(s) != signature(str(self.root / s))}

    def _settled(self, source: str, now: float) -> bool:
        try:
            return now - os.stat(self.root / source).st_mtime >= self.settle
        except OSError:
            return True  # gone: its removal is ready to publish

    def _sources(self, paths: Iterable[str]) -> set[str]:
        """Turn event paths into story sources; other paths (a folder, a media file) wait in
        ``_folders`` until quiet, since files moved into a folder just made may bring no
        event of their own."""
        root = str(self.root)
        found: set[str] = set()
        now = time.monotonic()
        for raw in paths:
            relative = os.path.relpath(raw, root).replace(os.sep, "/")
            if not relative.startswith(CONTENT_PREFIX):
                continue
            under = relative.removeprefix(CONTENT_PREFIX)
            if is_story_file(under) and not name_problem(relative):
                found.add(relative)
            elif not any(is_ignored_name(part) for part in under.split("/")):
                self._folders[relative] = now  # not a scratch file or hidden folder
        return found

    def _expand_folders(self) -> None:
        """Turn quiet folder and media events into the story sources they concern."""
        now = time.monotonic()
        for relative, seen in list(self._folders.items()):
            if now - seen >= self.settle:
                del self._folders[relative]
                self._pending |= self._under(relative)

    def _under(self, relative: str) -> set[str]:
        """Return the stories a non-story path concerns: a folder's files (now, and as the
        catalogue knew them), or the stories that use a media file."""
        found: set[str] = set()
        under = relative.removeprefix(CONTENT_PREFIX)
        scope = shown(relative)
        for path in [p for p in self._walk_problems if p == scope or _below(p, [scope])]:
            del self._walk_problems[path]  # what is found below it now replaces them
        bad = name_problem(relative)
        if bad:
            if os.path.lexists(self.root / relative):
                self._walk_problems[shown(relative)] = StoryError(bad, shown(relative))
            return found  # (no such name is in the catalogue)
        unreadable: list[str] = []
        if os.path.isdir(self.root / relative):
            walked = walk(self.root, relative)
            found.update(walked.sources)
            unreadable = walked.unreadable
            self._walk_problems.update((e.path or CONTENT, e) for e in walked.problems)
        found.update(s for (s,) in self.db.execute(
            "SELECT source FROM files WHERE source > ? AND source < ?",
            (relative + "/", relative + "0"))  # '0' follows '/': every path below the folder
            if not _below(s, unreadable))
        if media_suffix(under):
            found.update(s for (s,) in self.db.execute(
                "SELECT s.source FROM media m JOIN stories s ON s.id = m.id "
                "WHERE m.file = ? AND s.source IS NOT NULL", (under,)))
            found.update(s for (s,) in self.db.execute(
                "SELECT source FROM files WHERE missing LIKE ?", (f"%{under}%",)))
        return found

    # Faults ----------------------------------------------------------------------------------

    def _check_catalog(self) -> None:
        """Notice a catalogue deleted under the running publisher, and put it back whole."""
        path = self.catalog
        if file_identity(path) == self._identity:
            return
        try:
            self.state.mkdir(exist_ok=True)
            if self._db_path != path:  # a failed attempt left this publisher on its copy
                self.db.close()
                catalogfile.put_in_place(self._db_path, path)
            else:
                catalogfile.write_again(self.db, path)
            self._reopen(path)
            log.warning("%s was deleted while running: written again from memory",
                        STATE_FOLDER)
            self.problems.pop("catalog", None)
        except (sqlite3.Error, OSError) as exc:
            if not _is_open(self.db):  # closed, then not put in place: its copy has it all
                self._reopen(Path(f"{path}.new"))
            self.problems["catalog"] = Problem(STATE_FOLDER, None, (
                f"it was lost and cannot be written again ({exc}): free disk space or make the "
                "site folder writable."))

    def _reopen(self, path: Path) -> None:
        if _is_open(self.db):
            self.db.close()
        self.db = connect_writer(path)
        self._db_path = path
        self._identity = file_identity(self.catalog)
        self.ledger = Ledger(self.db, self.settings, self.history)
        if self._lock_file is not None and not self._holds_lock():
            os.close(self._lock_file)  # .feeds/ itself was deleted: lock the new one
            self._lock_file = None
            self._lock()
        self.ids = IdWriter(self.root, self.state, SafeLoader)

    def _holds_lock(self) -> bool:
        """Tell whether the lock file this publisher holds is still the one in .feeds/."""
        assert self._lock_file is not None
        try:
            held, there = os.fstat(self._lock_file), os.stat(self.state / LOCK_FILE)
        except OSError:
            return False
        return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)

    def status(self, state: str = "running") -> dict[str, object]:
        """Return what the status board shows: state and the publisher's own problems."""
        problems = list(self.problems.values())
        watching = None
        if self._watcher is not None:
            if self._watcher.problem:
                problems.append(Problem(CONTENT, None, self._watcher.problem))
            watching = self._watcher.watching
        problems += [_problem(error) for error in self._walk_problems.values()]
        problems += self._failures.problems() + self._names.problems()
        return {"state": state, "problems": [
                    {"file": p.source, "line": p.line, "message": p.message} for p in problems],
                "version": meta(self.db, "version", 0),
                "watching": list(watching) if watching else None}

    def problem_list(self) -> list[Problem]:
        """Return every problem and warning: the catalogue's, then the publisher's own."""
        found = [Problem(source, line, message, bool(warning)) for source, line, message, warning
                 in self.db.execute("SELECT source, line, message, warning FROM problems "
                                    "ORDER BY source, coalesce(line, 0), message")]
        found += [_problem(error) for error in self._walk_problems.values()]
        found += self._failures.problems() + self._names.problems()
        found += self.problems.values()
        return found

    @property
    def published(self) -> int:
        """Return how many stories are live."""
        row = self.db.execute("SELECT live FROM groups WHERE grp = 'site:'").fetchone()
        return int(row[0]) if row else 0

    def _report(self, state: str = "running") -> None:
        if self._board is not None:
            self._board.write(self.status(state))

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        self.pool.close()
        if self._board is not None:
            self._board.close()
        self.db.close()
        if self._lock_file is not None:
            os.close(self._lock_file)
            self._lock_file = None
