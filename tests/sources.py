"""A loopback HTTP server that plays an old site for ``feeds import``: fixed answers by path,
redirects, and answers that are wrong on purpose (cut short, huge, looping)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: bytes | Callable[[], Iterator[bytes]] = b""
    content_type: str = "application/rss+xml"
    location: str | None = None


class OldSite:
    """Serve ``answers`` (path with query -> Answer) on a loopback port until ``stop``."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.fallback: Callable[[str], Answer | None] | None = None  # for paths not listed
        self.requests: list[str] = []
        self.hosts: list[str] = []  # the Host header of each request
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                site.requests.append(self.path)
                site.hosts.append(self.headers.get("Host", ""))
                answer = site.answers.get(self.path) or (
                    site.fallback(self.path) if site.fallback else None) or Answer(
                    404, b"not here", "text/plain")
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                if answer.location:
                    self.send_header("Location", answer.location)
                if isinstance(answer.body, bytes):
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                    return
                self.end_headers()
                try:
                    for chunk in answer.body():
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the importer hung up, as it should past its limit

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def rss(items: list[dict[str, str]], title: str = "Old Site", extra: str = "") -> bytes:
    """An RSS 2.0 feed of ``items`` (each: guid, link, title, date, description, and any
    other element as raw XML in ``xml``)."""
    parts = []
    for item in items:
        fields = "".join(f"<{key}>{value}</{key}>" for key, value in item.items()
                         if key in ("title", "link", "guid", "pubDate", "description", "category"))
        parts.append(f"<item>{fields}{item.get('xml', '')}</item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            f'xmlns:media="http://search.yahoo.com/mrss/"><channel><title>{title}</title>'
            f"<link>http://old.example/</link><description>d</description>{extra}"
            + "".join(parts) + "</channel></rss>").encode()
