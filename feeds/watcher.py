"""Notice changes under ``content/`` and to ``config.yaml``, and publish them.

Two daemon threads per server worker: one turns file-system events (inotify
through watchfiles, or polling where the OS has no events) into batches; the
other waits for a batch, for ``config.yaml`` to change, or for the next
scheduled story to come due, and asks the site to publish. A file is parsed
only once its writes have been quiet for ``settle`` seconds, so an editor's
save or a ``git checkout`` of many files is published whole.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import watchfiles

from .config import CONFIG_NAME
from .index import story_files
from .site import Site
from .storyfile import is_story_file

log = logging.getLogger(__name__)

POLLING_VARIABLE = "FEEDS_FORCE_POLLING"
CONFIG_POLL = 0.25  # seconds between looks at config.yaml (a stat call)


class Watcher:
    """Keep a ``Site`` current with its folder."""

    def __init__(self, site: Site, settle: float = 0.1, force_polling: bool | None = None):
        self.site = site
        self.settle = settle
        self.force_polling = (os.environ.get(POLLING_VARIABLE) == "1"
                              if force_polling is None else force_polling)
        self._batches: queue.SimpleQueue[set[str]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._watch, name="feeds-watch", daemon=True),
            threading.Thread(target=self._publish, name="feeds-publish", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    # Events ----------------------------------------------------------------------------------

    def _watch(self) -> None:
        content = self.site.root / "content"
        polling = self.force_polling
        while not self._stop.is_set():
            try:
                for changes in watchfiles.watch(
                    content, watch_filter=None, debounce=1000, step=max(1, int(self.settle * 1000)),
                    stop_event=self._stop, rust_timeout=1000, force_polling=polling,
                    poll_delay_ms=100, raise_interrupt=False,
                ):
                    self._batches.put({path for _, path in changes})
                return
            except (OSError, RuntimeError) as exc:
                if polling:
                    log.error("cannot watch %s (%s); retrying in 1 s", content, exc)
                    self._stop.wait(1)
                else:
                    log.warning("no file-system events for %s (%s): polling instead", content, exc)
                    polling = True

    def _sources(self, paths: Iterable[str]) -> set[str]:
        """Turn event paths into story files relative to the root (a folder means its files)."""
        root = self.site.root
        content = root / "content"
        found: set[str] = set()
        known: set[str] | None = None
        for raw in paths:
            path = Path(raw)
            try:
                relative = path.relative_to(content).as_posix()
            except ValueError:
                continue
            source = f"content/{relative}"
            if is_story_file(relative):
                found.add(source)
                continue
            if path.is_dir():  # a folder arrived (or changed): its story files
                found.update(story_files(root, path))
            known = self.site.known_sources() if known is None else known
            found.update(s for s in known if s.startswith(source + "/"))  # or went away
        return found

    # Publishing ------------------------------------------------------------------------------

    def _publish(self) -> None:
        pending: set[str] = set()
        config = _signature(self.site.root / CONFIG_NAME)
        while not self._stop.is_set():
            try:
                pending |= self._sources(self._batches.get(timeout=self._timeout(pending)))
                while True:  # take a whole burst at once
                    pending |= self._sources(self._batches.get_nowait())
            except queue.Empty:
                pass
            try:
                config, pending = self._step(config, pending)
            except Exception:  # noqa: BLE001 - a bug must not stop publishing for good
                log.exception("publishing failed; the last good state keeps serving")
                self._stop.wait(1)

    def _step(self, config: tuple[int, int, int] | None,
              pending: set[str]) -> tuple[tuple[int, int, int] | None, set[str]]:
        now = time.time()
        ready = {s for s in pending if self._settled(s, now)}
        latest = _signature(self.site.root / CONFIG_NAME)
        config_changed = latest != config
        due = self.site.snapshot.next_due
        if ready or config_changed:
            self.site.refresh(ready, config_changed)
        elif due is not None and due <= datetime.now(UTC):
            self.site.tick()
        self.site.write_missing_ids()
        if ready or config_changed:
            self.site.save_cache()
        return latest, pending - ready

    def _settled(self, source: str, now: float) -> bool:
        try:
            return now - (self.site.root / source).stat().st_mtime >= self.settle
        except OSError:
            return True  # gone: its removal is ready to publish

    def _timeout(self, pending: set[str]) -> float:
        timeout = CONFIG_POLL
        if pending:
            timeout = min(timeout, self.settle / 2)
        due = self.site.snapshot.next_due
        if due is not None:
            timeout = min(timeout, max(0.0, (due - datetime.now(UTC)).total_seconds()))
        return max(timeout, 0.01)


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)
