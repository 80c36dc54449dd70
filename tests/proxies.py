"""Debian's Varnish and nginx, started by the tests on loopback ports and stopped by pid."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .conftest import REPO, stop_group

START_TIMEOUT = 20.0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def fetch(base: str, path: str, headers: dict[str, str] | None = None,
          method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Send one request as a reader would (redirects shown, not followed); return status,
    headers (lower-cased names) and body."""
    request = urllib.request.Request(base + path, headers=headers or {}, method=method)
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, \
                response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def program(name: str) -> str:
    """Return the path of a Debian program (Varnish and nginx live in /usr/sbin)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise RuntimeError(f"{name} is not installed: run tools/system-packages")
    return found


def readme_block(language: str) -> str:
    """Return the README's one code block in ``language`` (the recipe the README gives)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = readme.split(f"```{language}\n")
    assert len(blocks) == 2, f"the README should hold one {language} block"
    return blocks[1].split("```", 1)[0]


@dataclass
class Proxy:
    """A server in its own process group, answering HTTP on a loopback port."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_group(self.process)


def start(name: str, command: list[str], port: int, log: Path) -> Proxy:
    """Start ``command`` and wait (bounded) until its port answers HTTP."""
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    proxy = Proxy(name, port, process, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pass
            with urllib.request.urlopen(proxy.base + "/healthz", timeout=5):
                return proxy
        except urllib.error.HTTPError:
            return proxy  # it answers HTTP, whatever it says
        except OSError:
            time.sleep(0.05)
    proxy.stop()
    raise RuntimeError(f"{name} did not answer on port {port} within {START_TIMEOUT} s")


def start_varnish(work: Path, port: int, origin_port: int) -> Proxy:
    """Start varnishd with the README's VCL, its backend pointed at ``origin_port``."""
    vcl = readme_block("vcl")
    assert '.port = "8000";' in vcl
    (work / "feeds.vcl").write_text(vcl.replace('.port = "8000";', f'.port = "{origin_port}";'),
                                    encoding="utf-8")
    command = [program("varnishd"), "-F", "-j", "none", "-n", str(work / "varnish"),
               "-a", f"127.0.0.1:{port}", "-f", str(work / "feeds.vcl"), "-s", "malloc,64m"]
    return start("varnishd", command, port, work / "varnish.log")


def start_nginx(work: Path, port: int, server_conf: Path) -> Proxy:
    """Start nginx as an unprivileged server with a generated ``server`` block."""
    prefix = work / "nginx"
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""  # (else its workers run as nobody)
    conf.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid nginx.pid;\nerror_log logs/error.log;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {prefix}/tmp;\n"
        f"  proxy_temp_path {prefix}/tmp;\n  fastcgi_temp_path {prefix}/tmp;\n"
        f"  uwsgi_temp_path {prefix}/tmp;\n  scgi_temp_path {prefix}/tmp;\n"
        f"  include {server_conf};\n}}\n", encoding="utf-8")
    command = [program("nginx"), "-p", str(prefix), "-c", str(conf)]
    return start("nginx", command, port, work / "nginx.log")
