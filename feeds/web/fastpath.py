"""Answer requests for the site's documents before Flask is involved at all.

A bare WSGI callable in front of the Flask app: a GET or HEAD for a hot
document is one dictionary look-up, one precondition check and prebuilt
headers; a document that is not hot is rendered once (single-flight) and kept.
Anything else (media files, ``/healthz``, 404 pages, a site still starting)
goes on to Flask. Measured here, skipping Flask's dispatch roughly doubles the
polls a worker answers per second (README, "Serving pollers").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..site.text import has_control
from .responses import SECURITY, StartResponse, answer
from .worker import RenderError, Worker

WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
MAX_PATH = 2048
RENDER_FAILED = "feeds.render_failed"  # set in environ for the fallback to answer 503

_METHOD_NOT_ALLOWED = (
    "405 Method Not Allowed",
    [("Content-Type", "text/plain; charset=utf-8"), ("Allow", "GET, HEAD"),
     ("Content-Length", "23"), *SECURITY],
    [b"405 Method Not Allowed\n"],
)


def request_path(environ: dict[str, Any]) -> str | None:
    """Return the request path as the site names things, or None when no document can have it.

    PEP 3333 hands the path over as latin-1; story paths are UTF-8. A path that is
    not UTF-8, holds a control character or is very long names nothing here.
    """
    path: str = environ.get("PATH_INFO") or "/"
    if not path.isascii():
        try:
            path = path.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return None
    if len(path) > MAX_PATH or not path.startswith("/") or has_control(path):
        return None
    return path


class FastPath:
    """WSGI middleware serving the site's documents from memory, Flask for the rest."""

    def __init__(self, worker: Worker, fallback: WSGIApp):
        self.worker = worker
        self.fallback = fallback

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = request_path(environ)
        if path is None:
            return self.fallback(environ, start_response)
        prepared = self.worker.documents.get(path)
        if prepared is None:
            try:
                prepared = self.worker.prepared(path)
            except RenderError:
                environ[RENDER_FAILED] = True
                return self.fallback(environ, start_response)
            if prepared is None:
                return self.fallback(environ, start_response)
        method = environ.get("REQUEST_METHOD")
        if method == "GET" or method == "HEAD":
            return answer(prepared, environ, start_response, head=method == "HEAD")
        if method == "OPTIONS":
            return self.fallback(environ, start_response)
        status, headers, body = _METHOD_NOT_ALLOWED
        start_response(status, headers)
        return body
