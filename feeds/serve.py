"""The processes of ``feeds serve``: one publisher, and the serving workers.

::

    feeds serve                      (supervises; restarts the publisher if it dies)
     ├── feeds publish               the only process that reads story files:
     │                               watch, parse (in child processes), decide,
     │                               write ids, commit .feeds/catalog.sqlite3,
     │                               ping WebSub hubs, purge shared caches
     ├── granian workers × --workers read the catalogue, keep documents hot,
     │                               answer HTTP (feeds.app:create_app)
     └── python -m feeds.exporter    with --metrics only: answers Prometheus on
                                     its own address (feeds.exporter)

The publisher starts first; workers answer 503 until its first version is
committed, and on a restart serve the catalogue as it was at once, while the
publisher compares the files with it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .catalog.loop import Loop
from .catalog.publisher import Publisher
from .children import stop_child
from .exporter import Exporter
from .locks import serving
from .logs import worker_config
from .metrics import PublicationTimes, metrics_folder
from .outbound.purge import CachePurge
from .outbound.websub import Announcer, FeedChanges
from .web.accesslog import ACCESS_VARIABLE

log = logging.getLogger(__name__)

RESTART_DELAY = 1.0  # seconds before a publisher that died is started again
# Connections a worker holds at once. Idle and slow connections count (granian's default
# of a few hundred let 2,000 idle connections starve every poll), so it is far above any
# request concurrency; requests themselves queue for the worker's threads.
CONNECTIONS = 16_384
HEADER_TIMEOUT_MS = 10_000  # a client that has not sent its headers by then is dropped
# Seconds a worker has to stop after SIGTERM before it is killed: granian 2.8 waits for ever,
# and a worker once hung in its own signal handler (see logs.worker_config), so a systemd
# stop or a restart hung with it.
WORKER_STOP_GRACE = 10


def run_publisher(root: Path, exit_with_parent: bool = False) -> int:
    """Run the publisher in this process until SIGTERM or SIGINT (``feeds publish``)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    publisher = Publisher(root, on_commit=[FeedChanges(root, Announcer()), CachePurge(root)])
    folder = metrics_folder()
    if folder is not None:  # feeds serve --metrics
        publisher.hooks.append(PublicationTimes(publisher, folder))
    if exit_with_parent:
        parent = os.getppid()

        def watch_parent() -> None:
            while not stop.wait(0.5):
                if os.getppid() != parent:  # the server went away without stopping us
                    stop.set()

        threading.Thread(target=watch_parent, name="feeds-parent", daemon=True).start()
    Loop(publisher).run(stop)
    return 0


class PublisherProcess:
    """The publisher as a child process of the server, started again if it dies."""

    def __init__(self, root: Path, verbose: bool):
        self.command = [sys.executable, "-m", "feeds", "publish", "--root", str(root),
                        "--exit-with-parent", *(["--verbose"] if verbose else [])]
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="feeds-supervise",
                                        daemon=True)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        self._thread.start()

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            assert self.process is not None
            code = self.process.wait()
            if self._stopping.is_set():
                return
            log.error("the publisher stopped (exit %s); starting it again", code)
            self._stopping.wait(RESTART_DELAY)
            if not self._stopping.is_set():
                self.process = subprocess.Popen(self.command)

    def stop(self) -> None:
        self._stopping.set()
        stop_child(self.process)


def _raise_file_limit() -> None:
    """Let every connection have its file descriptor: raise the soft limit to the hard one."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = hard if hard != resource.RLIM_INFINITY else 65_536
        if soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ImportError, ValueError, OSError) as exc:
        log.warning("cannot raise the open-file limit (%s): many idle connections may be "
                    "refused", exc)


def serve(root: Path, host: str, port: int, workers: int, threads: int, debug: bool,
          verbose: bool, access_log: bool = False,
          metrics: tuple[str, int] | None = None) -> int:
    """Run the publisher and the HTTP server until interrupted (refused at once when another
    server serves the site or the address: ``locks``); with ``metrics``, the Prometheus
    exporter on that address (``feeds.exporter``)."""
    with serving(root, host, port):
        exporter = Exporter(root, *metrics) if metrics is not None else None
        if exporter is not None:
            exporter.start()
        try:
            return _serve(root, host, port, workers, threads, debug, verbose, access_log)
        finally:
            if exporter is not None:
                exporter.stop()


def _serve(root: Path, host: str, port: int, workers: int, threads: int, debug: bool,
           verbose: bool, access_log: bool) -> int:
    _raise_file_limit()
    if access_log:
        os.environ[ACCESS_VARIABLE] = "1"  # read by each worker's create_app
    publisher = PublisherProcess(root, verbose)
    publisher.start()
    try:
        if debug:
            from .app import create_app

            create_app(root).run(host=host, port=port, debug=True, use_reloader=False)
            return 0
        from granian import Granian
        from granian.constants import Interfaces
        from granian.http import HTTP1Settings

        import feeds.app  # noqa: F401 - loaded before the fork, so workers start at once

        Granian(
            "feeds.app:create_app",
            factory=True,
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            backlog=2048,
            backpressure=CONNECTIONS,
            http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT_MS),
            respawn_failed_workers=True,
            workers_kill_timeout=WORKER_STOP_GRACE,
            log_dictconfig=worker_config(logging.INFO if verbose else logging.WARNING,
                                         access_log),
        ).serve()
        return 0
    finally:
        publisher.stop()
        time.sleep(0)
