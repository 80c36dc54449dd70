"""The README's "Running it for real" recipes, run as written: the nginx file in a real nginx
holding a real certificate in front of a real feeds serve, and the systemd unit checked by
systemd's own verifier and its command run."""

from __future__ import annotations

import gzip
import os
import re
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Server, free_port, stop_group, story_text, write_config, write_story
from .proxies import Proxy, program, readme_block, start

CERT_NAME = "news.example"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _fetch(url: str, context: ssl.SSLContext | None = None, headers: dict[str, str] | None = None,
           method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(_NoRedirects, urllib.request.HTTPSHandler(
        context=context))
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, \
                response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def _certificate(folder: Path) -> tuple[Path, Path]:
    """Make a self-signed certificate for news.example with Debian's openssl."""
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    done = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={CERT_NAME}", "-addext", f"subjectAltName=DNS:{CERT_NAME}",
         "-keyout", str(key), "-out", str(cert)], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return cert, key


def _proxy_conf(work: Path, origin: int, http_port: int, https_port: int) -> Path:
    """The README's nginx file, pointed at this test's ports, certificate and origin."""
    conf = readme_block("nginx")
    cert, key = _certificate(work)
    for old, new in (
            ("server 127.0.0.1:8000;", f"server 127.0.0.1:{origin};"),
            ("listen 80;", f"listen 127.0.0.1:{http_port};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
            (f"/etc/letsencrypt/live/{CERT_NAME}/fullchain.pem", str(cert)),
            (f"/etc/letsencrypt/live/{CERT_NAME}/privkey.pem", str(key))):
        assert old in conf, old
        conf = conf.replace(old, new)
    path = work / "news.conf"
    path.write_text(conf, encoding="utf-8")
    return path


def _start_proxy(work: Path, conf: Path, https_port: int) -> Proxy:
    prefix = work / "nginx"
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    main = prefix / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid nginx.pid;\nerror_log logs/error.log;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n  access_log off;\n  gzip on;\n  client_body_temp_path {prefix}/tmp;\n"
        f"  proxy_temp_path {prefix}/tmp;\n  fastcgi_temp_path {prefix}/tmp;\n"
        f"  uwsgi_temp_path {prefix}/tmp;\n  scgi_temp_path {prefix}/tmp;\n"
        f"  include {conf};\n}}\n", encoding="utf-8")  # (gzip on: Debian's default nginx.conf)
    return start("nginx", [program("nginx"), "-p", str(prefix), "-c", str(main)], https_port,
                 work / "nginx.log")  # (an HTTPS port answers plain HTTP with a 400: ready)


def test_the_readme_nginx_file_puts_tls_in_front_and_passes_answers_through(
        site: Path, serve: Callable[..., Server], tmp_path: Path) -> None:
    http_port, https_port = free_port(), free_port()
    write_config(site, base_url=f"https://{CERT_NAME}:{https_port}/")
    write_story(site, "world/harbour.md", story_text("The harbour reopens", "2026-01-05T09:00",
                                                     id='"urn:x:harbour"'))
    origin = serve(site)
    work = tmp_path / "proxy"
    work.mkdir()
    proxy = _start_proxy(work, _proxy_conf(work, origin.port, http_port, https_port),
                         https_port)
    try:
        context = ssl.create_default_context(cafile=str(work / "fullchain.pem"))
        context.check_hostname = False  # the name is news.example; we dial 127.0.0.1
        base = f"https://127.0.0.1:{https_port}"
        status, headers, _ = _fetch(f"http://127.0.0.1:{http_port}/rss.xml?x=1")
        assert (status, headers["location"]) == (301, "https://127.0.0.1/rss.xml?x=1")
        for path in ("/rss.xml", "/atom.xml", "/world/harbour/", "/feeds.opml"):
            for coding in ({}, {"Accept-Encoding": "gzip"}):
                want = origin.get(path, coding)
                got = _fetch(base + path, context, coding)
                assert (got[0], got[2]) == (want[0], want[2]), (path, coding)
                for name in ("etag", "last-modified", "cache-control", "content-type",
                             "content-encoding", "vary"):
                    assert got[1].get(name) == want[1].get(name), (path, name)
            etag = _fetch(base + path, context, {"Accept-Encoding": "gzip"})[1]["etag"]
            assert _fetch(base + path, context, {"If-None-Match": etag,
                                                 "Accept-Encoding": "gzip"})[:3:2] == (304, b"")
        body = _fetch(base + "/rss.xml", context, {"Accept-Encoding": "gzip"})[2]
        assert b"The harbour reopens" in gzip.decompress(body)
        assert _fetch(base + "/world/gone/", context)[0] == 404
        assert _fetch(base + "/rss.xml", context, method="HEAD")[0] == 200
    finally:
        proxy.stop()


def _unit() -> dict[str, list[str]]:
    """The README's systemd unit, as its keys and values."""
    found: dict[str, list[str]] = {}
    for line in readme_block("ini").splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_readme_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    unit = tmp_path / "feeds.service"
    text = readme_block("ini")
    fake = tmp_path / "feeds"  # the unit's ExecStart must exist for the verifier
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    unit.write_text(text.replace("/home/feeds/.local/bin/feeds", str(fake)), encoding="utf-8")
    done = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True,
                          timeout=60)
    complaints = [line for line in (done.stdout + done.stderr).splitlines()
                  if "feeds.service" in line and "user" not in line.lower()]
    assert done.returncode == 0 and not complaints, done.stdout + done.stderr
    assert _unit()["Restart"] == ["on-failure"]


@pytest.mark.e2e
def test_the_systemd_unit_s_command_serves_and_stops_cleanly_on_sigterm(
        site: Path, tmp_path: Path) -> None:
    """What systemd runs: ExecStart with the unit's environment (FEEDS_ROOT names the site),
    started from another folder; stopped with SIGTERM as systemctl stop does, within the
    unit's TimeoutStopSec, leaving no process behind."""
    unit = _unit()
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    write_story(site, "a.md", story_text("A", "2026-01-05T09:00", id='"urn:x:a"'))
    (variable, value), = (e.split("=", 1) for e in unit["Environment"])
    assert (variable, value) == ("FEEDS_ROOT", "/srv/news")
    command = shlex.split(unit["ExecStart"][0])
    assert command[0].endswith("/feeds") and "--access-log" in command
    command = [sys.executable, "-m", "feeds", *command[1:]]
    command[command.index("--port") + 1] = str(port)
    log = open(tmp_path / "unit.log", "wb")  # noqa: SIM115 - kept for the process
    process = subprocess.Popen(command, cwd=tmp_path, env={**os.environ, variable: str(site)},
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _fetch(f"http://127.0.0.1:{port}/a/")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, \
                (tmp_path / "unit.log").read_text()
            time.sleep(0.1)
        children = _descendants(process.pid)
        assert len(children) >= 3  # the publisher and two workers
        os.kill(process.pid, signal.SIGTERM)  # systemctl stop (the main process first)
        process.wait(timeout=float(unit["TimeoutStopSec"][0]))
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in children if _alive(pid)]
        assert re.search(r'"GET /a/ HTTP/1.1" 200', (tmp_path / "unit.log").read_text())
    finally:
        stop_group(process)
        log.close()


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == parent:
                    found.append(int(entry.name))
                    todo.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
