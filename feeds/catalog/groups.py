"""The groups of stories that have their own page and feeds: the site, a section, a tag, an author.

One ``Group`` type owns its kind, slug, name, title and base path (Pelican's
``URLWrapper``); what varies between kinds is a row of ``site.kinds``. Titles
say what a feed is, in the same words in the feeds, the pages and the OPML list,
and no two feeds of a site share one: two readers (rss2email, canto) refuse a
subscription list with duplicate names.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..site import urlspace
from ..site.kinds import KINDS, kind
from ..site.story import Story, slugify


@dataclass(frozen=True, slots=True)
class Group:
    """One group: its kind, its URL slug and the name its stories spell it with."""

    kind: str
    slug: str
    name: str = ""

    @property
    def key(self) -> str:
        """Return the group's key in the catalogue: ``site:``, ``section:world``, ``tag:x``."""
        return f"{self.kind}:{self.slug}"

    @property
    def base_path(self) -> str:
        """Return the path of the group's page: ``/``, ``/world/``, ``/tags/<slug>/``..."""
        return urlspace.base(self.kind, self.slug)

    def title(self, site_title: str) -> str:
        """Return the title of the group's feeds and page: unique in the site, saying what it is."""
        if self.kind == "site":
            return site_title
        return f"{site_title}: {self.name} ({self.kind})"

    def description(self, site_title: str, site_description: str) -> str:
        """Return the one sentence describing the group's feeds."""
        if self.kind == "site" and site_description:
            return site_description
        return kind(self.kind).describe.format(name=self.name, site=site_title)

    def label(self) -> str:
        """Return how a page's follow block names the group."""
        return "Everything" if self.kind == "site" else f"{self.name} ({self.kind})"

    @classmethod
    def from_key(cls, key: str, name: str = "") -> Group:
        kind, _, slug = key.partition(":")
        return cls(kind, slug, name)


SITE = Group("site", "", "")


def groups_of(story: Story) -> list[Group]:
    """Return every group a story is listed in, the site first, then by kind in the table's
    order, each spelled as the story does."""
    found = [SITE]
    for each in KINDS[1:]:
        found += [Group(each.name, slugify(name), name) for name in each.names(story)]
    unique: dict[str, Group] = {}
    for group in found:
        unique.setdefault(group.key, group)
    return list(unique.values())
