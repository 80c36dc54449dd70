"""feeds serve --metrics: Prometheus numbers on an address of their own, counted in every worker
and the publisher (prometheus_client's multi-process mode), read with its own parser."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from feeds.metrics import MetricsAddressError, parse_address

from .conftest import Server, free_port, story_text, write_config, write_story

WAIT = 30.0  # seconds a condition may take on a loaded machine


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Return every sample of /metrics on ``port``: (name, sorted labels) -> value."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
          **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def wait_for(port: int, check: Callable[[dict[tuple[str, tuple[tuple[str, str], ...]], float]],
                                        bool]) -> dict[tuple[str, tuple[tuple[str, str], ...]],
                                                       float]:
    """Scrape until ``check`` holds (bounded); return the last scrape."""
    deadline = time.monotonic() + WAIT
    while True:
        samples = scrape(port)
        if check(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(0.1)


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def metrics_folder(server: Server) -> Path:
    """Return the metrics folder of a running server, as its exporter was told it."""
    for child in children(server.process.pid):
        environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        for entry in environ:
            if entry.startswith(b"FEEDS_METRICS_DIR="):
                return Path(entry.split(b"=", 1)[1].decode())
    raise AssertionError("no child of feeds serve names the metrics folder")


def workers_of(server: Server, folder: Path) -> set[int]:
    """Return the pids of the workers that wrote counters (granian's children, not ours)."""
    pids = {int(m.group(1)) for m in map(re.compile(r"gauge_livesum_(\d+)\.db").fullmatch,
                                         os.listdir(folder)) if m}
    return pids & set(children(server.process.pid))


@pytest.fixture
def metered(site: Path, serve: Callable[..., Server]) -> tuple[Server, int]:
    """A site with one story, served by two workers with --metrics on a free loopback port."""
    port, metrics_port = free_port(), free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    write_story(site, "world/a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    server = serve(site, port=port, workers=2,
                   options=["--metrics", f"127.0.0.1:{metrics_port}"])
    return server, metrics_port


def test_requests_are_counted_by_status_and_kind_summed_across_workers(
        metered: tuple[Server, int]) -> None:
    server, port = metered
    before = scrape(port)
    status, headers, feed = server.get("/rss.xml", {"Accept-Encoding": "identity"})
    etag = headers["etag"]
    sent: dict[tuple[str, str], int] = {("200", "feed"): 1}
    page, missing = server.get("/world/a/")[2], server.get("/nowhere/")[2]
    sent.update({("200", "story"): 1, ("404", "story"): 1})
    lock = threading.Lock()

    def poll(count: int) -> None:  # several connections at once: both workers answer
        for _ in range(count):
            results = [server.get("/rss.xml", {"If-None-Match": etag, "Accept-Encoding":
                                               "identity"})[0],
                       server.get("/nowhere/")[0], server.get("/world/a/")[0]]
            assert results == [304, 404, 200]
            with lock:
                for key in (("304", "feed"), ("404", "story"), ("200", "story")):
                    sent[key] = sent.get(key, 0) + 1

    threads = [threading.Thread(target=poll, args=(10,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert server.get("/metrics")[0] == 404  # the site has no such page
    sent[("404", "other")] = 1
    total = sum(sent.values())

    def counted(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> float:
        def requests(of: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> float:
            return sum(v for (name, labels), v in of.items() if name ==
                       "feeds_http_requests_total" and ("kind", "health") not in labels)

        return requests(samples) - requests(before)  # (the start's /healthz polls aside)

    after = wait_for(port, lambda s: counted(s) >= total)
    for (status, kind), count in sent.items():
        assert value(after, "feeds_http_requests_total", status=status, kind=kind) - value(
            before, "feeds_http_requests_total", status=status, kind=kind) == count, \
            (status, kind)
    assert counted(after) == total
    share = (value(after, "feeds_http_requests_total", status="304", kind="feed")
             / sum(v for (n, labels), v in after.items()
                   if n == "feeds_http_requests_total" and ("kind", "feed") in labels))
    assert share == pytest.approx(40 / 41)
    # Bytes: each body as sent (none for a 304), added up by kind across both workers.
    assert value(after, "feeds_http_response_bytes_total", kind="feed") - value(
        before, "feeds_http_response_bytes_total", kind="feed") == len(feed)
    assert value(after, "feeds_http_response_bytes_total", kind="story") - value(
        before, "feeds_http_response_bytes_total", kind="story") == 41 * (len(page)
                                                                           + len(missing))
    assert value(after, "feeds_workers") == 2
    assert value(after, "feeds_document_cache_hits_total") >= 40
    assert value(after, "feeds_document_cache_misses_total") >= 1
    assert value(after, "feeds_cache_bytes", cache="documents") > 0
    assert value(after, "feeds_publisher_up") == 1
    assert value(after, "feeds_catalogue_version") >= 1
    assert value(after, "feeds_worker_catalogue_version") == value(
        after, "feeds_catalogue_version")
    assert value(after, "feeds_problems", severity="error") == 0
    folder = metrics_folder(server)
    assert len(workers_of(server, folder)) == 2  # both workers wrote their own files


def test_publication_latency_is_observed_after_a_story_is_added(
        metered: tuple[Server, int]) -> None:
    server, port = metered
    write_story(server.root, "world/b.md", story_text("B", "2025-11-02T10:00", id='"urn:x:b"'))
    after = wait_for(port, lambda s: value(s, "feeds_publication_seconds_count") >= 2
                     and value(s, "feeds_publish_seconds_count") >= 1)
    assert value(after, "feeds_publish_seconds_count") == 1
    assert value(after, "feeds_publication_seconds_count") == 2  # once in each worker
    published = value(after, "feeds_publish_seconds_sum")
    served = value(after, "feeds_publication_seconds_sum")
    assert 0 < published < WAIT
    assert served / 2 >= published * 0.5 and served < 2 * WAIT
    assert b"urn:x:b" in server.get("/atom.xml")[2]
    # A broken file is a problem, counted as /healthz counts it.
    write_story(server.root, "world/broken.md", "---\ntitle: [\n---\n")
    after = wait_for(port, lambda s: value(s, "feeds_problems", severity="error") >= 1)
    assert value(after, "feeds_problems", severity="error") == 1


def test_a_dead_worker_is_marked_and_its_counts_kept(metered: tuple[Server, int]) -> None:
    server, port = metered
    for _ in range(6):
        assert server.get("/rss.xml")[0] == 200
    before = wait_for(port, lambda s: value(s, "feeds_http_requests_total", status="200",
                                            kind="feed") >= 6)
    folder = metrics_folder(server)
    victim = sorted(workers_of(server, folder))[0]
    os.kill(victim, signal.SIGKILL)
    assert (folder / f"gauge_livesum_{victim}.db").exists()
    after = wait_for(port, lambda s: not (folder / f"gauge_livesum_{victim}.db").exists()
                     and len(workers_of(server, folder)) == 2)
    assert not (folder / f"gauge_livesum_{victim}.db").exists()  # marked dead by feeds serve
    assert (folder / f"counter_{victim}.db").exists()  # what it counted still counts
    assert victim not in workers_of(server, folder)
    assert len(workers_of(server, folder)) == 2  # granian started another
    assert value(after, "feeds_workers") == 2  # two live workers, not three
    assert value(after, "feeds_http_requests_total", status="200", kind="feed") >= value(
        before, "feeds_http_requests_total", status="200", kind="feed")


def test_the_folder_is_private_and_removed_at_exit(metered: tuple[Server, int]) -> None:
    server, port = metered
    folder = metrics_folder(server)
    assert folder.is_dir() and folder.stat().st_mode & 0o077 == 0
    assert port != server.port
    server.stop()
    assert not folder.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


@pytest.mark.parametrize("text, message", [
    ("9108", "has no port"),
    ("127.0.0.1:", "has no port"),
    ("127.0.0.1:http", "has no port"),
    ("127.0.0.1:0", "must be 1 to 65535"),
    ("127.0.0.1:65536", "must be 1 to 65535"),
    ("::1:9108", "in brackets"),
    ("metrics.example:9108", "is not an IP address"),
    ("127.0.0.1:٩١٠٨", "has no port"),
])
def test_bad_addresses_are_refused_with_the_fix(text: str, message: str) -> None:
    with pytest.raises(MetricsAddressError, match=message) as raised:
        parse_address(text)
    assert "--metrics 127.0.0.1:9108" in str(raised.value)


def test_good_addresses() -> None:
    assert parse_address("127.0.0.1:9108") == ("127.0.0.1", 9108)
    assert parse_address("[::1]:9108") == ("::1", 9108)
    assert parse_address("localhost:9108") == ("127.0.0.1", 9108)
    assert parse_address(":9108") == ("127.0.0.1", 9108)
    assert parse_address("0.0.0.0:9108") == ("0.0.0.0", 9108)


def _serve_refused(site: Path, metrics: str, port: int | None = None
                   ) -> subprocess.CompletedProcess[str]:
    port = port or free_port()
    return subprocess.run([sys.executable, "-m", "feeds", "serve", "--root", str(site),
                           "--port", str(port), "--metrics", metrics],
                          capture_output=True, text=True, timeout=60)


def test_feeds_serve_refuses_a_bad_or_busy_address_before_starting(site: Path) -> None:
    done = _serve_refused(site, "localhost")
    assert done.returncode == 1
    assert "--metrics 'localhost' has no port" in done.stderr and "Traceback" not in done.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        done = _serve_refused(site, f"127.0.0.1:{taken}")
    assert done.returncode == 1
    assert f"--metrics 127.0.0.1:{taken}: cannot listen there" in done.stderr
    site_port = free_port()
    done = _serve_refused(site, f"127.0.0.1:{site_port}", site_port)
    assert done.returncode == 1 and "is the site's own address" in done.stderr
    # An address that is not this machine's is refused by bind() itself: no packet is sent.
    done = _serve_refused(site, "192.0.2.1:9108")
    assert done.returncode == 1 and "cannot listen there" in done.stderr


def test_an_exporter_that_dies_is_started_again_with_the_counts_kept(
        metered: tuple[Server, int]) -> None:
    server, port = metered
    for _ in range(3):
        assert server.get("/rss.xml")[0] == 200
    before = wait_for(port, lambda s: value(s, "feeds_http_requests_total", status="200",
                                            kind="feed") >= 3)

    def exporters() -> list[int]:
        found = []
        for pid in children(server.process.pid):
            with contextlib.suppress(OSError):
                if b"feeds.exporter" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
        return found

    [exporter] = exporters()
    os.kill(exporter, signal.SIGKILL)
    deadline = time.monotonic() + WAIT
    while exporters() in ([], [exporter]):
        assert time.monotonic() < deadline, "the exporter was not started again"
        time.sleep(0.2)
    while True:
        try:
            after = scrape(port)
            break
        except OSError:
            assert time.monotonic() < deadline, "the new exporter does not answer"
            time.sleep(0.2)
    assert value(after, "feeds_http_requests_total", status="200", kind="feed") == value(
        before, "feeds_http_requests_total", status="200", kind="feed")
    assert exporter not in children(server.process.pid)


def test_an_ipv6_loopback_address_is_served(site: Path, serve: Callable[..., Server]) -> None:
    with socket.socket(socket.AF_INET6) as probe:
        try:
            probe.bind(("::1", 0))
        except OSError:
            pytest.skip("no IPv6 loopback here")
        port = probe.getsockname()[1]
    server = serve(site, workers=1, options=["--metrics", f"[::1]:{port}"])
    assert server.get("/healthz")[0] == 200
    with urllib.request.urlopen(f"http://[::1]:{port}/metrics", timeout=10) as response:
        families = {f.name for f in text_string_to_metric_families(response.read().decode())}
    assert {"feeds_publisher_up", "feeds_catalogue_version", "feeds_problems"} <= families
