"""The kinds of groups, in one table: a new kind is one row here and its template part.

A group is the site, a section, a tag or an author: each has a page, a feed in
every format and Atom archives (Pelican's ``URLWrapper``: a Tag, Category or
Author owns its slug, URL and save path). A ``Kind`` row says all that varies:
the story field that names a story's groups of the kind (and how many names and
how long), the URL folder its groups live under (which no story and no section
may take), its heading in the OPML list (the table's order is the list's), its
place in a story page's Follow block, and the template part that shows a story's
groups of the kind on pages. The rest follows from the rows: which fields a story
file may have (``storyfile``), the URL shapes (``urlspace``), the groups a story
is in (``catalog.groups``), pages and lists (``documents``).

The three kinds with names of their own keep them in ``Story``'s own fields
(``section``, ``tags``, ``authors``); any other keeps them in
``Story.extra_groups``, by kind, so a new kind needs no new field and no new
catalogue schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .story import Story


@dataclass(frozen=True, slots=True)
class Part:
    """How a page shows a story's groups of one kind: a template, in one of the two places
    a story is shown with its groups (``byline``: the line under its title, after its date;
    ``end``: below its summary or body), at a rank among the parts there."""

    template: str  # a file of feeds/templates/ (or ``source``'s name), shown with ``story``,
    # group_href(kind, name) (a group's page) and group_names(kind, story)
    slot: str  # "byline" or "end"
    rank: int
    source: str | None = None  # the template itself, for a kind added at run time


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of group: where a story names it, where its pages live, how pages show it."""

    name: str  # as in group keys ("tag:harbour") and feed titles ("Harbour (tag)")
    field: str | None  # the story file's field naming its groups; None for the site
    prefix: str  # the URL folder its groups live under ("" for sections: at the top)
    plural: str  # the heading of its part of the OPML list
    describe: str  # the description of one group's feeds; {name} and {site} filled in
    follow: int  # its groups' place in a story page's Follow block (after the site's)
    part: Part | None = None
    many: bool = True  # the field is a list of names (tags), or one name (section)
    most: int = 1  # names one story may give
    length: int = 100  # characters in one name
    example: str = ""  # the field's value in a message: "[politics, europe]"
    stored: Callable[[Story], tuple[str, ...]] | None = None  # a Story field of its own

    def names(self, story: Story) -> tuple[str, ...]:
        """Return the names of the story's groups of this kind, as the story spells them."""
        if self.stored is not None:
            return self.stored(story)
        return dict(story.extra_groups).get(self.name, ())


def _section(story: Story) -> tuple[str, ...]:
    return (story.section,) if story.section else ()


def _tags(story: Story) -> tuple[str, ...]:
    return story.tags


def _authors(story: Story) -> tuple[str, ...]:
    return tuple(author.name for author in story.authors)


SITE = Kind("site", None, "", "", "The latest from {site}.", 0)
KINDS: list[Kind] = [  # in the order of the OPML list
    SITE,
    Kind("section", "section", "", "Sections", "Stories in the {name} section of {site}.", 1,
         Part("_section.html", "byline", 2), many=False, stored=_section),
    Kind("tag", "tags", "tags", "Tags", "Stories tagged “{name}” from {site}.", 3,
         Part("_tag.html", "end", 1), most=100, example="[politics, europe]", stored=_tags),
    Kind("author", "author", "authors", "Authors", "Stories by {name} from {site}.", 2,
         Part("_author.html", "byline", 1), most=50, length=200, stored=_authors),
]


def kind(name: str) -> Kind:
    """Return the kind called ``name`` (a group key's first part)."""
    found = _BY_NAME.get(name)
    if found is None:  # (a table changed since: added())
        _BY_NAME.clear()
        _BY_NAME.update((k.name, k) for k in KINDS)
        found = _BY_NAME[name]
    return found


_BY_NAME: dict[str, Kind] = {}


def named() -> list[Kind]:
    """Return the kinds whose groups have names (every kind but the site)."""
    return [k for k in KINDS if k is not SITE]


def parts(slot: str) -> list[Part]:
    """Return the template parts shown in ``slot``, in their order."""
    return sorted((k.part for k in KINDS if k.part is not None and k.part.slot == slot),
                  key=lambda part: part.rank)


@contextmanager
def added(new: Kind) -> Iterator[Kind]:
    """Add a kind to the table for the duration of a block (a test's own kind)."""
    taken = {k.name for k in KINDS} | {k.field for k in KINDS} | {k.prefix for k in KINDS}
    if {new.name, new.field, new.prefix} & taken or new.stored is not None:
        raise ValueError(f"{new.name}: a new kind needs its own name, field and URL folder, "
                         "and keeps its names in Story.extra_groups.")
    KINDS.append(new)
    try:
        yield new
    finally:
        KINDS.remove(new)
        _BY_NAME.clear()
