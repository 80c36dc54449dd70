"""``/stats/``: who reads the feeds, for whoever holds the ``stats_token`` and no one else.

The token comes as ``Authorization: Bearer <token>`` or ``?token=<token>`` (a link
to bookmark; the page then tells browsers to send no Referer, so the token never
leaves with a click). Without it, or with no token configured, the path is a 404
like any other. The page is never stored by any cache (``no-store``).
"""

from __future__ import annotations

import hmac
import sqlite3
import time
from typing import Any

from flask import Request, Response

from ..catalog.statsread import load
from ..catalog.store import STATE_FOLDER
from ..stats import page
from .worker import Worker

DEFAULT_DAYS = 30
MAX_DAYS = 400
HEADERS = (
    ("Cache-Control", "private, no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
)


def allowed(request: Request, token: str | None) -> bool:
    """Tell whether the request carries the stats token (compared in constant time)."""
    if token is None:
        return False
    given = request.headers.get("Authorization", "")
    if given[:7].lower() == "bearer ":
        given = given[7:].strip()
    else:
        given = request.args.get("token", "")
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode())


def answer(current: Worker, request: Request) -> Response | None:
    """Return the page, or None when the request may not see it (a 404, the caller's)."""
    settings = current.settings
    if settings is None or not allowed(request, settings.stats_secret()):
        return None
    days = _days(request.args.get("days"))
    now = time.time()
    db = current.connection()
    db.execute("BEGIN")
    try:
        found = load(db, current.root / STATE_FOLDER, now, days, settings.cache_max_age)
    except sqlite3.Error:
        return Response("The statistics cannot be read just now; try again shortly.\n", 503,
                        content_type="text/plain; charset=utf-8",
                        headers=[("Retry-After", "5"), *HEADERS])
    finally:
        db.execute("COMMIT")
    html = page.render(settings.title, found, now, days)
    return Response(html, 200, content_type="text/html; charset=utf-8", headers=HEADERS)


def _days(given: Any) -> int:
    try:
        return max(1, min(MAX_DAYS, int(given)))
    except (TypeError, ValueError):
        return DEFAULT_DAYS
