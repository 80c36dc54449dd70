"""The app factory: one serving worker's Flask app, reading the site's catalogue.

The publisher (``feeds publish``, started by ``feeds serve``) writes the
catalogue; this app only reads it: ``Worker`` follows new versions and keeps
documents hot, ``FastPath`` answers polls before Flask, ``views`` the rest.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import ROOT_VARIABLE
from .metrics import metrics_folder
from .site.urlspace import STATIC
from .web import views
from .web.accesslog import ACCESS_VARIABLE, AccessLog
from .web.fastpath import FastPath
from .web.pollcount import PollCounter
from .web.worker import Worker


def site_root(root: str | Path | None = None) -> Path:
    """Return the site folder: ``root``, else ``$FEEDS_ROOT``, else the current folder."""
    return Path(root or os.environ.get(ROOT_VARIABLE) or ".").resolve()


def create_app(root: str | Path | None = None, follow: bool = True) -> Flask:
    """Create the WSGI app serving the site in ``root`` from its catalogue.

    ``follow`` starts the thread that picks up each version the publisher commits;
    tests that drive the publisher themselves call ``Worker.catch_up`` instead.
    """
    worker = Worker(site_root(root), follow=follow)
    app = Flask("feeds", static_url_path=STATIC.rstrip("/"))
    app.extensions["feeds"] = worker
    views.init_app(app)
    app.wsgi_app = FastPath(worker, app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = app.extensions["feeds.polls"] = PollCounter.around(  # type: ignore[method-assign]
        app.wsgi_app, worker, background=follow)
    folder = metrics_folder()
    if folder is not None:  # feeds serve --metrics
        from .web import metrics

        metrics.init_app(app, worker, folder)
    if os.environ.get(ACCESS_VARIABLE):  # feeds serve --access-log
        app.wsgi_app = AccessLog(app.wsgi_app)  # type: ignore[method-assign]
    return app
