"""Start, probe, measure and stop the two servers the benchmark compares, on loopback only.

Every process started here runs in its own session, so stopping it means signalling its whole
process group (granian's workers, nginx's workers) and nothing else on the machine.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from feeds.documents.document import compress

HOST = "127.0.0.1"
FEED_PATH = "/rss.xml"
START_TIMEOUT = 60.0
POLL_INTERVAL = 0.010
STOP_TIMEOUT = 10.0
REQUEST_TIMEOUT = 10.0
# /usr/sbin is not on every user's PATH, and nginx lives there on Debian.
SYSTEM_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")

NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 2;
error_log {work}/error.log warn;
pid {work}/nginx.pid;

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    etag on;
    gzip_static on;
    types {{
        application/rss+xml xml;
    }}
    default_type application/octet-stream;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;

    server {{
        listen {host}:{port};
        root {work}/www;
    }}
}}
"""


@dataclass(frozen=True, slots=True)
class Reply:
    """One HTTP response, read whole: status, headers (lower-case names) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Launched:
    """A server just started, not yet answering: its process, port and launch instant."""

    process: subprocess.Popen[bytes]
    port: int
    started: float  # time.perf_counter() just before the process was started


@dataclass(frozen=True, slots=True)
class Running:
    """A server the benchmark started: its process, port and launch-to-first-200 time."""

    process: subprocess.Popen[bytes]
    port: int
    start_seconds: float


def find_tool(name: str) -> str | None:
    """Return the path of an installed program, looking in the system folders too."""
    path = os.pathsep.join([os.environ.get("PATH", ""), *SYSTEM_DIRS])
    return shutil.which(name, path=path)


def free_port() -> int:
    """Return a loopback port nobody listens on now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def fetch(port: int, headers: Mapping[str, str] | None = None, path: str = FEED_PATH) -> Reply:
    """GET ``path`` from the loopback server on ``port`` and read the whole response."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path, headers=dict(headers or {}))
        response = connection.getresponse()
        body = response.read()
        found = {name.lower(): value for name, value in response.getheaders()}
        return Reply(response.status, found, body)
    finally:
        connection.close()


def wait_for_200(process: subprocess.Popen[bytes], port: int, started: float,
                 timeout: float = START_TIMEOUT) -> float:
    """Poll the feed every 10 ms until it answers 200; return seconds since ``started``.

    Bounded by ``timeout`` seconds; gives up at once if the server process has exited.
    """
    deadline = started + timeout
    last = "no answer"
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {process.returncode} "
                               "before serving: read its log.")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status = _status(port)
            if status == 200:
                return time.perf_counter() - started
            last = f"last status {status}"
        time.sleep(POLL_INTERVAL)
    raise TimeoutError(f"no 200 from port {port} within {timeout:.0f} s ({last}): "
                       "read its log.")


def _status(port: int) -> int:
    """Return the status of one short GET, failing fast while nothing listens yet."""
    connection = http.client.HTTPConnection(HOST, port, timeout=2.0)
    try:
        connection.request("GET", FEED_PATH, headers={"Accept-Encoding": "identity"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def start_logged(command: list[str], out: IO[bytes],
                 code: Path | None = None) -> subprocess.Popen[bytes]:
    """Start ``command`` in a session of its own (so ``stop`` ends its whole group), its
    output into ``out``; ``code``: the checkout whose ``feeds`` it runs (that folder first
    on the path, and the current one: ``python -m`` and ``-c`` put it before
    ``PYTHONPATH``)."""
    env = None if code is None else {**os.environ, "PYTHONPATH": str(code)}
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True, env=env, cwd=code)


def stop(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """Stop a process and its group: SIGTERM, then SIGKILL if it outlives ``timeout``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; make sure no worker of its group lingers either.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


@dataclass(slots=True)
class ServedCode:
    """Which ``feeds`` the servers run: this environment's, or a checkout's folder (a
    baseline's ``feeds/``, put first on ``PYTHONPATH``: see ``bench.sites.baseline_code``)."""

    folder: Path | None = None


SERVED = ServedCode()  # set once, by a benchmark's --baseline


def feeds_command(root: Path, port: int, workers: int, metrics: bool = False) -> list[str]:
    """Return the ``feeds serve`` command line of this Python environment (``python -m
    feeds`` for a baseline's code, which ``python -m`` finds in the current folder;
    ``metrics``: with ``--metrics`` on another free loopback port)."""
    script = Path(sys.executable).with_name("feeds")
    program = ([str(script)] if script.exists() and SERVED.folder is None
               else [sys.executable, "-m", "feeds"])
    return [*program, "serve", "--root", str(root), "--host", HOST, "--port", str(port),
            "--workers", str(workers),
            *(["--metrics", f"{HOST}:{free_port()}"] if metrics else [])]


@contextlib.contextmanager
def launch_feeds(root: Path, log: Path, workers: int = 2,
                 metrics: bool = False) -> Iterator[Launched]:
    """Launch ``feeds serve`` on a free loopback port, in its own session; stop it on exit.

    It yields at once, without waiting for the server to answer: the caller times what it
    needs from ``Launched.started`` (``wait_for_200`` for the first 200).
    """
    port = free_port()
    with open(log, "ab") as out:
        started = time.perf_counter()
        process = start_logged(feeds_command(root, port, workers, metrics), out, SERVED.folder)
    try:
        yield Launched(process, port, started)
    finally:
        stop(process)


@contextlib.contextmanager
def feeds_server(root: Path, log: Path, workers: int = 2, timeout: float = START_TIMEOUT,
                 metrics: bool = False) -> Iterator[Running]:
    """Launch ``feeds serve`` on a free loopback port and time launch to the first 200."""
    with launch_feeds(root, log, workers, metrics) as server:
        seconds = wait_for_200(server.process, server.port, server.started, timeout)
        yield Running(server.process, server.port, seconds)


def write_nginx_site(work: Path, body: bytes, port: int) -> Path:
    """Write nginx's config, ``www/rss.xml`` and its gzip twin (the very bytes feeds sends:
    ``documents.document.compress``); return the config path.

    Both files get one mtime, as ``gzip`` leaves them, so gzip_static serves the pair as one.
    """
    www = work / "www"
    www.mkdir(parents=True, exist_ok=True)
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (work / name).mkdir(exist_ok=True)
    plain, packed = www / "rss.xml", www / "rss.xml.gz"
    plain.write_bytes(body)
    packed.write_bytes(compress(body))
    stat = plain.stat()
    os.utime(packed, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    conf = work / "nginx.conf"
    conf.write_text(_worker_user() + NGINX_CONF.format(work=work, host=HOST, port=port),
                    encoding="utf-8")
    return conf


def _worker_user() -> str:
    """Return a ``user`` line so nginx's workers can read files in our private temp folder.

    Started by root, nginx runs its workers as ``nobody``, who cannot enter a 0700 temp
    folder; the workers only read one file on loopback, so they run as whoever owns it.
    Started by anyone else, nginx keeps its own user and needs no such line.
    """
    if os.geteuid() != 0:
        return ""
    return f"user {pwd.getpwuid(os.geteuid()).pw_name};\n"


@contextlib.contextmanager
def nginx_server(nginx: str, work: Path, body: bytes) -> Iterator[Running]:
    """Serve ``body`` as ``/rss.xml`` (plus a pre-compressed copy) with nginx on loopback."""
    port = free_port()
    conf = write_nginx_site(work, body, port)
    command = [nginx, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")]
    with open(work / "nginx.out", "ab") as out:
        started = time.perf_counter()
        process = start_logged(command, out)
    try:
        yield Running(process, port, wait_for_200(process, port, started))
    finally:
        stop(process)


def descendants(pid: int) -> list[int]:
    """Return every live descendant of ``pid``, read from ``/proc/<pid>/task/*/children``."""
    found: list[int] = []
    pending = [pid]
    while pending and len(found) < 10_000:
        parent = pending.pop()
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                for child in map(int, children.read_text().split()):
                    if child not in found:
                        found.append(child)
                        pending.append(child)
    return found


def peak_rss_bytes(pid: int) -> int | None:
    """Return a process's peak resident memory (VmHWM), or None if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # the kernel writes kB, meaning KiB
    return None


def pss_bytes(pid: int) -> int | None:
    """Return a process's proportional set size (the ``Pss:`` of ``smaps_rollup``), or None.

    PSS shares each page among the processes that map it, so the workers' copy-on-write
    pages, inherited from the server before it forked them, are not counted twice.
    """
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024  # kB, meaning KiB
    return None


def command_line(pid: int) -> tuple[str, ...]:
    """Return a process's arguments, or () if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ()
    return tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)


def show_tail(log: Path, lines: int = 20) -> None:
    """Print the last lines of a server's log to stderr, when a measurement failed."""
    with contextlib.suppress(OSError):
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        if tail:
            print(f"--- last lines of {log}:", *tail, sep="\n", file=sys.stderr)
