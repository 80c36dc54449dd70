"""Write ``/robots.txt`` (RFC 9309): the site's rules for crawlers, naming both sitemaps.

The site's own group lets every crawler read everything but ``/healthz`` (a status, no
page); ``robots`` in config.yaml adds groups after it, and a group of its own for ``*``
takes the place of the site's. The ``Sitemap`` lines (sitemaps.org, "Specifying the
Sitemap location in your robots.txt file") are absolute URLs, outside every group.
"""

from __future__ import annotations

from ..catalog.store import View
from ..site import urlspace as urls
from ..site.crawlers import RobotsGroup
from .document import Document

MEDIA_TYPE = "text/plain; charset=utf-8"
SITE_GROUP = RobotsGroup(("*",), allow=("/",), disallow=(urls.HEALTH,))


def render_robots(view: View) -> Document:
    """Render robots.txt from the settings."""
    settings = view.settings
    configured = list(settings.robots)
    groups = configured if any("*" in g.user_agents for g in configured) else [
        SITE_GROUP, *configured]
    lines = [f"# {settings.title}: rules for crawlers (RFC 9309)."]
    for group in groups:
        lines.append("")
        lines += [f"User-agent: {agent}" for agent in group.user_agents]
        lines += [f"Allow: {path}" for path in group.allow]
        lines += [f"Disallow: {path}" for path in group.disallow]
        if not group.allow and not group.disallow:
            lines.append("Disallow:")  # RFC 9309 2.2: a group has at least one rule
    lines.append("")
    lines += [f"Sitemap: {settings.url(path)}" for path in (urls.SITEMAP, urls.NEWS_SITEMAP)]
    return Document(("\n".join(lines) + "\n").encode("utf-8"), MEDIA_TYPE)
