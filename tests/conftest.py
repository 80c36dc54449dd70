"""Fixtures: sites written into tmp_path, and the real server started on a loopback port."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from feeds.app import create_app
from feeds.catalog.publisher import Publisher
from feeds.web.worker import Worker

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0

# Fixtures that start the real server: a test using one is end to end (marked ``e2e``).
# Modules that start a server, a reader, a browser, a proxy or an installed wheel some
# other way say so themselves: ``pytestmark = pytest.mark.e2e``.
SERVER_FIXTURES = frozenset({"serve", "sample_server", "server", "hostile_server", "watching"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that reaches the real server ``e2e``, so ``pytest -m "not e2e"``
    runs the in-process part alone."""
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(root: Path, base_url: str = "http://127.0.0.1:8000/", **extra: object) -> None:
    lines = [
        "title: Test News",
        f"base_url: {base_url}",
        "description: Stories for the tests.",
        "timezone: Europe/Berlin",
        "author: Test Desk",
    ] + [f"{key}: {value}" for key, value in extra.items()]
    (root / "config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_story(root: Path, relative: str, text: str) -> Path:
    """Write ``text`` (dedented) to ``root/content/relative`` and return its path."""
    path = root / "content" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def story_text(title: str, date: str, body: str = "Body text.", **fields: str) -> str:
    extra = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n\n{body}\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An empty site: a config and a content folder."""
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    write_config(root)
    return root


class Published:
    """A site published in-process: its publisher, synced on demand, and a worker's client.

    For tests where the real server is not the point: the same publisher and the
    same worker code, without processes or waiting.
    """

    def __init__(self, root: Path, **publisher: object):
        self.root = root
        self.publisher = Publisher(root, processes=1, status=False, **publisher)  # type: ignore[arg-type]
        self.sync()
        self.app = create_app(root, follow=False)
        self.client: FlaskClient = self.app.test_client()

    @property
    def worker(self) -> Worker:
        found: Worker = self.app.extensions["feeds"]
        return found

    def sync(self) -> set[str]:
        """Publish what changed in the folder, and let the worker see it."""
        keys = self.publisher.sync()
        if hasattr(self, "app"):
            self.worker.catch_up()
        return keys

    def get(self, path: str, headers: dict[str, str] | None = None) -> TestResponse:
        return self.client.get(path, headers=headers or {})

    def body(self, path: str) -> bytes:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.data

    def close(self) -> None:
        self.worker.stop()
        self.publisher.close()


@pytest.fixture
def publish() -> Iterator[Callable[..., Published]]:
    """Publish sites in-process on demand; each publisher is closed when the test ends."""
    opened: list[Published] = []

    def _publish(root: Path, **publisher: object) -> Published:
        found = Published(root, **publisher)
        opened.append(found)
        return found

    yield _publish
    for found in opened:
        found.close()


@dataclass
class Server:
    """A running ``feeds serve`` process, reached over loopback HTTP."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, headers: dict[str, str] | None = None,
            method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        """Send one request; return status, headers (lower-cased names) and body."""
        request = urllib.request.Request(self.base + path, headers=headers or {}, method=method)
        try:
            with _OPENER.open(request, timeout=10) as response:
                return response.status, _headers(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, _headers(error.headers), error.read()

    def stop(self) -> None:
        stop_group(self.process)


@contextlib.contextmanager
def small_filesystem(folder: Path, size: str) -> Iterator[Path]:
    """Mount a file system of ``size`` (tmpfs) on ``folder``, for a test to fill; the test is
    skipped where mounting is not allowed (it needs root)."""
    folder.mkdir(exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(folder)], capture_output=True, timeout=30)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small file system here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def unprivileged() -> list[str]:
    """Return a command prefix under which file modes hold (as root, they do not: root reads
    a folder of mode 000), or skip the test, saying why."""
    if os.geteuid() != 0:
        return []
    drop = "-dac_override,-dac_read_search"
    if shutil.which("setpriv") and subprocess.run(
            ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}", "true"],
            capture_output=True, timeout=30).returncode == 0:
        return ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}", "--"]
    pytest.skip("running as root without setpriv: file modes cannot be tested here")


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session, and its children: TERM, then KILL."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Show redirects to the test as they are, as a feed reader's first request sees them."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _headers(message: object) -> dict[str, str]:
    return {k.lower(): v for k, v in message.items()}  # type: ignore[attr-defined]


def start_server(root: Path, port: int, workers: int = 2, prefix: Sequence[str] = (),
                 options: Sequence[str] = ()) -> Server:
    """Start the production server on ``root`` and wait (bounded) until it answers;
    ``prefix`` runs it through another command (``setpriv ...``), ``options`` are more of
    ``feeds serve``'s."""
    log = open(root.parent / f"server-{port}.log", "wb")  # noqa: SIM115 - kept for the process
    process = subprocess.Popen(
        [*prefix, sys.executable, "-m", "feeds", "serve", "--root", str(root), "--port",
         str(port), "--workers", str(workers), *options],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    server = Server(root, port, process)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"feeds serve exited with {process.returncode}: "
                               f"{(root.parent / f'server-{port}.log').read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pass
            status, _, body = server.get("/healthz")
            if status == 200 and b'"publisher":"running"' in body:
                return server  # serving, and the publisher has compared every file
        except OSError:
            time.sleep(0.1)
            continue
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"feeds serve did not answer within {START_TIMEOUT} s")


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Start servers on demand; every one is stopped when the test ends."""
    started: list[Server] = []

    def _serve(root: Path, port: int | None = None, workers: int = 2,
               prefix: Sequence[str] = (), options: Sequence[str] = ()) -> Server:
        server = start_server(root, port or free_port(), workers, prefix, options)
        started.append(server)
        return server

    yield _serve
    for server in started:
        server.stop()


def copy_sample_site(destination: Path, port: int) -> Path:
    """Copy the repository's sample site, pointed at ``port`` so its links resolve there."""
    root = destination / "sample"
    shutil.copytree(REPO / "content", root / "content")
    config = (REPO / "config.yaml").read_text(encoding="utf-8")
    config = config.replace("http://127.0.0.1:8000/", f"http://127.0.0.1:{port}/")
    (root / "config.yaml").write_text(config, encoding="utf-8")
    return root


class InProcess:
    """A site published in-process that answers as ``Server`` does (``get``, ``base``,
    ``root``, ``port``), through the same publisher, worker and WSGI app, with Flask's test
    client instead of granian and a socket: for tests of documents and HTTP semantics, where
    the real server is not the point. ``port`` is only the one the site's ``base_url`` names.
    """

    def __init__(self, root: Path, port: int, **publisher: object):
        self.root = root
        self.port = port
        self.published = Published(root, **publisher)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, headers: dict[str, str] | None = None,
            method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        """Send one request; return status, headers (lower-cased names) and body."""
        self.published.worker.catch_up()  # (what a following worker has done by now)
        response = self.published.client.open(path, method=method, headers=headers or {})
        return response.status_code, _headers(response.headers), response.data

    def sync(self) -> set[str]:
        """Publish what changed in the folder (the real server's publisher watches it)."""
        return self.published.sync()

    def stop(self) -> None:
        self.published.close()


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    """The sample site, published and served in-process, for a whole module."""
    port = free_port()
    root = copy_sample_site(tmp_path_factory.mktemp("sample"), port)
    site = InProcess(root, port)
    yield site
    site.stop()


@pytest.fixture(scope="session")
def sample_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The sample site, served by the real server with two workers: one for the whole run
    (tests only read it; a test that changes a site starts its own)."""
    port = free_port()
    root = copy_sample_site(tmp_path_factory.mktemp("sample"), port)
    server = start_server(root, port)
    yield server
    server.stop()
