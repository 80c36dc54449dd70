"""Write one imported item as a story file in the site's own format.

What readers know the item by is kept: its id (a reader that moves its
subscription sees no new item), its title and dates; its old address becomes an
alias (answered 301). The file is checked by the same reader as every story
before anything is written, so an import never leaves a file the site refuses.
"""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from bs4 import BeautifulSoup, Tag

from ..site.config import Settings, old_address, parse_author
from ..site.ids import is_story_id
from ..site.markup import shorten
from ..site.story import slugify
from ..site.text import clean_line, is_web_url
from ..site.urlspace import claim_problem, reserved_folders, story_claim
from .convert import plain_text, to_markdown
from .feedsource import derived_item_id
from .items import Item

MEDIA_TYPE = "application/octet-stream"  # an enclosure whose source named no type


@dataclass(frozen=True, slots=True)
class Draft:
    """A story file to write: where (``folder/name.md`` under content/), its id and text."""

    folder: str
    name: str
    id: str
    text: str

    @property
    def relative(self) -> str:
        return f"{self.folder}/{self.name}.md" if self.folder else f"{self.name}.md"


def draft_story(item: Item, settings: Settings, section: str | None, now: datetime) -> Draft:
    """Turn an item into the story file it becomes (its name not yet made unique)."""
    story_id = _story_id(item)
    others = item.categories + item.tags  # with --section, every category is a tag
    if section is None and item.categories:
        section, others = item.categories[0], item.categories[1:] + item.tags  # the primary
        if slugify(section) in reserved_folders():
            item.warnings.append(f"its category {clean_line(section)[:100]!r} names one of the "
                                 "site's own URL folders, so it is a tag, not the section")
            section, others = None, item.categories + item.tags
    section = clean_line(section) if section else None
    tags = [t for t in dict.fromkeys(clean_line(t) for t in others) if t]
    if item.markdown is not None:
        body, image = item.markdown, item.image  # (Hugo, Jekyll: Markdown stays Markdown)
    else:
        html, image = _lead_image(item.html, item.image)
        body = to_markdown(html, item.link or settings.base_url)
    fields: dict[str, Any] = {"title": _title(item, body)}
    fields["id"] = story_id
    fields["date"] = (item.date or now).isoformat()
    if item.updated and item.date and item.updated > item.date:
        fields["updated"] = item.updated.isoformat()
    authors = [_author(a, item) for a in item.authors]
    if authors:
        fields["author"] = authors[0] if len(authors) == 1 else authors
    if section:
        fields["section"] = section
    if tags:
        fields["tags"] = tags[:100]
    if item.summary and clean_line(item.summary):
        fields["summary"] = shorten(clean_line(item.summary), 5000)
    if image is not None:
        fields["image"] = {"url": image[0], "alt": image[1]} if image[1] else image[0]
    enclosures = [_enclosure(e.url, e.type, e.length) for e in item.enclosures
                  if is_web_url(e.url)][:20]
    if enclosures:
        fields["enclosures"] = enclosures
    if item.draft:
        fields["draft"] = True
    folder = slugify(section) if section else ""
    name = file_name(item)
    new = f"/{folder}/{name}/" if folder else f"/{name}/"
    aliases = [a for a in dict.fromkeys(([item.link] if item.link else []) + item.aliases)
               if _is_alias(a, new)]
    for alias in [a for a in aliases if _claims_reserved(old_address(a))]:
        item.warnings.append(f"its old address {old_address(alias)[:200]} is one the site "
                             "answers itself: it is not kept as an alias")
        aliases.remove(alias)
    if aliases:
        fields["aliases"] = aliases[:50]
    front = yaml.dump(_FrontMatter(fields), Dumper=_Dumper, sort_keys=False,
                      allow_unicode=True, width=1 << 20)
    return Draft(folder, name, story_id, f"---\n{front}---\n\n{body}")


class _FrontMatter(dict):
    """The front matter's own mapping: one ``key: value`` line per field."""


class _Dumper(yaml.SafeDumper):
    """Front matter as people write it: a line per field, lists and mappings inside one."""


_Dumper.add_representer(_FrontMatter, lambda dumper, data: dumper.represent_mapping(
    "tag:yaml.org,2002:map", data.items(), flow_style=False))
_Dumper.add_representer(dict, lambda dumper, data: dumper.represent_mapping(
    "tag:yaml.org,2002:map", data.items(), flow_style=True))
_Dumper.add_representer(list, lambda dumper, data: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", data, flow_style=all(not isinstance(v, dict) for v in data)))


def _is_alias(link: str | None, path: str) -> bool:
    """Tell whether an item's old address (a URL, or a path) should answer 301 here: a page
    of its own (not the home page with a query, such as WordPress' ``/?p=12``) that is not
    the new one."""
    if not link or not (is_web_url(link) or link.startswith("/")) or len(link) > 2000:
        return False
    old = old_address(link)
    return old != "/" and old != old_address(path)


def draft_id(item: Item) -> str:
    """The id an item's story gets: its own when it is a URI, else one made from it."""
    raw = (item.id or item.link or "").strip()
    if not raw:
        return derived_item_id(item)
    if is_story_id(raw) and len(raw) <= 500:
        return raw  # (a URI, or a word as Ghost's RSS gives: RSS and JSON Feed carry it)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'feeds-import-id:' + raw)}"


def _story_id(item: Item) -> str:
    found = draft_id(item)
    raw = (item.id or item.link or "").strip()
    if not raw:
        item.warnings.append("it has no id and no link: it was given an id from its title "
                             "and date, which readers have not seen before")
    elif found != raw:
        item.warnings.append("its id cannot be a story's id (spaces, or too long): it was "
                             "given one made from it; readers that knew the old one may show "
                             "it again")
    return found


def _title(item: Item, body: str) -> str:
    title = clean_line(item.title)[:500]
    if title:
        return title
    item.warnings.append("it has no title: its first words stand in for one")
    words = plain_text(body) if body else ""
    return shorten(words, 80) or "Untitled"


def _author(value: dict[str, str], item: Item) -> Any:
    try:
        author = parse_author({k: v for k, v in value.items() if k in ("name", "email", "uri")})
    except ValueError:
        item.warnings.append("an author's e-mail or address is not valid: only the name is kept")
        author = parse_author(value.get("name", ""))
    if author.email is None and author.uri is None:
        return author.name
    return {k: v for k, v in (("name", author.name), ("email", author.email),
                              ("uri", author.uri)) if v}


def _enclosure(url: str, media_type: str, length: int) -> dict[str, Any]:
    media_type = media_type.strip().lower() or (mimetypes.guess_type(url)[0] or MEDIA_TYPE)
    if "/" not in media_type or len(media_type) > 127:
        media_type = MEDIA_TYPE
    return {"url": url, "type": media_type, "length": max(0, length)}


def _lead_image(html: str, image: tuple[str, str] | None) -> tuple[str, tuple[str, str] | None]:
    """Take the lead image out of the content when the content starts with it (feeds, this
    one among them, show it there too), keeping its alt text."""
    if image is None or not is_web_url(image[0]) or "<img" not in html:
        return html, image if image is None or is_web_url(image[0]) else None
    soup = BeautifulSoup(html, "html.parser")
    first = soup.find(True)
    if not isinstance(first, Tag):
        return html, image
    found = first if first.name == "img" else (
        first.find("img") if first.name in ("figure", "p") else None)
    if not isinstance(found, Tag) or found.get("src") != image[0]:
        return html, image
    alt = image[1] or clean_line(str(found.get("alt", "")))
    # The figure or paragraph that only holds the image (and its caption) goes with it.
    (first if first is not found and len(first.find_all(True)) <= 3 else found).decompose()
    return str(soup), (image[0], alt)


def file_name(item: Item) -> str:
    """The name the old site gave the item (its slug, or the last part of its old address),
    else its title's slug."""
    if item.slug and slugify(item.slug):
        return slugify(item.slug)
    if item.link and is_web_url(item.link):
        parts = [p for p in unquote(urlsplit(item.link).path).split("/") if p]
        if parts:
            last = parts[-1].rsplit(".", 1)[0] if "." in parts[-1] else parts[-1]
            if last and last not in ("index", "feed", "archive", "page") and not last.isdigit():
                return slugify(last)
    return slugify(item.title or "untitled") if (item.title or "").strip() else \
        f"item-{uuid.uuid5(uuid.NAMESPACE_URL, item.id or item.position).hex[:12]}"


def stamp() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _claims_reserved(address: str) -> bool:
    """Tell whether an old address (``/healthz``, in ``old_address`` form) is one of the
    site's own URLs, which no alias may take (the story reader's own rule)."""
    return story_claim(address.strip("/")) is not None


def story_file(folder: str, name: str, taken: set[str]) -> str:
    """Return the file (``folder/name.md`` under content/) an imported story is written as:
    a name no other file has (case aside) and whose page claims no path of the site's own
    (``healthz`` becomes ``healthz-2``). ``taken`` gets the name."""
    number = 2 if not folder and name.isdigit() else 1
    while True:
        stem = f"{name}-{number}" if number > 1 else name
        relative = f"{folder}/{stem}.md" if folder else f"{stem}.md"
        if relative.casefold() not in taken and claim_problem(relative[:-3]) is None:
            taken.add(relative.casefold())
            return relative
        number += 1
