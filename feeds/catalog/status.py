"""The publisher's own state, shared with every worker's ``/healthz`` through shared memory.

Most of what ``/healthz`` says is in the catalogue, but not what stops the
catalogue from being written (``.feeds/`` read-only, lost, on a full disk), nor
whether the publisher is alive at all. So the publisher also writes a small JSON
status into a named shared-memory block (no disk involved) every second, and a
worker reads it when asked: a heartbeat older than a few seconds means the
publisher is not running.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import time
from multiprocessing import resource_tracker, shared_memory
from pathlib import Path
from typing import Any

SIZE = 1 << 16
_HEADER = struct.Struct("<QI")  # a sequence number (odd while writing), the JSON's length
STALE_AFTER = 5.0  # seconds without a heartbeat: the publisher is not running


def block_name(root: Path) -> str:
    """Return the shared-memory name of a site's status block (one per site folder)."""
    digest = hashlib.sha256(os.path.realpath(root).encode()).hexdigest()[:20]
    return f"feeds-{digest}"


class StatusBoard:
    """The publisher's side: write the status, with a heartbeat."""

    def __init__(self, root: Path):
        name = block_name(root)
        try:
            self._block = shared_memory.SharedMemory(name, create=True, size=SIZE)
        except FileExistsError:  # left by a publisher that died: take it over
            self._block = shared_memory.SharedMemory(name)
        self._sequence = 0
        self.write({"state": "starting", "problems": []})

    def write(self, status: dict[str, Any]) -> None:
        data = json.dumps({**status, "pid": os.getpid(), "heartbeat": time.time()},
                          ensure_ascii=False).encode()
        if len(data) > SIZE - _HEADER.size:
            data = json.dumps({"state": status.get("state", "running"), "pid": os.getpid(),
                               "heartbeat": time.time(),
                               "problems": status.get("problems", [])[:20]}).encode()[
                :SIZE - _HEADER.size]
        buffer = self._block.buf
        assert buffer is not None
        self._sequence += 1  # odd: a reader seeing this waits for the even one
        _HEADER.pack_into(buffer, 0, self._sequence, 0)
        buffer[_HEADER.size:_HEADER.size + len(data)] = data
        self._sequence += 1
        _HEADER.pack_into(buffer, 0, self._sequence, len(data))

    def close(self) -> None:
        self.write({"state": "stopped", "problems": []})
        self._block.close()
        try:
            self._block.unlink()
        except FileNotFoundError:
            pass


def read_status(root: Path) -> dict[str, Any] | None:
    """Return the publisher's last status, or None when no publisher ever ran here."""
    try:
        block = shared_memory.SharedMemory(block_name(root))
    except (FileNotFoundError, OSError, ValueError):
        return None
    try:
        # Attaching registers the block with this process's resource tracker, which
        # would unlink it when this process exits (Python < 3.13): undo that.
        resource_tracker.unregister(block._name, "shared_memory")  # type: ignore[attr-defined]
        buffer = block.buf
        assert buffer is not None
        for _ in range(100):
            first, length = _HEADER.unpack_from(buffer, 0)
            if first % 2 == 0 and 0 < length <= SIZE - _HEADER.size:
                data = bytes(buffer[_HEADER.size:_HEADER.size + length])
                if _HEADER.unpack_from(buffer, 0)[0] == first:
                    try:
                        status: dict[str, Any] = json.loads(data)
                        return status
                    except ValueError:
                        return None
            time.sleep(0.001)
        return None
    finally:
        block.close()


def is_alive(status: dict[str, Any] | None) -> bool:
    """Tell whether a status shows a running publisher (a recent heartbeat)."""
    return (status is not None and status.get("state") != "stopped"
            and time.time() - float(status.get("heartbeat", 0)) < STALE_AFTER)
