"""Run one command to its end and say what it took: wall time, CPU time, peak RSS.

``wait4`` gives the resource use of this one child and of the processes it waited
for (a build's worker processes), where ``RUSAGE_CHILDREN`` would sum every child
the benchmark ever waited for (servers too). CPU time over wall time is how many
cores the command kept busy.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from .servers import start_logged, stop

POLL = 0.002  # seconds between looks at whether the command has exited


@dataclass(frozen=True, slots=True)
class Timed:
    """One run of a command."""

    seconds: float
    cpu: float  # user + system seconds, the command's waited-for children included
    peak_rss: float  # bytes, of its largest process
    code: int
    output: str

    def cores(self) -> float:
        """Return how many cores the command kept busy, on average."""
        return self.cpu / self.seconds if self.seconds else 0.0


def run_timed(command: list[str], log: Path, timeout: float,
              code: Path | None = None) -> Timed:
    """Run ``command`` (its output into ``log``) and wait, bounded, for it to exit; ``code``:
    the checkout whose ``feeds`` it runs (its folder, first on the path: ``python -m`` and
    ``-c`` put the current folder before ``PYTHONPATH``)."""
    with open(log, "wb") as out:
        started = time.perf_counter()
        process = start_logged(command, out, code)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                took = time.perf_counter() - started
                process.returncode = os.waitstatus_to_exitcode(status)
                return Timed(took, usage.ru_utime + usage.ru_stime,
                             usage.ru_maxrss * 1024.0,  # KiB on Linux
                             process.returncode,
                             log.read_text(encoding="utf-8", errors="replace"))
            time.sleep(POLL)
        raise TimeoutError(f"{Path(command[0]).name} did not finish within {timeout:.0f} s")
    finally:
        if process.returncode is None:
            stop(process)
