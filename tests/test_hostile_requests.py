"""Requests cannot hurt the server: any path, header or method gets a 4xx or a right answer,
active media cannot script the site, and idle or slow connections starve nobody."""

from __future__ import annotations

import http.client
import resource
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .conftest import Server, free_port, start_server, story_text, write_config, write_story

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
       b'<script>alert(document.domain)</script></svg>')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("requests") / "site"
    (root / "content/world").mkdir(parents=True)
    port = free_port()
    write_config(root, base_url=f"http://127.0.0.1:{port}/")
    (root / "content/world/chart.svg").write_bytes(SVG)
    (root / "content/world/secret.png").write_bytes(b"\x89PNG draft only")
    (root / "content/world/page.html").write_bytes(b"<script>alert(1)</script>")
    write_story(root, "world/a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"',
                                               image="chart.svg"))
    write_story(root, "world/draft.md", story_text("Draft", "2025-11-02T10:00", draft="true",
                                                   image="secret.png"))
    found = start_server(root, port)
    yield found
    found.stop()


def raw(server: Server, data: bytes, timeout: float = 10.0) -> bytes:
    """Send bytes as they are, and read what comes back until the server closes, waits, or
    has sent a whole head (its status is what the tests judge: no need to wait out a
    keep-alive connection)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks):
                    break
        except TimeoutError:
            pass
        return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


PATHS = [
    "/x%00.png", "/%00", "/world/a%00/", "/" + "a" * 5000 + "/", "/" + "a/" * 2000,
    "/..%2f..%2fetc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/world/../../etc/passwd",
    "/world/%2e%2e/a/", "//etc/passwd", "/./world/a/", "/world//a/", "/world/a/%ff%fe/",
    "/%c0%ae%c0%ae/config.yaml", "/world\\a/", "/world/a.md", "/content/world/a.md",
    "/config.yaml", "/.feeds/catalog.sqlite3", "/world/.hidden.png", "/world/page.html",
    "/%E2%80%AE/", "/%C3%A9t%C3%A9/", "/tags/%00/rss.xml", "/authors/../rss.xml",
    "/page/0/", "/page/99999999999/", "/archive/0.xml", "/archive/99999999.xml",
    "/world/page/-1/", "/feeds.opml/", "/healthz/", "/static/../config.yaml",
    "/static/%2e%2e/config.yaml", "/rss.xml?x=1&x=2", "/?%%%", "/world/chart.svg/x",
]


@pytest.mark.parametrize("path", PATHS)
def test_hostile_paths_get_a_4xx_or_a_right_answer(server: Server, path: str) -> None:
    status, headers, body = server.get(path)
    assert status < 500, (path, status)
    assert b"base_url" not in body and b"SQLite format" not in body and b"root:" not in body
    assert headers.get("x-content-type-options") == "nosniff"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT",
                                    "PROPFIND", "FOO"])
@pytest.mark.parametrize("path", ["/rss.xml", "/", "/world/a/", "/nowhere/", "/healthz",
                                  "/world/chart.svg"])
def test_other_methods_never_get_a_5xx(server: Server, method: str, path: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=b"x" * 10)
        response = connection.getresponse()
        response.read()
        assert 400 <= response.status < 500, (method, path, response.status)
    finally:
        connection.close()


@pytest.mark.parametrize("headers", [
    {"If-None-Match": '"' * 10000}, {"If-None-Match": "W/" * 5000},
    {"If-Modified-Since": "Thu, 31 Feb 2025 99:99:99 GMT"}, {"If-Modified-Since": "x" * 5000},
    {"If-Match": "garbage"}, {"If-Unmodified-Since": "yesterday"},
    {"Accept-Encoding": "gzip;q=" + "9" * 500}, {"Accept-Encoding": ",".join(["br"] * 2000)},
    {"Range": "bytes=0-1,2-3,-5"}, {"Range": "bytes=999999-"}, {"Host": "\u00e9" * 10},
    {"Content-Length": "-1"}, {"Transfer-Encoding": "chunked"}, {"Cookie": "a=" + "b" * 6000},
])
def test_garbled_headers_never_get_a_5xx(server: Server, headers: dict[str, str]) -> None:
    for path in ("/rss.xml", "/world/chart.svg", "/nowhere/"):
        try:
            status = server.get(path, {k: v.encode("utf-8").decode("latin-1")
                                       for k, v in headers.items()})[0]
        except (http.client.HTTPException, ConnectionError):
            continue  # the server refused the request outright: no answer, no 5xx
        assert status < 500, (path, headers, status)


@pytest.mark.parametrize("data", [
    b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /rss.xml\r\n\r\n",
    b"GET /rss.xml HTTP/1.1\r\n" + b"X: " + b"y" * 200_000 + b"\r\n\r\n",
    b"GET /rss.xml HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00",
    b"GET /rss.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabc",
    "GET /\u00e9t\u00e9/ HTTP/1.1\r\nHost: x\r\n\r\n".encode(),  # a raw UTF-8 path
    b"GET /\xff\xfe/ HTTP/1.1\r\nHost: x\r\n\r\n",  # bytes that are no UTF-8
])
def test_raw_junk_gets_a_4xx_or_a_closed_connection(server: Server, data: bytes) -> None:
    answer = raw(server, data, timeout=12)
    assert status_of(answer) < 500, answer[:200]
    assert server.get("/rss.xml")[0] == 200  # and the server is still there


def test_active_media_cannot_script_the_site(server: Server) -> None:
    status, headers, body = server.get("/world/chart.svg")
    assert status == 200 and body == SVG
    assert headers["content-type"].startswith("image/svg+xml")
    assert headers["content-security-policy"].startswith("sandbox")
    assert "script-src" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_an_html_file_in_content_is_never_served(server: Server) -> None:
    assert server.get("/world/page.html")[0] == 404


def test_a_drafted_storys_media_is_not_served(server: Server) -> None:
    assert server.get("/world/secret.png")[0] == 404


@pytest.mark.parametrize("path", ["/rss.xml", "/", "/world/a/", "/nowhere/", "/healthz",
                                  "/world/chart.svg", "/static/style.css", "/world"])
def test_every_answer_forbids_sniffing(server: Server, path: str) -> None:
    assert server.get(path)[1].get("x-content-type-options") == "nosniff"


def test_two_thousand_idle_and_slow_connections_starve_nobody(
        site: Path, serve: Callable[..., Server]) -> None:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    write_story(site, "a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    busy = serve(site, port=port)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2500:
        pytest.skip("this machine allows too few open files for 2,000 connections")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 4096), hard))
    sockets = []
    try:
        for n in range(2000):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            if n % 2:
                sock.sendall(b"GET /rss.xml HTTP/1.1\r\nHost: x\r\n")  # and never the rest
            sockets.append(sock)
        for _ in range(5):
            started = time.monotonic()
            assert busy.get("/rss.xml")[0] == 200
            assert time.monotonic() - started < 1.0
    finally:
        for sock in sockets:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
