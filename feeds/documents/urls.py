"""Build every URL path the site serves; ``routes`` parses them back, with the same shapes.

A group (the site, a section, a tag, an author) lives at its base path
(``Group.base_path``); its listing pages, its feeds and its Atom archives hang
below it::

    /                  /world/                /tags/<slug>/        /authors/<slug>/
    /page/2/           /world/page/2/         ...
    /rss.xml /atom.xml /feed.json             (the same names under each base)
    /archive/1.xml     /world/archive/1.xml   ...
"""

from __future__ import annotations

from urllib.parse import quote

from ..catalog.groups import Group
from ..site.urlspace import (  # noqa: F401 - the site's own paths, built here too
    HEALTH,
    OPML,
    SUBSCRIBE_OPML,
)


def page(group: Group, number: int) -> str:
    """Return the path of a listing page (page 1 is the group's own page)."""
    return group.base_path if number <= 1 else f"{group.base_path}page/{number}/"


def feed(group: Group, file: str) -> str:
    """Return the path of a group's subscription feed in the format saved as ``file``."""
    return group.base_path + file


def archive(group: Group, number: int) -> str:
    """Return the path of an archive page of a group's Atom feed (RFC 5005)."""
    return f"{group.base_path}archive/{number}.xml"


def story(path: str) -> str:
    """Return the permalink path of a story (``path`` is its path under content/, no suffix)."""
    return "/" + quote(path) + "/"
