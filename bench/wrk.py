"""Drive wrk against one loopback URL and read its summary, flagging any run not to trust."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

# wrk prints sizes with binary prefixes (its format_binary): 1.23MB means 1.23 * 1024**2.
_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_TOTALS = re.compile(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+)([KMGT]?B) read")
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON_2XX_3XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
)
# Room for a response's status line and headers in the bytes-per-response check.
HEADER_ALLOWANCE = 1024
GRACE_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Load:
    """How hard to drive a server: wrk's threads, connections and seconds."""

    threads: int
    connections: int
    duration: int


@dataclass(frozen=True, slots=True)
class WrkResult:
    """One wrk run's figures and the reasons, if any, not to trust them."""

    rate: float
    requests: int
    bytes_read: int
    problems: tuple[str, ...]

    @property
    def bytes_per_response(self) -> float:
        """Return the mean bytes read per response, headers included."""
        return self.bytes_read / self.requests if self.requests else 0.0


def run_wrk(wrk: str, url: str, headers: Mapping[str, str], load: Load,
            expected_body: int) -> WrkResult:
    """Run wrk once; flag errors, non-2xx/3xx answers and responses of the wrong size.

    ``expected_body`` is the body size one verified response had (0 for a 304), so a server
    that starts answering differently under load (a 200 for a poll, identity for gzip)
    shows up as the wrong mean bytes per response.
    """
    command = [wrk, "--threads", str(load.threads), "--connections", str(load.connections),
               "--duration", f"{load.duration}s", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    command.append(url)
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              timeout=load.duration + GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        limit = load.duration + GRACE_SECONDS
        return WrkResult(0.0, 0, 0, (f"wrk did not finish within {limit} s",))
    result = parse(done.stdout)
    problems = list(result.problems)
    if done.returncode != 0:
        problems.append(f"wrk exited with {done.returncode}: {done.stderr.strip()[:200]}")
    problems += _size_problems(result, expected_body)
    return WrkResult(result.rate, result.requests, result.bytes_read, tuple(problems))


def parse(output: str) -> WrkResult:
    """Read wrk's summary: Requests/sec, totals, non-2xx/3xx count and socket errors."""
    problems: list[str] = []
    rate_match = _RATE.search(output)
    totals = _TOTALS.search(output)
    if rate_match is None or totals is None:
        return WrkResult(0.0, 0, 0, ("wrk printed no summary",))
    requests = int(totals.group(1))
    bytes_read = round(float(totals.group(4)) * _UNITS[totals.group(5)])
    non_2xx_3xx = _NON_2XX_3XX.search(output)
    if non_2xx_3xx is not None and int(non_2xx_3xx.group(1)) > 0:
        problems.append(f"{non_2xx_3xx.group(1)} non-2xx/3xx responses")
    errors = _SOCKET_ERRORS.search(output)
    if errors is not None and any(int(count) for count in errors.groups()):
        connect, read, write, timeout = errors.groups()
        problems.append(f"socket errors: connect {connect}, read {read}, write {write}, "
                        f"timeout {timeout}")
    return WrkResult(float(rate_match.group(1)), requests, bytes_read, tuple(problems))


def _size_problems(result: WrkResult, expected_body: int) -> list[str]:
    """Compare the mean response size with the verified body, within wrk's rounding."""
    if not result.requests:
        return []
    mean = result.bytes_per_response
    low = expected_body * 0.95
    high = expected_body * 1.05 + HEADER_ALLOWANCE
    if low <= mean <= high:
        return []
    return [f"mean {mean:,.0f} bytes per response, expected about {expected_body:,} plus "
            "headers: the server answered differently under load"]
