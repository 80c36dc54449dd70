"""The metrics exporter of ``feeds serve --metrics ADDRESS``: its own address, its own process.

::

    feeds serve --metrics 127.0.0.1:9108
     ├── feeds publish          writes feeds_publish_seconds        ┐ memory-mapped files in
     ├── granian workers × N    write requests, bytes, caches, ...  ┘ a private folder
     └── python -m feeds.exporter   answers GET /metrics on ADDRESS: the files added up
                                    (prometheus_client's MultiProcessCollector), and the
                                    site's own numbers read when asked (SiteCollector)

The folder is made by ``feeds serve`` (mode 0700) and removed when it stops. The
address is bound by ``feeds serve`` itself, so a busy or wrong address is a clear error
before anything starts, and handed to the exporter, a process of its own: granian forks
its workers from ``feeds serve``, and a listening socket there would be copied into
each. The site's port never answers ``/metrics``: it is a story's path like any other.

A worker that died leaves its files: its counters still count (a counter never goes
back), and ``feeds serve`` marks it dead (``mark_process_dead``) so its gauges stop
counting among the live ones.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .catalog.status import is_alive, read_status
from .catalog.store import catalog_path, connect_reader, number
from .catalog.store.problems import listed
from .children import stop_child
from .metrics import LIBRARY_VARIABLE, METRICS_VARIABLE, MetricsAddressError

log = logging.getLogger(__name__)

REAP_EVERY = 2.0  # seconds between looks for files of processes that died
_LIVE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db")


def bind(host: str, port: int) -> socket.socket:
    """Return a listening socket on (host, port), or raise a clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(64)
    except OSError as exc:
        listener.close()
        where = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
        why = exc.strerror or exc
        raise MetricsAddressError(f"--metrics {where}: cannot listen there ({why}): choose a "
                                  "free port on an address of this machine.") from None
    return listener


class Exporter:
    """``feeds serve``'s side: the folder, the socket, the exporter process, the reaping."""

    def __init__(self, root: Path, host: str, port: int):
        self.root = root
        self.address = (host, port)
        self.listener = bind(host, port)
        self.folder = Path(tempfile.mkdtemp(prefix="feeds-metrics-"))
        self.process: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()  # (no start again while stopping)
        os.environ[METRICS_VARIABLE] = str(self.folder)  # read by every child's feeds code,
        os.environ[LIBRARY_VARIABLE] = str(self.folder)  # and by prometheus_client's import

    def start(self) -> None:
        """Start the exporter process, and the thread that marks dead processes and starts
        the exporter again if it stops."""
        self._launch()
        threading.Thread(target=self._watch, name="feeds-metrics", daemon=True).start()

    def _launch(self) -> None:
        """Start the exporter on the bound socket; from then on this process holds none."""
        fd = self.listener.fileno()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "feeds.exporter", "--fd", str(fd), "--root",
             str(self.root)], pass_fds=[fd])
        self.listener.close()

    def _watch(self) -> None:
        while not self._stop.wait(REAP_EVERY):
            reap(self.folder)
            with self._lock:
                process = self.process
                if self._stop.is_set() or process is None or process.poll() is None:
                    continue
                log.error("the metrics exporter stopped (exit %s); starting it again",
                          process.returncode)
                try:
                    self.listener = bind(*self.address)
                except MetricsAddressError as error:
                    log.error("%s", error)  # (tried again at the next look)
                    continue
                self._launch()

    def stop(self) -> None:
        """Stop the exporter and remove the folder."""
        with self._lock:
            self._stop.set()
            self.listener.close()
            stop_child(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)
        for name in (METRICS_VARIABLE, LIBRARY_VARIABLE):
            os.environ.pop(name, None)


def reap(folder: Path) -> list[int]:
    """Mark the processes whose live gauges are in ``folder`` and that died; return them."""
    dead: list[int] = []
    for name in os.listdir(folder):
        match = _LIVE_FILE.fullmatch(name)
        if match is None:
            continue
        pid = int(match.group(1))
        if pid in dead or _alive(pid):
            continue
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, str(folder))
        dead.append(pid)
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SiteCollector:
    """The site's own numbers, read when Prometheus asks: catalogue, problems, publisher."""

    def __init__(self, root: Path):
        self.root = root

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        status = read_status(self.root) or {}
        alive = is_alive(status)
        yield GaugeMetricFamily("feeds_publisher_up", "1 while the publisher beats its "
                                "heartbeat, else 0.", value=int(alive))
        queue = GaugeMetricFamily("feeds_publisher_queue", "Story files, folders and media "
                                  "files noticed and waiting to be read.")
        if alive:
            queue.add_metric([], int(status.get("queue") or 0))
        yield queue
        errors, warnings = len(status.get("problems") or []), 0
        version = GaugeMetricFamily("feeds_catalogue_version", "The newest version the "
                                    "publisher committed.")
        try:
            db = connect_reader(catalog_path(self.root))
        except Exception:  # noqa: BLE001 - no catalogue yet: what is known is said
            db = None
        if db is not None:
            try:
                version.add_metric([], number(db, "version"))
                for problem in listed(db):
                    if problem.warning:
                        warnings += 1
                    else:
                        errors += 1
            except Exception:  # noqa: BLE001
                log.warning("cannot read the catalogue for metrics", exc_info=True)
            finally:
                db.close()
        yield version
        problems = GaugeMetricFamily("feeds_problems", "Problems (files left out, faults) "
                                     "and warnings, as /healthz and feeds check list them.",
                                     labels=["severity"])
        problems.add_metric(["error"], errors)
        problems.add_metric(["warning"], warnings)
        yield problems


def main(argv: list[str] | None = None) -> int:
    """Serve the metrics on the socket ``feeds serve`` bound (``python -m feeds.exporter``)."""
    parser = argparse.ArgumentParser(prog="python -m feeds.exporter")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--root", type=Path, required=True)
    args = parser.parse_args(argv)
    from prometheus_client import CollectorRegistry, multiprocess
    from prometheus_client.exposition import MetricsHandler

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(SiteCollector(args.root))
    listener = socket.socket(fileno=args.fd)
    server = ThreadingHTTPServer(listener.getsockname()[:2], MetricsHandler.factory(registry),
                                 bind_and_activate=False)
    server.socket.close()
    server.socket = listener
    server.daemon_threads = True
    import signal

    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    parent = os.getppid()

    def watch_parent() -> None:  # feeds serve went away without stopping this process
        while os.getppid() == parent:
            threading.Event().wait(0.5)
        server.shutdown()

    threading.Thread(target=watch_parent, name="feeds-parent", daemon=True).start()
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
