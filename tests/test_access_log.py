"""feeds serve --access-log: one Combined Log Format line per request, off by default; every
other log line names its process (serve, publisher, worker), pid and module."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from feeds.web.accesslog import log_line

from .conftest import Server, free_port, story_text, write_config, write_story

COMBINED = re.compile(r'^(\S+) - - \[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] '
                      r'"([^"]*)" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)"$')


def _log(server: Server) -> str:
    return (server.root.parent / f"server-{server.port}.log").read_text(errors="replace")


def _lines(server: Server, count: int) -> list[re.Match[str]]:
    """Wait (bounded) for ``count`` access lines; return them parsed."""
    deadline = time.monotonic() + 20
    while True:
        found = [m for m in map(COMBINED.match, _log(server).splitlines()) if m]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_the_access_log_has_one_combined_line_per_request(
        site: Path, serve: Callable[..., Server]) -> None:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    write_story(site, "world/a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    server = serve(site, port=port, options=["--access-log"])
    before = len(_lines(server, 0))
    status, headers, body = server.get("/rss.xml?utm=1", {"User-Agent": 'Reader "1" \\'})
    etag = headers["etag"]
    assert server.get("/rss.xml", {"If-None-Match": etag, "Referer": "https://x.example/"})[0] \
        == 304
    assert server.get("/nowhere/")[0] == 404
    assert server.get("/world/a/", method="HEAD")[0] == 200
    lines = _lines(server, before + 4)[before:]
    assert [(m[3], m[4]) for m in lines] == [
        ("GET /rss.xml?utm=1 HTTP/1.1", "200"), ("GET /rss.xml HTTP/1.1", "304"),
        ("GET /nowhere/ HTTP/1.1", "404"), ("HEAD /world/a/ HTTP/1.1", "200")]
    assert lines[0][1] == "127.0.0.1" and int(lines[0][5]) == len(body)
    assert lines[0][7] == r"Reader \x221\x22 \x5C"  # quotes and backslashes escaped
    assert (lines[1][5], lines[1][6]) == ("-", "https://x.example/")  # no body: "-"
    assert lines[3][5] == "-"


def test_without_the_option_no_request_is_logged_and_lines_name_their_process(
        site: Path, serve: Callable[..., Server]) -> None:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    write_story(site, "world/a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    write_story(site, "world/bad.md", "---\ntitle: [\n---\n")
    server = serve(site, port=port, options=["--verbose"])  # (a worker's own lines: -v)
    for _ in range(3):
        assert server.get("/rss.xml")[0] == 200
    text = _log(server)
    assert not any(map(COMBINED.match, text.splitlines()))
    problem = [line for line in text.splitlines() if "content/world/bad.md:" in line]
    assert problem and re.match(r"^\S+ \S+ publisher\[\d+\] WARNING feeds\.catalog\.ledger: ",
                                problem[0]), problem
    assert re.search(r"^\S+ \S+ worker\[\d+\] INFO _granian\.serve: Started", text, re.M)
    assert re.search(r"^\S+ \S+ serve\[\d+\] INFO _granian: Listening", text, re.M)


def test_a_line_cannot_be_forged_by_a_request() -> None:
    environ = {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "GET", "PATH_INFO": '/a"\n1.2.3.4',
               "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_USER_AGENT": "x\ny"}
    line = log_line(environ, "200 OK", 5, 0.0)
    assert "\n" not in line and COMBINED.match(line)
    assert '"GET /a\\x22\\x0A1.2.3.4 HTTP/1.1"' in line and '"x\\x0Ay"' in line


@pytest.mark.parametrize("uri", ["/stats/?token=s3cret-s3cret",
                                 "/stats/?days=7&TOKEN=s3cret-s3cret",
                                 "/stats/?token=s3cret-s3cret&days=7"])
def test_a_token_in_the_query_is_not_written(uri: str) -> None:
    environ = {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "GET", "RAW_URI": uri,
               "SERVER_PROTOCOL": "HTTP/1.1"}
    line = log_line(environ, "200 OK", 5, 0.0)
    assert COMBINED.match(line) and "s3cret" not in line and "=[hidden]" in line
    assert ("days=7" in line) == ("days=7" in uri)
