"""The app factory: wire config, the live site and the web layer together."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import web
from .fastpath import FastPath
from .site import Site

ROOT_VARIABLE = "FEEDS_ROOT"


def create_app(root: str | Path | None = None) -> Flask:
    """Create the WSGI app serving the site in ``root`` (default: ``$FEEDS_ROOT`` or ``.``)."""
    site_root = Path(root or os.environ.get(ROOT_VARIABLE) or ".").resolve()
    site = Site(site_root)
    app = Flask("feeds", static_url_path="/static")
    app.config["FEEDS_SITE"] = site
    web.init_app(app, site)
    app.wsgi_app = FastPath(site, app.wsgi_app)  # type: ignore[method-assign]
    return app
