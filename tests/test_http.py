"""Polling as a feed reader does: validators, conditional GETs, HEAD, gzip, cache headers.

The answers are the worker's (in-process, through the same WSGI app); exact request bytes
and restarts go through the real server (granian, two workers) over loopback.
"""

from __future__ import annotations

import gzip
import re
import socket
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from .conftest import InProcess, Server, copy_sample_site, free_port

FEEDS = ["/rss.xml", "/atom.xml", "/feed.json"]
DOCUMENTS = [*FEEDS, "/", "/europe/brussels-airport-drone-sighting/"]
GZIP = {"Accept-Encoding": "gzip"}


def test_feeds_carry_strong_validators_and_cache_headers(sample_site: InProcess) -> None:
    for path in FEEDS:
        status, headers, body = sample_site.get(path)
        assert status == 200
        assert re.fullmatch(r'"[0-9a-f]{32}"', headers["etag"]), "strong ETag"
        assert parsedate_to_datetime(headers["last-modified"])
        assert headers["cache-control"] == "public, max-age=900"
        assert headers["vary"] == "Accept-Encoding"
        assert "expires" not in headers
        assert int(headers["content-length"]) == len(body)
    rss = sample_site.get("/rss.xml")[2].decode()
    assert "<ttl>15</ttl>" in rss  # 900 s in minutes


@pytest.mark.parametrize("path", DOCUMENTS)
def test_a_reader_sending_back_the_etag_gets_an_empty_304(sample_site: InProcess,
                                                          path: str) -> None:
    _, first, _ = sample_site.get(path)
    status, headers, body = sample_site.get(path, {"If-None-Match": first["etag"]})
    assert status == 304
    assert body == b""
    assert headers["etag"] == first["etag"]
    assert headers["last-modified"] == first["last-modified"]
    assert headers["cache-control"] == first["cache-control"]
    assert headers["vary"] == "Accept-Encoding"
    assert "content-type" not in headers  # nothing of the body is described


def test_each_precedence_case_of_rfc9110_13_2_2(sample_site: InProcess) -> None:
    _, headers, _ = sample_site.get("/atom.xml")
    etag, lm = headers["etag"], headers["last-modified"]
    older = "Mon, 01 Jan 2024 00:00:00 GMT"
    future = "Mon, 01 Jan 2091 00:00:00 GMT"
    cases = [
        ({"If-None-Match": etag}, 304),
        ({"If-None-Match": f'"other", W/{etag}'}, 304),  # a list, weak comparison
        ({"If-None-Match": "*"}, 304),
        ({"If-None-Match": '"other"'}, 200),
        ({"If-None-Match": '"other"', "If-Modified-Since": future}, 200),  # INM wins
        ({"If-None-Match": etag, "If-Modified-Since": older}, 304),  # INM wins
        ({"If-Modified-Since": lm}, 304),
        ({"If-Modified-Since": future}, 304),
        ({"If-Modified-Since": older}, 200),
        ({"If-Modified-Since": "not a date"}, 200),  # an invalid date is ignored
        ({"If-Match": etag}, 200),
        ({"If-Match": '"other"'}, 412),
        ({"If-Match": f"W/{etag}"}, 412),  # If-Match compares strongly
        ({"If-Unmodified-Since": older}, 412),
        ({"If-Unmodified-Since": lm}, 200),
        ({"If-Match": '"other"', "If-None-Match": etag}, 412),  # step 1 comes first
    ]
    for headers_sent, expected in cases:
        status, _, body = sample_site.get("/atom.xml", headers_sent)
        assert status == expected, headers_sent
        assert (body == b"") == (expected != 200), headers_sent


@pytest.mark.parametrize("path", DOCUMENTS)
@pytest.mark.parametrize("encoding", [{}, GZIP])
def test_head_answers_like_get_without_a_body(sample_site: InProcess, path: str,
                                              encoding: dict[str, str]) -> None:
    get_status, get_headers, get_body = sample_site.get(path, encoding)
    head_status, head_headers, head_body = sample_site.get(path, encoding, method="HEAD")
    assert head_status == get_status == 200
    assert head_body == b""
    for name in ("content-type", "content-length", "etag", "last-modified", "cache-control",
                 "vary", "content-encoding"):
        assert head_headers.get(name) == get_headers.get(name), name
    assert int(head_headers["content-length"]) == len(get_body)


@pytest.mark.parametrize("path", DOCUMENTS)
def test_gzip_has_its_own_etag_and_the_same_content(sample_site: InProcess, path: str) -> None:
    _, plain_headers, plain = sample_site.get(path)
    _, gz_headers, compressed = sample_site.get(path, GZIP)
    assert "content-encoding" not in plain_headers
    assert gz_headers["content-encoding"] == "gzip"
    assert gzip.decompress(compressed) == plain
    assert len(compressed) < len(plain)
    assert gz_headers["etag"] != plain_headers["etag"]  # RFC 9110 8.8.3
    assert gz_headers["last-modified"] == plain_headers["last-modified"]
    # Each ETag validates only its own encoding.
    assert sample_site.get(path, {**GZIP, "If-None-Match": gz_headers["etag"]})[0] == 304
    assert sample_site.get(path, {**GZIP, "If-None-Match": plain_headers["etag"]})[0] == 200
    assert sample_site.get(path, {"If-None-Match": gz_headers["etag"]})[0] == 200
    # Two fetches of the gzip body are byte-identical (no timestamp in the gzip header).
    assert sample_site.get(path, GZIP)[2] == compressed


@pytest.mark.parametrize(("accept", "gzipped"), [
    ("gzip;q=0", False), ("br", False), ("*", True), ("deflate, gzip;q=0.8", True),
    ("identity", False),
])
def test_accept_encoding_is_honoured(sample_site: InProcess, accept: str, gzipped: bool) -> None:
    _, headers, _ = sample_site.get("/rss.xml", {"Accept-Encoding": accept})
    assert (headers.get("content-encoding") == "gzip") is gzipped
    assert headers["vary"] == "Accept-Encoding"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/rss.xml", "/", "/europe/brussels-airport-drone-sighting/",
                                  "/healthz"])
def test_other_methods_get_a_clean_405(sample_site: InProcess, method: str, path: str) -> None:
    status, headers, _ = sample_site.get(path, method=method)
    assert status == 405
    assert set(headers["allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}


def raw_request(server: Server, request: bytes) -> tuple[int, bytes]:
    """Send exact bytes (no client-side clean-up of the path) and return status and response."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    response = b"".join(chunks)
    match = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return (int(match.group(1)) if match else 0), response


HOSTILE = [
    b"GET /../config.yaml HTTP/1.1",
    b"GET /%2e%2e/config.yaml HTTP/1.1",
    b"GET /%2E%2E%2Fconfig.yaml HTTP/1.1",
    b"GET /static/../config.yaml HTTP/1.1",
    b"GET /static/%2e%2e/%2e%2e/config.yaml HTTP/1.1",
    b"GET /static/..%2f..%2fconfig.yaml HTTP/1.1",
    b"GET /content/europe/brussels-airport-drone-sighting.yaml HTTP/1.1",
    b"GET //etc/passwd HTTP/1.1",
    b"GET /static//etc/passwd HTTP/1.1",
    b"GET /%00 HTTP/1.1",
    b"GET /%ff%fe/ HTTP/1.1",
    b"GET /" + b"a/" * 4000 + b" HTTP/1.1",
    b"GET /rss.xml?" + b"q" * 6000 + b" HTTP/1.1",
    b"BREW /rss.xml HTTP/1.1",
    b"GET /rss.xml HTTP/1.1\r\nIf-Modified-Since: Mon, 99 Foo 2025 25:61:61 GMT",
    b"GET /rss.xml HTTP/1.1\r\nIf-Modified-Since: " + b"9" * 2000,
    b"GET /rss.xml HTTP/1.1\r\nIf-None-Match: " + b'"' * 6000,
    b"GET /rss.xml HTTP/1.1\r\nIf-None-Match: " + b"W/" * 3000,
    b"GET /rss.xml HTTP/1.1\r\nIf-None-Match: " + b", ".join(b'"%d"' % i for i in range(900)),
    b"GET /rss.xml HTTP/1.1\r\nAccept-Encoding: " + b"gzip;q=" * 900,
    b"GET /rss.xml HTTP/1.1\r\nIf-Match: \x01\x02",
]


@pytest.mark.parametrize("request_line", HOSTILE, ids=lambda r: r[:40].decode("latin-1"))
def test_hostile_requests_never_get_a_500_or_a_file_from_outside(
    sample_server: Server, request_line: bytes
) -> None:
    status, response = raw_request(
        sample_server, request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert 200 <= status < 500, response[:200]
    assert b"base_url:" not in response and b"root:" not in response
    assert b"Traceback" not in response
    if not request_line.startswith(b"GET /rss.xml"):
        assert status >= 400, request_line[:60]


def _poll(server: Server, path: str) -> tuple[str, str]:
    status, headers, _ = server.get(path)
    assert status == 200
    return headers["etag"], headers["last-modified"]


def _stamp(value: str) -> float:
    return parsedate_to_datetime(value).timestamp()


def test_last_modified_moves_forward_after_an_edit_and_a_removal_across_restarts(
    tmp_path: Path, serve: Callable[..., Server]
) -> None:
    port = free_port()
    root = copy_sample_site(tmp_path, port)
    server = serve(root, port=port)
    before = {path: _poll(server, path) for path in FEEDS}
    server.stop()

    # A restart on unchanged content keeps both validators.
    server = serve(root, port=port)
    assert {path: _poll(server, path) for path in FEEDS} == before
    server.stop()

    # An edit that leaves `updated` alone still changes the body, so Last-Modified moves on.
    story = root / "content/middle-east/iran-russia-strategic-partnership-iaea.md"
    story.write_text(story.read_text().replace("discussed", "talked about"))
    server = serve(root, port=port)
    edited = {path: _poll(server, path) for path in FEEDS}
    for path in FEEDS:
        assert edited[path][0] != before[path][0]
        assert _stamp(edited[path][1]) > _stamp(before[path][1])
        # A reader that only sends If-Modified-Since is not told "not modified".
        assert server.get(path, {"If-Modified-Since": before[path][1]})[0] == 200
        assert server.get(path, {"If-Modified-Since": edited[path][1]})[0] == 304
    server.stop()

    # Removing the newest story makes the feed's own date go backward; Last-Modified must not.
    story.unlink()
    server = serve(root, port=port)
    for path in FEEDS:
        etag, lm = _poll(server, path)
        assert etag != edited[path][0]
        assert _stamp(lm) >= _stamp(edited[path][1])
        assert server.get(path, {"If-Modified-Since": edited[path][1]})[0] == 200
