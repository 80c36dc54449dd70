"""The HTTP edge: routes, cache validators, conditional responses and error pages."""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, jsonify, redirect, request, send_file
from werkzeug.exceptions import HTTPException

from .site import Site, next_archive_redirect
from .storyfile import MEDIA_SUFFIXES, local_media

log = logging.getLogger(__name__)

ALLOWED = ("GET", "HEAD")


def init_app(app: Flask, site: Site) -> None:
    """Register the site's routes and error handlers on ``app``."""

    @app.get("/healthz")
    def healthz() -> Any:
        snapshot = site.snapshot
        response = jsonify(
            status="ok" if not snapshot.problems else "problems",
            worker=os.getpid(),
            stories=snapshot.count(),
            problems=[
                {"file": p.source, "line": p.line, "message": p.message}
                for p in snapshot.problems
            ],
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.route("/", defaults={"path": ""}, methods=ALLOWED)
    @app.route("/<path:path>", methods=ALLOWED)
    def document(path: str) -> Any:
        # Documents the site serves are answered by FastPath before Flask; what
        # reaches here is a path without its trailing slash, or unknown.
        url_path = "/" + path
        media = local_media(site.root, site.settings, site.settings.url(quote(url_path)))
        if media is not None and media.is_file():
            response = send_file(media, mimetype=MEDIA_SUFFIXES[media.suffix.lower()],
                                 conditional=True, etag=True,
                                 max_age=site.settings.cache_max_age)
            response.cache_control.public = True
            return response
        if not url_path.endswith("/") and site.prepared(url_path + "/") is not None:
            return redirect(request.script_root + url_path + "/", code=308)
        newer = next_archive_redirect(site.snapshot, url_path)
        if newer is not None:  # not yet an archive page: its stories are in the feed
            return redirect(request.script_root + site.settings.href(newer), code=307)
        return _not_found(site)

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> Any:
        return _not_found(site)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        response = error.get_response()
        response.data = f"{error.code} {error.name}\n".encode()
        response.content_type = "text/plain; charset=utf-8"
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> Any:  # pragma: no cover - a bug, by definition
        log.exception("error while serving %s", request.path)
        return Response("500 Internal Server Error\n", 500, content_type="text/plain")


def _not_found(site: Site) -> Response:
    page = site.not_found().identity
    return Response(page.body, 404, content_type="text/html; charset=utf-8")
