"""Which old feed addresses should answer 301 with which new feed, after an import.

A reader subscribed to the old site's feed keeps polling its address; when the
old site's host now points at this server, a ``redirects`` entry sends it on to
the feed that now holds the same items (same ids: nothing shows up twice).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..catalog.groups import SITE, Group
from ..site import formats
from ..site import urlspace as urls
from ..site.story import slugify
from .items import SourceReport

# What a group of the old site can become here: a category a section (if a story has it
# as its section) or a tag; a tag a tag; an author an author.
_KINDS = {"category": ("section", "tag"), "tag": ("tag",), "author": ("author",),
          "section": ("section",)}


def wanted_redirects(reports: list[SourceReport], section: str | None,
                     groups: set[str]) -> dict[str, str]:
    """Return old feed path -> new feed path for what was imported (``groups``: the keys of
    the groups the imported stories are in; a redirect only points at a feed that exists).

    Each report names its old site's feed (``feed_url``) and the paths of its groups'
    feeds (``old_feeds``: WordPress' ``/category/{slug}/feed/``, Ghost's
    ``/tag/{slug}/rss/``, Hugo's ``/tags/{slug}/index.xml``...)."""
    wanted: dict[str, str] = {}
    home = Group("section", slugify(section), section) if section else SITE
    for report in reports:
        file = formats.by_name(report.format) or formats.RSS
        if report.feed_url and home.key in groups | {SITE.key}:
            wanted[_path(report.feed_url)] = urls.feed(home, file)
        for kind, slug, name in report.groups:
            target = _group_for(kind, name, groups)
            pattern = report.old_feeds.get(kind)
            if target is not None and slug and pattern:
                wanted[pattern.format(slug=slug)] = urls.feed(target, file)
    return {old: new for old, new in wanted.items()
            if old.rstrip("/") and old.rstrip("/") != new.rstrip("/")}


def _group_for(kind: str, name: str, groups: set[str]) -> Group | None:
    """The group an old site's category, tag or author became here, if any story is in it."""
    slug = slugify(name)
    return next((Group(k, slug, name) for k in _KINDS.get(kind, ()) if f"{k}:{slug}" in groups),
                None)


def _path(url: str) -> str:
    return urlsplit(url).path or "/"
