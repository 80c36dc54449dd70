"""Write an nginx config that serves a build as ``feeds serve`` answers the same site.

One file, to include in nginx's ``http {}`` block: maps of the site's redirects
and 410s, and a ``server`` whose locations give each kind of file its media type
(with ``charset=utf-8``), the server's Cache-Control and security headers
(``documents.headers``, the table the server uses), the gzip twin
(``gzip_static``), and revalidation with the files' ETag and Last-Modified (the
build sets each file's time to its document's Last-Modified). Paths are matched
as the server matches them: exactly, case and Unicode form included. A file
always wins: only a path no file answers reaches the redirect and 410 maps, so a
config written before the latest build stays right (a filled archive page is
served, not its old 307). A path without its trailing slash answers 308, as from
the server, and the 404 and 410 pages are the server's own.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from ..documents.document import HTML
from ..documents.headers import PAGE_POLICY, SANDBOX, SECURITY, cache_control, hub_links
from ..documents.opml import LISTS as OPML_LISTS
from ..documents.opml import MEDIA_TYPE as OPML_TYPE
from ..documents.robots import MEDIA_TYPE as ROBOTS_TYPE
from ..documents.sitemaps import MEDIA_TYPE as SITEMAP_TYPE
from ..site import urlspace as urls
from ..site.config import Settings
from ..site.formats import FORMATS, archived
from ..site.media import ACTIVE_TYPES, MEDIA_TYPES
from ..site.urlspace import GROUP_SHAPES, STATIC
from .build import GONE_FILE, NOT_FOUND_FILE, Summary
from .render import STAGING

STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
# The server's own documents beside the groups' (urlspace.SERVER): their locations and types.
OWN_DOCUMENTS = (
    *((f"= {opml.path}", OPML_TYPE) for opml in OPML_LISTS),
    (f"= {urls.SITEMAP}", SITEMAP_TYPE),
    (urls.CHILD_SITEMAP_LOCATION, SITEMAP_TYPE),
    (f"= {urls.NEWS_SITEMAP}", SITEMAP_TYPE),
    (f"= {urls.ROBOTS}", ROBOTS_TYPE),
)
_UNSAFE = {"$"} | {chr(c) for c in range(32)} | {"\x7f"}
TAB = "\\t"  # nginx reads it as a tab, which no path in the maps holds (_UNSAFE)


def write_nginx_conf(summary: Summary, conf: Path) -> bool:
    """Write the config for a build if it changed; return whether it was written."""
    text = nginx_conf(summary, summary.settings)
    try:
        if conf.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    temporary = conf.with_name(f".{conf.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, conf)
    return True


# each status a redirect can have, and the name of the variable holding its target
REDIRECT_MAPS = {301: "moved", 308: "moved_for_good", 302: "found", 307: "for_now", 410: "gone"}


def nginx_conf(summary: Summary, settings: Settings) -> str:
    """Return the config serving ``summary.out`` for the site with ``settings``."""
    site = "feeds_" + hashlib.sha256(str(summary.out).encode()).hexdigest()[:8]
    found = summary.plan
    lines = [f"# Written by feeds build: serves {summary.out} as `feeds serve` answers "
             f"{settings.base_url}", "# Include it in nginx's http {} block.", ""]
    answers = {path: (status, settings.href(to) if to.startswith("/") else to)
               for path, (status, to) in found.redirects.items()}
    answers.update((path, (410, "1")) for path in found.gone)
    lines += _old_paths(site, answers, summary.problems)
    lines += _server(site, summary.out, settings)
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    """Return text as it goes between an nginx config's double quotes."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'


def _old_paths(site: str, answers: dict[str, tuple[int, str]], problems: list[str]) -> list[str]:
    """Return the maps that give each old path (a moved story's, an alias, a configured
    redirect, the archive page past the newest) its answer.

    They are looked up only for a path no file answers (``@<site>_old``), so a file
    the latest build wrote wins over a rule of an older config (a filled archive page
    over its 307). nginx matches a map's string keys without regard to case, so
    ``/News/`` would answer ``/news/`` and ``/RSS.xml`` the feed: the first map gives
    ``path TAB status TAB target`` for the path found, and each status's map takes
    the target only when that path is ``$uri`` exactly (a backreference, which is
    case-sensitive). Paths that differ only in case are regular expressions, which
    nginx tries after its string keys and which match case-sensitively.
    """
    # volatile: looked up again after the internal redirect to the 410 page
    lines = [f"map $uri ${site}_old {{", "    volatile;", '    default "";']
    folded: dict[str, int] = {}
    for path in answers:
        folded[path.lower()] = folded.get(path.lower(), 0) + 1
    for path, (status, to) in sorted(answers.items()):
        if _UNSAFE & set(path + to):
            problems.append(f"{path}: this path cannot be written in an nginx config (it holds "
                            "a $ or a control character); left out.")
            continue
        key = _quote("~^" + re.escape(path) + "$") if folded[path.lower()] > 1 else _quote(path)
        value = TAB.join(_escape(part) for part in (path, str(status), to))
        lines.append(f'    {key} "{value}";')
    lines += ["}", ""]
    for status, name in REDIRECT_MAPS.items():
        lines += [f'map "$uri{TAB}${site}_old" ${site}_{name} {{', "    volatile;",
                  '    default "";',
                  f'    "~^(?<path>[^{TAB}]*){TAB}\\k<path>{TAB}{status}{TAB}(?<to>.+)$" $to;',
                  "}", ""]
    return lines


def _headers(settings: Settings, extra: Iterable[tuple[str, str]] = (),
             cache: str | None = None, indent: str = "        ") -> list[str]:
    """Return ``add_header`` lines: Cache-Control, the security headers, then ``extra``."""
    found = [("Cache-Control", cache or cache_control(settings)), *SECURITY, *extra]
    return [f"{indent}add_header {name} {_quote(value)} always;" for name, value in found]


def _location(match: str, content_type: str, headers: list[str], internal: bool = False,
              body: tuple[str, ...] = ()) -> list[str]:
    return [f"    location {match} {{", *(["        internal;"] if internal else []),
            "        types { }", f"        default_type {_quote(content_type)};", *headers,
            *body, "    }"]


def _listen(settings: Settings) -> tuple[str, str]:
    parts = urlsplit(settings.base_url)
    host = parts.hostname or "localhost"
    port = parts.port or 80
    numeric = host.replace(".", "").isdigit() or ":" in host
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}" if numeric else str(port)
    return address, host


def _server(site: str, out: Path, settings: Settings) -> list[str]:
    address, host = _listen(settings)
    page = _headers(settings, [("Content-Security-Policy", PAGE_POLICY)])
    files = (f"        try_files $uri @{site}_old;",)  # a file first, whatever the maps say
    lines = [
        # "/x/" for a path "/x" that has no dot in its last part: where a page would be
        f"map $uri ${site}_slash {{", "    volatile;", '    default "$uri/";',
        '    "~(/|\\.[^/]*)$" "";', "}", "",
        "server {",
        f"    listen {address};",
        f"    server_name {host};",
        f"    root {_quote(str(out))};",
        "    index index.html;",
        "    absolute_redirect off;       # Location as the server sends it: a site path",
        "    gzip off;",
        "    gzip_static on;              # each document's .gz twin, for readers that take gzip",
        "    gzip_vary on;",
        "    etag on;",
        "    if_modified_since before;    # RFC 9110 13.1.3: not modified since a later date too",
        "    server_tokens off;",
        f"    error_page 404 /{NOT_FOUND_FILE};",
        f"    error_page 410 /{GONE_FILE};",
        *_headers(settings, indent="    "),
        *_location("~ \\.gz$", "application/octet-stream", [], internal=True),
        f"    location ^~ /{STAGING}/ {{ internal; }}   # files of a build under way",
        *_location("^~ /_feeds/", HTML, page, internal=True),
        *_location("~ /index\\.html$", HTML, page, internal=True),
    ]
    for match, media_type in OWN_DOCUMENTS:  # (before the shapes: a regex wins in order)
        lines += _location(match, media_type, _headers(settings), body=files)
    lines += _shapes(site, settings, page, files)
    for suffix, media_type in sorted(STATIC_TYPES.items()):
        lines += _location(f"~ ^{STATIC}[^/]+\\{suffix}$", media_type,
                           _headers(settings, cache="no-cache"), body=files)
    for suffix, media_type in sorted(MEDIA_TYPES.items()):
        extra = [("Content-Security-Policy", SANDBOX)] if media_type in ACTIVE_TYPES else []
        lines += _location(f"~* \\{suffix}$", media_type, _headers(settings, extra), body=files)
    lines += [
        "    location / {",
        f"        try_files $uri @{site}_old;",
        "    }",
        # What no file answers, in the server's order: a page asked without its trailing
        # slash (308), then an old path's answer (the maps), then the 404 page.
        f"    location @{site}_old {{",
        f'        if (-f "$document_root${{{site}_slash}}index.html") {{ '
        f"return 308 ${site}_slash; }}",
        *(f"        if (${site}_{name}) {{ return {status} ${site}_{name}; }}"
          for status, name in REDIRECT_MAPS.items() if status != 410),
        f"        if (${site}_gone) {{ return 410; }}",
        "        return 404;",
        "    }",
        "}",
    ]
    return lines


def _shapes(site: str, settings: Settings, page: list[str], files: tuple[str, ...]) -> list[str]:
    """Return a location for each shape of the URL table below a group: pages (a folder's
    ``index.html``), each format's feed (its ``Format.location``, with WebSub's links), the
    archive pages (the archived format's, cached for long)."""
    lines: list[str] = []
    for shape in GROUP_SHAPES:
        if shape.name == "listing":
            assert shape.location is not None
            lines += _location(shape.location, HTML, page,
                               body=(f"        try_files ${{uri}}index.html @{site}_old;",))
        elif shape.name == "archive":
            assert shape.location is not None
            lines += _location(shape.location, archived().content_type,
                               _headers(settings, cache=cache_control(settings, archive=True)),
                               body=files)
        else:
            for fmt in FORMATS:
                lines += _location(fmt.location, fmt.content_type, _feed_headers(settings),
                                   body=files)
    return lines


def _feed_headers(settings: Settings) -> list[str]:
    """Return a subscription feed's headers: WebSub's Link, with ``rel=self`` for this URL."""
    links = hub_links(settings, "/")
    if not links:
        return _headers(settings)
    value = links[0][1].replace(f"<{settings.url('/')}>", f"<{settings.base_url.rstrip('/')}$uri>")
    return _headers(settings, [("Link", value)])
