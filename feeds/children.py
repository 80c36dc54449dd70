"""Stop a child process of ``feeds serve`` (the publisher, the metrics exporter) by its id."""

from __future__ import annotations

import subprocess

STOP_GRACE = 10.0  # seconds a child has to stop after SIGTERM before it is killed


def stop_child(process: subprocess.Popen[bytes] | None) -> None:
    """Stop ``process`` if it runs: SIGTERM, then SIGKILL when it has not stopped in time."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_GRACE)
