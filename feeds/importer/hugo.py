"""Read a Hugo site folder: its posts, with the ids Hugo's RSS gave them.

Hugo's built-in RSS template gives each item ``<guid>{{ .Permalink }}</guid>``, the
page's absolute URL, so the id depends on the site's ``baseURL`` (from its config, or
``--old-base-url``) and on Hugo's permalink rules, followed here as Hugo 0.111 does
(``resources/page/permalinks.go``, ``helpers/path.go``): ``url`` in the front matter
wins; else the section's pattern under ``[permalinks]`` (``:year``, ``:month``,
``:day``, ``:title``, ``:slug``, ``:filename``, ``:section``...); else the file's path
under ``content/``, its last part replaced by ``slug``, a page bundle
(``post/index.md``) named by its folder. Paths are sanitised as Hugo's ``MakePath``
does (lower-cased unless ``disablePathToLower``) and ``uglyURLs`` ends them in
``.html``.

Every regular page becomes a story (Hugo's home feed holds them all): list pages
(``_index.md``), headless bundles and expired pages are counted and left out; drafts
stay drafts. The folder under ``content/`` is the section; ``categories`` and
``tags`` become tags. ``aliases`` and the page's old address answer 301. Shortcodes
Hugo ships that say something a feed can (``figure``, ``youtube``, ``vimeo``,
``gist``, ``tweet``, ``instagram``, ``ref``/``relref``, ``highlight``) are turned into
Markdown; any other is left as it is and reported with its file and line.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml

from ..site.config import SafeLoader
from .fetch import FetchError
from .items import Item, SourceReport
from .reading import Reading
from .staticsite import (
    MARKDOWN,
    Page,
    SiteError,
    aware,
    local_targets,
    media_reference,
    read_page,
    text,
    walk,
    when,
    words,
)

CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml",
           "config.yml", "config.json")
_SHORTCODE = re.compile(r"\{\{([<%])\s*(/?)\s*([\w./-]+)(.*?)\s*[>%]\}\}", re.DOTALL)
_ARGUMENT = re.compile(r"""(?:([\w-]+)\s*=\s*)?(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`|(\S+))""")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def is_hugo(folder: Path) -> bool:
    return _config_file(folder) is not None and (folder / "content").is_dir()


def _config_file(folder: Path) -> Path | None:
    for place in (folder, folder / "config" / "_default"):
        for name in CONFIGS:
            if (place / name).is_file():
                return place / name
    return None


def _config(folder: Path) -> dict[str, Any]:
    path = _config_file(folder)
    assert path is not None
    try:
        raw = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            data: Any = tomllib.loads(raw)
        elif path.suffix == ".json":
            data = json.loads(raw)
        else:
            data = yaml.load(raw, Loader=SafeLoader)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, yaml.YAMLError,
            tomllib.TOMLDecodeError) as exc:
        raise FetchError(f"{path}: Hugo's config cannot be read ({str(exc)[:100]}): fix it, "
                         "or give the old address with --old-base-url.") from None
    return {str(k).lower(): v for k, v in data.items()} if isinstance(data, dict) else {}


class _Site:
    """What Hugo's config says that decides permalinks and feeds."""

    def __init__(self, folder: Path, reading: Reading):
        config = _config(folder)
        self.folder = folder
        self.base = (reading.old_base_url or text(config.get("baseurl"))).rstrip("/")
        if not self.base.startswith(("http://", "https://")):
            raise FetchError(f"{folder}: Hugo's config has no baseURL, which is in every id "
                             "its feeds gave: give the old address with --old-base-url.")
        self.content = folder / (text(config.get("contentdir")) or "content")
        self.static = folder / (text(config.get("staticdir")) or "static")
        self.ugly = config.get("uglyurls") is True
        self.lower = config.get("disablepathtolower") is not True
        found = config.get("permalinks")
        permalinks: dict[str, Any] = found if isinstance(found, dict) else {}
        found = permalinks.get("page")
        page: dict[str, Any] = found if isinstance(found, dict) else {}
        self.permalinks = {str(k): str(v) for k, v in {**permalinks, **page}.items()
                           if isinstance(v, str)}

    def urlize(self, value: str) -> str:
        """Hugo's ``MakePathSanitized``: keep letters, digits, marks and ``._-/#+~@``; a run
        of spaces or hyphens before more of them is one hyphen; lower-cased."""
        out: list[str] = []
        hyphen = False
        for char in value:
            kind = unicodedata.category(char)
            if char in "./\\_#+~-@%" or kind[0] in ("L", "N", "M"):
                if hyphen:
                    out.append("-")
                    hyphen = False
                out.append(char)
            elif out and (char == "-" or char.isspace()):
                hyphen = True
        found = "".join(out)
        return found.lower() if self.lower else found

    def permalink(self, page: Page) -> str:
        """The page's absolute URL, as Hugo's ``.Permalink`` gives it."""
        return self.base + quote(self.path(page), safe="/%#+~@-._")

    def path(self, page: Page) -> str:
        url = text(page.data.get("url"))
        if url:
            return "/" + url.lstrip("/")
        parts = page.relative.split("/")
        bundle = parts[-1].rsplit(".", 1)[0] == "index"
        folders = parts[:-2] if bundle else parts[:-1]
        name = parts[-2] if bundle else parts[-1].rsplit(".", 1)[0]
        section = folders[0] if folders else ""
        slug = text(page.data.get("slug"))
        pattern = self.permalinks.get(section) if section else None
        if pattern:
            path = self._expand(pattern, page, section, folders, name, slug)
        else:
            path = "/" + "/".join(self.urlize(f) for f in [*folders, slug or name]) + "/"
        if self.ugly and path.endswith("/") and path != "/":
            path = path.rstrip("/") + ".html"
        return re.sub(r"/{2,}", "/", path)

    def _expand(self, pattern: str, page: Page, section: str, folders: list[str], name: str,
                slug: str) -> str:
        date = _date(page) or when("2000-01-01")
        assert date is not None
        title = self.urlize(text(page.data.get("title")))
        values = {
            "year": f"{date.year:04d}", "month": f"{date.month:02d}", "day": f"{date.day:02d}",
            "monthname": _MONTHS[date.month - 1], "weekday": str((date.weekday() + 1) % 7),
            "weekdayname": _DAYS[date.weekday()], "yearday": str(date.timetuple().tm_yday),
            "section": self.urlize(section), "sections": "/".join(map(self.urlize, folders)),
            "title": title, "slug": self.urlize(slug) or title, "filename": self.urlize(name),
            "contentbasename": self.urlize(name),
            "slugorfilename": self.urlize(slug) or self.urlize(name),
            "slugorcontentbasename": self.urlize(slug) or self.urlize(name),
        }
        return re.sub(r":([a-z]+)", lambda m: values.get(m.group(1), m.group(0)), pattern)


def _date(page: Page) -> Any:
    for key in ("date", "publishdate", "pubdate", "published", "lastmod"):
        found = when(_get(page.data, key))
        if found is not None:
            return found
    return None


def _get(data: dict[str, Any], key: str) -> Any:
    """A front matter value, by Hugo's case-insensitive key."""
    return next((v for k, v in data.items() if str(k).lower() == key), None)


def read(folder: Path, reading: Reading) -> SourceReport:
    """Read a Hugo site's regular pages into the spool."""
    site = _Site(folder, reading)
    report = reading.start("Hugo site", format="rss", feed_url=site.base + "/index.xml")
    base_path = urlsplit(site.base).path.rstrip("/")
    report.old_feeds = {"section": base_path + "/{slug}/index.xml",
                        "tag": base_path + "/tags/{slug}/index.xml",
                        "category": base_path + "/categories/{slug}/index.xml"}
    found = walk(folder, site.content)
    if found.outside:
        report.leave_out("symlink out of the site", found.outside)
    pages: list[Page] = []
    for relative, path in found.files:
        name = relative.rsplit("/", 1)[-1]
        if not name.lower().endswith((*MARKDOWN, ".html", ".htm")):
            continue  # (a bundle's image, a data file: copied when a post uses it)
        if name.startswith("_index."):
            report.leave_out("list page")
            continue
        try:
            pages.append(read_page(path, relative))
        except SiteError as error:
            reading.skip(f"{path}:{error.line}", f"{error}: left out")
    permalinks = {page.relative: site.permalink(page) for page in pages}
    groups: dict[tuple[str, str], str] = {}
    for page in pages:
        item = _item(page, site, permalinks, reading, report, groups)
        if item is not None:
            reading.add(item)
    report.groups = [(kind, slug, name) for (kind, slug), name in groups.items()]
    report.items = reading.spool.count
    return report


def _item(page: Page, site: _Site, permalinks: dict[str, str], reading: Reading,
          report: SourceReport, groups: dict[tuple[str, str], str]) -> Item | None:
    data = {str(k).lower(): v for k, v in page.data.items()}
    build = data.get("_build") or data.get("build")
    if data.get("headless") is True or (isinstance(build, dict) and build.get("render") in (
            "never", False)):
        report.leave_out("headless page")
        return None
    expiry = when(data.get("expirydate"))
    published = _date(page)
    if expiry is not None and published is not None and aware(expiry) <= aware(published):
        report.leave_out("expired page")
        return None
    position = str(page.path)
    parts = page.relative.split("/")
    section = parts[0] if len(parts) > 1 and not (len(parts) == 2 and parts[1].startswith(
        "index.")) else ""
    warnings: list[str] = []
    body = _shortcodes(page, site, permalinks, reading)
    media = _media(page, site, body, data)
    categories, tags = words(data.get("categories")), words(data.get("tags"))
    if section:
        groups[("section", site.urlize(section))] = section
    for name in tags:
        groups[("tag", site.urlize(name))] = name
    for name in categories:
        groups[("category", site.urlize(name))] = name
    permalink = permalinks[page.relative]
    image = _image(data)
    return Item(
        position=position, id=permalink, link=permalink, title=text(data.get("title")),
        date=published, updated=when(data.get("lastmod")),
        authors=[{"name": a} for a in words(data.get("author") or data.get("authors"))],
        categories=[section] if section else [], tags=categories + tags,
        summary=text(data.get("summary")) or text(data.get("description")) or None,
        html=body if page.html else "", markdown=None if page.html else body,
        image=(image, text(data.get("imagealt"))) if image else None,
        draft=data.get("draft") is True, warnings=warnings,
        slug=text(data.get("slug")) or (parts[-2] if parts[-1].startswith("index.")
                                        and len(parts) > 1 else None),
        aliases=words(data.get("aliases")), media=media)


def _image(data: dict[str, Any]) -> str:
    images = data.get("images")
    cover = data.get("cover")
    candidates = [images[0] if isinstance(images, list) and images else images,
                  data.get("image"), data.get("featured_image"), data.get("featuredimage"),
                  cover.get("image") if isinstance(cover, dict) else None]
    return next((text(c) for c in candidates if text(c)), "")


def _media(page: Page, site: _Site, body: str, data: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for reference in [*local_targets(body), _image(data)]:
        path = media_reference(site.folder, page.path.parent, site.static, reference)
        if path is not None:
            found[reference] = str(path)
    return found


def _arguments(raw: str) -> tuple[list[str], dict[str, str]]:
    positional, named = [], {}
    for match in _ARGUMENT.finditer(raw):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        if match.group(1):
            named[match.group(1).lower()] = value
        else:
            positional.append(value)
    return positional, named


def _shortcodes(page: Page, site: _Site, permalinks: dict[str, str],
                reading: Reading) -> str:
    """Turn the shortcodes a feed can carry into Markdown; report the others with their line."""
    body = page.body.replace("{{</*", "{{<").replace("*/>}}", ">}}")  # shown, not run
    body = re.sub(r"\{\{<\s*highlight\s+(\w*)[^>]*>\}\}\n?(.*?)\{\{<\s*/highlight\s*>\}\}",
                  lambda m: f"```{m.group(1)}\n{m.group(2).rstrip()}\n```", body,
                  flags=re.DOTALL)
    def convert(match: re.Match[str]) -> str:
        name = match.group(3).lower()
        positional, named = _arguments(match.group(4))
        first = positional[0] if positional else ""
        if match.group(2):
            return match.group(0)  # (the end of one reported at its start)
        if name == "figure" and named.get("src"):
            caption = named.get("caption") or named.get("title") or ""
            image = f'<img src="{named["src"]}" alt="{named.get("alt") or caption}">'
            return (f"<figure>{image}<figcaption>{caption}</figcaption></figure>" if caption
                    else image)
        links = {"youtube": f"https://www.youtube.com/watch?v={named.get('id') or first}",
                 "vimeo": f"https://vimeo.com/{named.get('id') or first}",
                 "instagram": f"https://www.instagram.com/p/{named.get('id') or first}/",
                 "gist": "https://gist.github.com/" + "/".join(positional[:2]),
                 "tweet": f"https://twitter.com/{named.get('user') or 'i'}/status/"
                          f"{named.get('id') or first}"}
        if name in links and (first or named.get("id")):
            return f"<{links[name]}>"
        if name in ("ref", "relref") and first:
            target = first.partition("#")
            wanted = target[0].lstrip("/").removeprefix("content/")
            found = next((url for relative, url in permalinks.items()
                          if relative == wanted or relative.rsplit(".", 1)[0] == wanted
                          or relative.rsplit("/", 1)[-1] == wanted), None)
            if found is not None:
                return urlsplit(found).path + (f"#{target[2]}" if target[2] else "")
        line = page.body_line + body.count("\n", 0, match.start())
        reading.warn(f"{page.path}:{line}", f"{match.group(0)[:80]} is a shortcode feeds "
                                            "cannot run: left as text")
        return match.group(0)

    return _SHORTCODE.sub(convert, body)
