"""Operators' numbers (``feeds serve --metrics ADDRESS``): what every process shares about them.

``feeds serve --metrics`` makes a private folder for ``prometheus_client``'s
multi-process mode and names it to its children in ``FEEDS_METRICS_DIR`` (and
``PROMETHEUS_MULTIPROC_DIR``, which the library reads when it is first imported):
each worker and the publisher write their counters into memory-mapped files there,
and the exporter (``feeds.exporter``) adds them up when Prometheus asks. Without
``--metrics`` nothing here runs and ``prometheus_client`` is never imported.

Publication latency is measured in two steps, each by the process that sees it:

- the publisher, from the moment it was first told of a story file's change (the watch
  event that named the file or its folder) to the commit of the version that holds
  it (``feeds_publish_seconds``: the quiet wait, reading, deciding, writing);
- each worker, from that same moment to the moment it serves that version
  (``feeds_publication_seconds``): it has applied the version, so every answer from
  then on is the new one. A site nobody polls is not counted as slow for that.

The file's own modification time is not used: a copy, ``rsync -t``, ``tar`` or a
restore keep an old one, and a clock that moved would make the figure up. Scheduled
stories coming due and ``config.yaml`` changes are no file change of a story and are
not counted. The publisher tells the workers when each version was noticed through a
small JSON file in the metrics folder (``PUBLICATIONS``), the last ``KEPT`` versions.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Protocol

from .errors import FeedsError

log = logging.getLogger(__name__)

METRICS_VARIABLE = "FEEDS_METRICS_DIR"  # set by feeds serve --metrics for its children
LIBRARY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
PUBLICATIONS = "publications.json"  # [[version, noticed wall time], ...]: the newest last
KEPT = 64
# Seconds: where a publication usually lands (a settle of 0.1 s, a read, a commit) and
# where one that waited on a large batch or a slow disk does.
LATENCY_BUCKETS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0)


class MetricsAddressError(FeedsError):
    """``--metrics`` names no address a server can listen on."""


def metrics_folder() -> Path | None:
    """Return the metrics folder of this ``feeds serve``, or None when metrics are off."""
    folder = os.environ.get(METRICS_VARIABLE)
    return Path(folder) if folder else None


def parse_address(text: str) -> tuple[str, int]:
    """Return (host, port) of ``--metrics``: ``HOST:PORT``, ``[IPv6]:PORT`` or ``:PORT``.

    The host is an IP address (``127.0.0.1``, ``::1``, ``0.0.0.0``) or ``localhost``:
    a name that resolves elsewhere would open the numbers to wherever it points.
    """
    fix = ("give an address and a port, such as --metrics 127.0.0.1:9108 (only this machine) "
           "or --metrics [::1]:9108.")
    host, colon, port_text = text.strip().rpartition(":")
    if not colon or not port_text.isdigit() or not port_text.isascii():
        raise MetricsAddressError(f"--metrics {text!r} has no port: {fix}")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise MetricsAddressError(f"--metrics {text!r}: the port must be 1 to 65535: {fix}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise MetricsAddressError(f"--metrics {text!r}: write an IPv6 address in brackets: "
                                  f"{fix}")
    host = host or "127.0.0.1"
    if host == "localhost":
        return "127.0.0.1", port
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise MetricsAddressError(f"--metrics {text!r}: {host!r} is not an IP address: "
                                  f"{fix}") from None
    return host, port


# When each version was noticed ---------------------------------------------------------------

class NoticingPublisher(Protocol):
    """What the publication hook reads of the publisher (``catalog.publisher.Publisher``)."""

    @property
    def noticed(self) -> float | None: ...


def read_publications(folder: Path) -> dict[int, float]:
    """Return when the publisher noticed the change each recent version publishes."""
    try:
        listed: Any = json.loads((folder / PUBLICATIONS).read_bytes())
        return {int(version): float(noticed) for version, noticed in listed}
    except (OSError, ValueError, TypeError):
        return {}


class PublicationTimes:
    """A publication hook: time each commit from the change it publishes, and tell workers."""

    def __init__(self, publisher: NoticingPublisher, folder: Path):
        from prometheus_client import Histogram

        self.publisher = publisher
        self.folder = folder
        self.recent: list[tuple[int, float]] = []
        self.histogram = Histogram(
            "feeds_publish_seconds", "From the publisher's first notice of a story file's "
            "change to the commit of the version that holds it.", buckets=LATENCY_BUCKETS,
            registry=None)

    def __call__(self, keys: set[str], version: int) -> None:
        noticed = self.publisher.noticed
        if noticed is None:
            return  # not a file's change: a scheduled story, config.yaml, a first build
        self.histogram.observe(max(0.0, time.time() - noticed))
        self.recent = [*self.recent[-(KEPT - 1):], (version, noticed)]
        temporary = self.folder / f".{PUBLICATIONS}.{os.getpid()}"
        temporary.write_text(json.dumps(self.recent))
        os.replace(temporary, self.folder / PUBLICATIONS)
