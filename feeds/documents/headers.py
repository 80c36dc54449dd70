"""The headers an answer carries beside its body, whoever sends it.

The server (``web``) and the static build's nginx config (``export.nginx``) both
take them from here, so a document answers alike from either: Cache-Control
for readers and for shared caches (RFC 9111 5.2.2, RFC 5861), the security
headers, the surrogate keys, the WebSub discovery links.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..site.config import Settings
from .surrogates import document_keys

Headers = list[tuple[str, str]]

# On every answer: no browser guesses a type (a story's upload sniffed as HTML), and
# pages may run only the site's own script.
SECURITY: Headers = [("X-Content-Type-Options", "nosniff")]
PAGE_POLICY = ("default-src 'self'; img-src * data:; media-src *; object-src 'none'; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
# Active media (SVG can hold script, PDF can hold JavaScript) may be shown, never run.
SANDBOX = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


ARCHIVE_MAX_AGE = 7 * 86400  # seconds readers may keep a full archive page


def cache_control(settings: Settings, archive: bool = False) -> str:
    """Return the Cache-Control of an answer (never ``Expires: 0``).

    ``max-age`` for readers; ``s-maxage`` for shared caches, which can keep a
    document longer when each publication purges what it changed; and RFC 5861's
    ``stale-while-revalidate`` and ``stale-if-error``, when set.

    A full archive page (RFC 5005; only full pages are documents) changes only
    when one of its own stories is edited or removed, so readers may keep it a
    week (``ARCHIVE_MAX_AGE``): one that walks the archive again meanwhile uses
    its copy. Shared caches keep the site's lifetime for it (``s-maxage``, set
    to ``cache_max_age`` when none is configured): a cache that is not purged
    then drops an edited or removed story as soon as from any feed.
    """
    max_age = max(settings.cache_max_age, ARCHIVE_MAX_AGE) if archive else settings.cache_max_age
    parts = ["public", f"max-age={max_age}"]
    if settings.cache_s_maxage is not None:
        parts.append(f"s-maxage={settings.cache_s_maxage}")
    elif archive:
        parts.append(f"s-maxage={settings.cache_max_age}")
    if settings.cache_stale_while_revalidate:
        parts.append(f"stale-while-revalidate={settings.cache_stale_while_revalidate}")
    if settings.cache_stale_if_error:
        parts.append(f"stale-if-error={settings.cache_stale_if_error}")
    return ", ".join(parts)


def key_headers(settings: Settings, deps: Iterable[str]) -> Headers:
    """Return the surrogate key header of an answer rendered from ``deps`` (none if unnamed)."""
    if not settings.surrogate_key_header:
        return []
    return [(settings.surrogate_key_header, " ".join(document_keys(deps)))]


def hub_links(settings: Settings, path: str) -> Headers:
    """Return WebSub discovery Link headers for a feed (WebSub 4: rel=hub and rel=self)."""
    if not settings.hubs:
        return []
    links = [f'<{hub}>; rel="hub"' for hub in settings.hubs]
    links.append(f'<{settings.url(path)}>; rel="self"')
    return [("Link", ", ".join(links))]
