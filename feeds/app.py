"""The app factory: wire config, the live site, its watcher and the web layer together."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import web
from .config import load_settings
from .fastpath import FastPath
from .index import Catalog
from .site import Site, load_catalog
from .watcher import Watcher
from .websub import Announcer

ROOT_VARIABLE = "FEEDS_ROOT"

# Catalogues read by the `feeds serve` process before the server forks its workers:
# each worker then starts with the parsed site in memory instead of reading it again.
_PRELOADED: dict[Path, Catalog] = {}


def preload(root: Path) -> None:
    """Read the site once in this process, for the workers it is about to fork."""
    root = root.resolve()
    _PRELOADED[root] = load_catalog(root, load_settings(root), save=False)


def create_app(root: str | Path | None = None, live: bool = True) -> Flask:
    """Create the WSGI app serving the site in ``root`` (default: ``$FEEDS_ROOT`` or ``.``).

    ``live`` starts the watcher, so changed files are published without a restart.
    """
    site_root = Path(root or os.environ.get(ROOT_VARIABLE) or ".").resolve()
    holder: list[Site] = []
    announcer = Announcer(lambda: holder[0].settings.hubs if holder else ())
    catalog = _PRELOADED.get(site_root)
    site = Site(site_root, catalog.settings if catalog else None, announcer.announce, catalog)
    holder.append(site)
    app = Flask("feeds", static_url_path="/static")
    app.config["FEEDS_SITE"] = site
    web.init_app(app, site)
    app.wsgi_app = FastPath(site, app.wsgi_app)  # type: ignore[method-assign]
    if live:
        watcher = Watcher(site, catch_up=catalog is not None)
        watcher.start()
        app.config["FEEDS_WATCHER"] = watcher
    site.render_feeds()
    return app
