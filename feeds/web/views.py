"""The Flask side of the HTTP edge: ``/healthz``, media files, 404, 503 and error pages.

Documents are answered by ``fastpath`` before Flask; what reaches here is
everything else. No request, however malformed, gets a 500 from what it asks:
an unknown path is the 404 page, a path no document can have is a 404 too,
and a site still starting (or a document that cannot be rendered) is a 503
with ``Retry-After``.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, request, send_file
from werkzeug.exceptions import HTTPException

from ..documents.headers import SANDBOX, SECURITY, cache_control, key_headers
from ..documents.routes import candidate_keys
from ..site.config import Settings
from ..site.media import ACTIVE_TYPES, MEDIA_TYPES, content_path, local_file, media_suffix
from ..site.urlspace import SERVER, parse
from . import health, statspage
from .fastpath import RENDER_FAILED, request_path
from .worker import Worker

log = logging.getLogger(__name__)

ALLOWED = ("GET", "HEAD")


def worker() -> Worker:
    found: Worker = current_app.extensions["feeds"]
    return found


def init_app(app: Flask) -> None:
    """Register the views and error handlers on ``app`` (the worker is in app.extensions):
    the server's own paths the URL table gives this layer, then every other path."""
    for server in SERVER:
        if server.route in VIEWS:
            app.add_url_rule(server.path, server.route, VIEWS[server.route], methods=ALLOWED)
    app.add_url_rule("/", "other", other, defaults={"path": ""}, methods=ALLOWED)
    app.add_url_rule("/<path:path>", "other", other, methods=ALLOWED)
    app.register_error_handler(404, _not_found_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
    app.after_request(_secure)


def healthz() -> Any:
    """Report the status to anyone, and this worker's and the publisher's details (every
    problem: path, line, message) to those who run the site (``health``)."""
    current = worker()
    found = health.report(current)
    settings = current.settings
    token = settings.admin_secret() if settings is not None else None
    if health.may_see_details(request.environ, token):
        response = jsonify(health.capped(found))
    else:
        response = jsonify(status=found["status"])
    response.headers["Cache-Control"] = "no-store"
    if not current.ready:
        response.status_code = 503
        response.headers["Retry-After"] = "1"
    return response


def other(path: str) -> Any:
    """Answer what the fast path did not: a media file, or why nothing is here."""
    current = worker()
    if request.environ.get(RENDER_FAILED):
        return _unavailable("This document cannot be rendered just now; try again shortly.")
    if not current.ready:
        return _unavailable("The site is starting: try again in a moment.")
    url_path = request_path(request.environ)
    if url_path is not None:
        media = _media(current, url_path)
        if media is not None:
            return media
    if not current.complete:  # a first build's groups come a moment after its stories
        return _unavailable("The site is still being published: try again in a moment.")
    return _not_found(url_path)


def _media(current: Worker, url_path: str) -> Response | None:
    """Serve a media file under content/ that a published story uses (a draft's stays private)."""
    if not any(t.route == "media" for t in parse(url_path)) or media_suffix(url_path) is None:
        return None
    settings = current.settings
    assert settings is not None
    relative = _media_file(settings, url_path)
    if relative is None:
        return None
    with current.view() as view:
        if not view.uses_media(relative):
            return None
    local = local_file(current.root, relative)
    if local is None:
        return None
    media_type = MEDIA_TYPES[media_suffix(relative) or ""]
    unsatisfiable = _several_ranges(local.stat().st_size)
    if unsatisfiable is not None:
        return unsatisfiable
    response = send_file(local, mimetype=media_type, conditional=True, etag=True)
    response.headers["Cache-Control"] = cache_control(settings)
    response.headers.extend(key_headers(settings, {"settings", f"media:{relative}"}))
    if media_type in ACTIVE_TYPES:
        response.headers["Content-Security-Policy"] = SANDBOX
    return response


def _several_ranges(length: int) -> Response | None:
    """Take a request for several ranges of a media file, or a Range header that is not a
    range set at all, as one for the whole file (RFC 9110 14.2: a server MAY ignore Range),
    and answer 416 only when none of several ranges can be satisfied.

    Werkzeug answers one range, and 416 to any request for several (``bytes=0-10,100-200``,
    as some players and download managers send) and to a header it cannot read
    (``bytes=²-5``), which RFC 9110 15.5.17 allows only when no range overlaps the file.
    Returns the 416 answer, or None to serve the request (with the header dropped when it
    held several ranges or none that can be read).
    """
    header = request.environ.get("HTTP_RANGE")
    if header is None:
        return None
    specs = _range_set(header)  # (granian passes a value that is not ASCII as empty: None)
    if specs is not None and len(specs) == 1:
        return None  # one range: Werkzeug's
    if specs is None or any(_satisfiable(spec, length) for spec in specs):
        request.environ.pop("HTTP_RANGE", None)  # the whole file: 200
        return None
    return Response(b"", 416, headers={"Content-Range": f"bytes */{length}",
                                       "Cache-Control": "no-store"})


def _range_set(header: str) -> list[tuple[str, str]] | None:
    """Return the (first, last) strings of a ``bytes=`` range set (RFC 9110 14.1.1), or None
    when it is not one (then it is ignored, as 14.2 allows)."""
    unit, equals, ranges = header.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    specs = []
    for spec in ranges.split(","):
        first, dash, last = spec.strip().partition("-")
        numbers = [p for p in (first, last) if p]
        if not dash or not numbers or not all(p.isascii() and p.isdigit() for p in numbers):
            return None
        if first and last and int(last) < int(first):
            return None
        specs.append((first, last))
    return specs


def _satisfiable(spec: tuple[str, str], length: int) -> bool:
    first, last = spec
    return int(first) < length if first else int(last) > 0 and length > 0


def _unavailable(message: str) -> Response:
    return Response(message + "\n", 503, content_type="text/plain; charset=utf-8",
                    headers={"Retry-After": "1", "Cache-Control": "no-store"})


def _media_file(settings: Settings, url_path: str) -> str | None:
    """Return the file under content/ a media URL path names, or None."""
    if media_suffix(url_path) is None:
        return None
    return content_path(settings.base_url, settings.url(url_path))


def _not_found(url_path: str | None = None) -> Response:
    """Answer 404 with the 404 page, cacheable until something is published at the path:
    its surrogate keys name what it shows and what could appear there."""
    current = worker()
    page = current.not_found()
    settings = current.settings
    if page is None or settings is None:
        return Response("404 Not Found\n", 404, content_type="text/plain; charset=utf-8")
    response = Response(page.identity.body, 404, content_type="text/html; charset=utf-8")
    deps = set(page.deps)
    if url_path is not None:
        deps |= candidate_keys(url_path)
        media = _media_file(settings, url_path)
        if media is not None:
            deps.add(f"media:{media}")
    response.headers["Cache-Control"] = cache_control(settings)
    response.headers.extend(key_headers(settings, deps))
    return response


def _not_found_error(error: HTTPException) -> Any:
    return _not_found(request_path(request.environ))


def _http_error(error: HTTPException) -> Any:
    response = error.get_response()
    response.data = f"{error.code} {error.name}\n".encode()
    response.content_type = "text/plain; charset=utf-8"
    return response


def _server_error(error: Exception) -> Any:  # pragma: no cover - a bug, by definition
    log.exception("error while serving %s", request.path)
    return _unavailable("Something went wrong here; try again shortly.")


def stats() -> Any:
    """Show who reads the feeds to the holder of the stats token; a 404 to anyone else,
    never stored by a cache (``statspage``)."""
    found = statspage.answer(worker(), request)
    if found is not None:
        return found
    response = _not_found(request_path(request.environ))
    response.headers["Cache-Control"] = "no-store"
    return response


VIEWS = {"health": healthz, "stats": stats}  # the server's own paths (urlspace.SERVER)


def _secure(response: Response) -> Response:
    for name, value in SECURITY:
        response.headers.setdefault(name, value)
    return response
