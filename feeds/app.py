"""The app factory: wire config, the live site, its watcher and the web layer together."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import web
from .fastpath import FastPath
from .site import Site
from .watcher import Watcher
from .websub import Announcer

ROOT_VARIABLE = "FEEDS_ROOT"


def create_app(root: str | Path | None = None, live: bool = True) -> Flask:
    """Create the WSGI app serving the site in ``root`` (default: ``$FEEDS_ROOT`` or ``.``).

    ``live`` starts the watcher, so changed files are published without a restart.
    """
    site_root = Path(root or os.environ.get(ROOT_VARIABLE) or ".").resolve()
    holder: list[Site] = []
    announcer = Announcer(lambda: holder[0].settings.hubs if holder else ())
    site = Site(site_root, announce=announcer.announce)
    holder.append(site)
    app = Flask("feeds", static_url_path="/static")
    app.config["FEEDS_SITE"] = site
    web.init_app(app, site)
    app.wsgi_app = FastPath(site, app.wsgi_app)  # type: ignore[method-assign]
    if live:
        watcher = Watcher(site)
        watcher.start()
        app.config["FEEDS_WATCHER"] = watcher
    site.render_feeds()
    return app
