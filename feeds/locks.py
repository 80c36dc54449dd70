"""One ``feeds serve`` per site folder, and one server per address: refused before serving.

Two servers on one folder would fight over its publisher (the second restarting
its own every second, and taking the first's status off ``/healthz``); two on one
port would both answer, because granian's workers listen with ``SO_REUSEPORT``
and the kernel shares the port between them (answers alternate between sites).
So ``feeds serve`` first takes two locks it holds while it runs, each naming the
holder for the message the next one prints:

- the site: an exclusive ``flock`` on the site folder itself (not a file in
  ``.feeds/``, which may be deleted while serving), its holder recorded in
  ``.feeds/serve.json``;
- the address: a probe that binds it without ``SO_REUSEPORT`` (refused while
  anything listens there, granian or another program), and, so that two servers
  starting at once cannot both pass the probe, a lock file per address in the
  system's temporary folder.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .catalog.publisher import LOCK_FILE
from .catalog.store import STATE_FOLDER
from .errors import FeedsError

RECORD = "serve.json"


def _lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _holder(record: Path) -> str:
    """Return who holds a lock, as its record says (pid, address, folder)."""
    try:
        found = json.loads(record.read_text(encoding="utf-8"))
        return (f"pid {int(found['pid'])}, at http://{found['address']}/, serving "
                f"{found['root']}")
    except (OSError, ValueError, KeyError, TypeError):
        return "pid unknown"


@contextlib.contextmanager
def serving(root: Path, host: str, port: int) -> Iterator[None]:
    """Hold the site's and the address's locks while the block runs; refuse with a
    ``FeedsError`` naming the other server when either is taken."""
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    record = {"pid": os.getpid(), "address": address, "root": str(root),
              "started": int(time.time())}
    site = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        if not _lock(site):
            holder = _holder(root / STATE_FOLDER / RECORD)
            raise FeedsError(f"another feeds serve is serving this site ({holder}): stop it "
                             "first, or use it.", str(root))
        _publisher_free(root)
        with _address(host, port, address, record):
            state = root / STATE_FOLDER
            state.mkdir(exist_ok=True)
            (state / RECORD).write_text(json.dumps(record), encoding="utf-8")
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    if json.loads((state / RECORD).read_text())["pid"] == os.getpid():
                        (state / RECORD).unlink()
    finally:
        os.close(site)


def _publisher_free(root: Path) -> None:
    """Refuse when a publisher runs for the site on its own (``feeds publish``)."""
    try:
        fd = os.open(root / STATE_FOLDER / LOCK_FILE, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not _lock(fd):
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise FeedsError(f"a feeds publish (pid {pid}) is publishing this site: stop it "
                             "first (feeds serve runs its own).", str(root))
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _address(host: str, port: int, address: str, record: dict[str, object]) -> Iterator[None]:
    name = "".join(c if c.isalnum() else "-" for c in address)
    path = Path(tempfile.gettempdir()) / f"feeds-serve-{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        if not _lock(fd):
            raise FeedsError(f"{address} is already served by another feeds serve "
                             f"({_holder(path)}): stop it, or choose another --port.")
        _probe(host, port, address)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        yield
    finally:
        os.close(fd)


def _probe(host: str, port: int, address: str) -> None:
    """Bind the address as no SO_REUSEPORT listener allows: refused while anything listens."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise FeedsError(f"cannot listen on {address} ({exc.strerror}): give --host an address "
                         "of this machine.") from None
    family, kind, proto, _, where = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # (past connections)
        try:
            probe.bind(where)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise FeedsError(f"{address} is in use by another program: stop it, or choose "
                                 "another --port.") from None
            raise FeedsError(f"cannot listen on {address} ({exc.strerror}).") from None
