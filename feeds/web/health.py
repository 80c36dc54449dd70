"""``/healthz``: the status for anyone, the details only for those who run the site.

A monitor, a load balancer or a cache probe needs the status (and the code: 503
while the site is starting). The details name files, and a file name can be a
headline not yet published (``acme-to-acquire-globex-embargoed.md``), so they go
only to a client on this machine that did not come through a proxy (no
``Forwarded``, ``X-Forwarded-For``, ``Via``...: a proxy on the same machine
must send one, as nginx, Caddy and Varnish do), or to one that sends
``Authorization: Bearer <admin_token>``. The details are capped: a probe
fetching them every second must not move megabytes when 20,000 files are broken.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
from typing import Any

from ..catalog.groups import SITE
from ..catalog.status import is_alive, read_status
from ..catalog.store import STATE_FOLDER
from ..catalog.watch import folder_identity
from ..site.files import CONTENT
from .worker import Worker

LISTED = 50  # problems (and warnings) listed one by one; the rest are counted
MAX_BYTES = 32 << 10  # the details never exceed this
PROXY_HEADERS = ("HTTP_FORWARDED", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST",
                 "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED", "HTTP_X_REAL_IP", "HTTP_VIA",
                 "HTTP_FORWARDED_FOR", "HTTP_X_CLIENT_IP", "HTTP_CLIENT_IP",
                 "HTTP_TRUE_CLIENT_IP", "HTTP_CF_CONNECTING_IP", "HTTP_FASTLY_CLIENT_IP",
                 "HTTP_X_CLUSTER_CLIENT_IP")

Entry = dict[str, str | int | None]


def may_see_details(environ: dict[str, Any], token: str | None) -> bool:
    """Tell whether a request may see the details: a direct loopback client, or the token."""
    given = environ.get("HTTP_AUTHORIZATION", "")
    if token and given[:7].lower() == "bearer " and hmac.compare_digest(
            given[7:].strip().encode(), token.encode()):
        return True
    if any(environ.get(name) for name in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(str(environ.get("REMOTE_ADDR", "")).split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool((mapped or address).is_loopback)


def report(current: Worker) -> dict[str, Any]:
    """Return the whole health report of this worker: status, publisher, every problem."""
    status = read_status(current.root)
    problems: list[Entry] = []
    warnings: list[Entry] = []
    stories = 0
    if current.ready:
        with current.view() as view:
            for problem in view.problems():
                entry: Entry = {"file": problem.source, "line": problem.line,
                                "message": problem.message}
                (warnings if problem.warning else problems).append(entry)
            info = view.exists(SITE.key)
            stories = info.live if info else 0
    for item in (status or {}).get("problems", []):
        problems.append({"file": str(item.get("file")), "line": item.get("line"),
                         "message": str(item.get("message"))})
    alive = is_alive(status)
    if not alive:
        problems.append({"file": STATE_FOLDER, "line": None,
                         "message": "the publisher is not running, so changes are not "
                                    "published: restart feeds serve."})
    elif not any(p["file"] == CONTENT for p in problems) and _watch_lost(current, status):
        problems.append({"file": CONTENT, "line": None,
                         "message": "the publisher does not watch content/ as it is now (it "
                                    "is starting, or the folder was just replaced), so new "
                                    "files are not published yet."})
    for path, message in sorted(current.failures.items()):
        problems.append({"file": path, "line": None, "message": message})
    state = "starting" if not current.ready else "problems" if problems else "ok"
    publisher = str((status or {}).get("state", "stopped")) if alive else "stopped"
    return {"status": state, "worker": os.getpid(), "version": current.documents.version,
            "publisher": publisher, "stories": stories, "problems": problems,
            "warnings": warnings, "memory": current.memory()}


def _watch_lost(current: Worker, status: dict[str, Any] | None) -> bool:
    """Tell whether the publisher watches another folder than the one content/ names now
    (replaced an instant ago: the publisher notices within a second, this at once)."""
    if status is None or "watching" not in status:
        return False  # (a publisher that does not watch: feeds publish run by hand, older)
    now = folder_identity(current.root / CONTENT)
    watching = status.get("watching")
    return now is not None and (watching is None or tuple(watching) != now)


def capped(details: dict[str, Any]) -> dict[str, Any]:
    """Return the details with at most ``LISTED`` problems and warnings each, and within
    ``MAX_BYTES`` of JSON; the counts say how many there are in all."""
    found = dict(details)
    listed = LISTED
    for kind in ("problems", "warnings"):
        found[f"{kind}_count"] = len(details[kind])
    while True:
        for kind in ("problems", "warnings"):
            found[kind] = details[kind][:listed]
        if listed == 0 or len(json.dumps(found, ensure_ascii=False).encode()) <= MAX_BYTES:
            return found
        listed //= 2
