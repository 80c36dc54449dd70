"""Groups of stories that have their own page and feeds: the site, a section, a tag, an author.

One table (``KINDS``) says what varies between kinds and one ``Group`` type owns its
kind, slug, name, title and base path (Pelican's ``URLWrapper``), so a new kind of
group touches this file only. Titles say what a feed is, in the same words in the
feeds, the pages and the OPML list, and no two feeds of a site share one: two
readers (rss2email, canto) refuse a subscription list with duplicate names.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from ..site.story import Story, slugify
from ..site.urlspace import GROUP_PREFIXES


@dataclass(frozen=True, slots=True)
class Kind:
    """What one kind of group is called and where its pages live."""

    name: str  # as in group keys: "section"
    prefix: str  # the URL folder its groups live under ("" for sections, at the top)
    plural: str  # the heading of its part of the OPML list and the docs
    describe: str  # the description of one group's feeds; {name} and {site} filled in


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("site", "", "", "The latest from {site}."),
    Kind("section", "", "Sections", "Stories in the {name} section of {site}."),
    Kind("tag", GROUP_PREFIXES["tag"], "Tags", "Stories tagged “{name}” from {site}."),
    Kind("author", GROUP_PREFIXES["author"], "Authors", "Stories by {name} from {site}."),
)}
NAMED_KINDS = tuple(k for k in KINDS if k != "site")


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
        if self.kind == "site":
            return "/"
        prefix = KINDS[self.kind].prefix
        return f"/{prefix}/{quote(self.slug)}/" if prefix else f"/{quote(self.slug)}/"

    def title(self, site_title: str) -> str:
        """Return the title of the group's feeds and page: unique in the site, saying what it is."""
        if self.kind == "site":
            return site_title
        return f"{site_title}: {self.name} ({self.kind})"

    def description(self, site_title: str, site_description: str) -> str:
        """Return the one sentence describing the group's feeds."""
        if self.kind == "site" and site_description:
            return site_description
        return KINDS[self.kind].describe.format(name=self.name, site=site_title)

    def label(self) -> str:
        """Return how a page's follow block names the group."""
        return "Everything" if self.kind == "site" else f"{self.name} ({self.kind})"

    @classmethod
    def from_key(cls, key: str, name: str = "") -> Group:
        kind, _, slug = key.partition(":")
        return cls(kind, slug, name)


SITE = Group("site", "", "")


def groups_of(story: Story) -> list[Group]:
    """Return every group a story is listed in, the site first, each spelled as the story does."""
    found = [SITE]
    if story.section:
        found.append(Group("section", slugify(story.section), story.section))
    found += [Group("tag", slugify(tag), tag) for tag in story.tags]
    found += [Group("author", slugify(author.name), author.name) for author in story.authors]
    unique: dict[str, Group] = {}
    for group in found:
        unique.setdefault(group.key, group)
    return list(unique.values())
