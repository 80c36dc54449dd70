"""Read a Jekyll site folder: its posts and drafts, with the ids jekyll-feed gave them.

jekyll-feed, the feed of ``jekyll new`` sites and GitHub Pages, writes each entry's
``<id>`` as ``{{ post.id | absolute_url }}`` (``lib/jekyll-feed/feed.xml``): the
site's ``url`` and ``baseurl`` before the post's ``id``, which Jekyll's ``Document#id``
makes from the post's URL: its folder, then the post's ``slug`` (``/2024/01/05/hello``
for ``/2024/01/05/hello.html``). The URL follows Jekyll 4's rules (``url.rb``,
``drops/url_drop.rb``): the front matter's ``permalink``, else the config's (a style:
``date``, ``pretty``, ``ordinal``, ``weekdate``, ``none``; or a template), ``date`` by
default: ``/:categories/:year/:month/:day/:title:output_ext``. The site's address
comes from ``_config.yml`` (``url``, ``baseurl``) or ``--old-base-url``.

Posts are ``_posts/YYYY-MM-DD-title.md`` (and ``<category>/_posts/``: the folders
before ``_posts`` are categories); ``_drafts/`` become drafts; a post with
``published: false`` too. The first category is the section, the rest and ``tags``
become tags. ``redirect_from`` (jekyll-redirect-from) and the old address answer
301. Liquid that says something a feed can (``highlight``, ``raw``, ``post_url``,
``link``, ``site.url``, ``site.baseurl``) is turned into Markdown; any other tag or
variable is left as it is and reported with its file and line.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ..site.config import SafeLoader
from . import staticsite as files
from .fetch import FetchError
from .items import Item, SourceReport
from .reading import Reading

STYLES = {"date": "/:categories/:year/:month/:day/:title:output_ext",
          "pretty": "/:categories/:year/:month/:day/:title/",
          "ordinal": "/:categories/:year/:y_day/:title:output_ext",
          "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
          "none": "/:categories/:title:output_ext"}
_DATED = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-(.*)(\.[^.]+)$")
_LIQUID = re.compile(r"\{%-?\s*(\w+)(.*?)-?%\}|\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)


def is_jekyll(folder: Path) -> bool:
    return (folder / "_config.yml").is_file() or (folder / "_config.yaml").is_file() \
        or (folder / "_posts").is_dir()


class _Site:
    def __init__(self, folder: Path, reading: Reading):
        config: Any = {}
        for name in ("_config.yml", "_config.yaml"):
            path = folder / name
            if path.is_file():
                try:
                    config = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
                except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
                    raise FetchError(f"{path}: Jekyll's config cannot be read ({str(exc)[:100]})"
                                     ": fix it, or give --old-base-url.") from None
                break
        config = config if isinstance(config, dict) else {}
        self.folder = folder
        baseurl = files.text(config.get("baseurl")).strip("/")
        baseurl = f"/{baseurl}" if baseurl else ""
        self.base = (reading.old_base_url or "").rstrip("/") or (
            files.text(config.get("url")).rstrip("/") + baseurl)
        if not self.base.startswith(("http://", "https://")):
            raise FetchError(f"{folder}: _config.yml has no url, which is in every id "
                             "jekyll-feed gave: give the old address with --old-base-url.")
        permalink = files.text(config.get("permalink")) or "date"
        self.permalink = STYLES.get(permalink, permalink)
        feed = config.get("feed") if isinstance(config.get("feed"), dict) else {}
        self.feed = "/" + (files.text(feed.get("path")) or "feed.xml").lstrip("/")
        try:
            self.zone: Any = ZoneInfo(files.text(config.get("timezone"))) if files.text(
                config.get("timezone")) else None
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = None

    def url(self, page: files.Page, date: datetime, slug: str, categories: list[str]) -> str:
        """The post's URL path, as Jekyll's ``URL#to_s`` makes it."""
        own = files.text(page.data.get("permalink"))
        template = own or self.permalink
        ext = ".html" if page.path.suffix.lower() in (*files.MARKDOWN, ".html", ".htm") else \
            page.path.suffix
        values = {
            "year": f"{date.year:04d}", "month": f"{date.month:02d}", "day": f"{date.day:02d}",
            "i_month": str(date.month), "i_day": str(date.day), "short_year": f"{date:%y}",
            "hour": f"{date:%H}", "minute": f"{date:%M}", "second": f"{date:%S}",
            "y_day": f"{date.timetuple().tm_yday:03d}", "short_month": f"{date:%b}",
            "long_month": f"{date:%B}", "short_day": f"{date:%a}", "long_day": f"{date:%A}",
            "week": f"{date.isocalendar()[1]:02d}", "title": _slugify(slug, cased=True),
            "slug": _slugify(slug), "name": _slugify(page.path.stem),
            "categories": "/".join(dict.fromkeys(c.lower() for c in categories)),
            "output_ext": ext, "path": page.relative.rsplit(".", 1)[0],
        }
        path = re.sub(r":([a-z_]+)", lambda m: values.get(m.group(1), m.group(0)), template)
        path = re.sub(r"/{2,}", "/", "/" + path.lstrip("/"))
        return quote(path, safe="/%#+~@-._:!$&'()*,;=")


def _slugify(value: str, cased: bool = False) -> str:
    """Jekyll's ``Utils.slugify`` in its default mode: runs of what is not a letter or a
    digit become one hyphen (mode ``pretty`` for ``:title`` keeps ``._~!$&'()+,;=@``)."""
    found = re.sub(r"[^\w]+", "-", value, flags=re.UNICODE).strip("-").replace("_", "-") \
        if not cased else re.sub(r"[^\w._~!$&'()+,;=@]+", "-", value).strip("-")
    return found if cased else found.lower()


def read(folder: Path, reading: Reading) -> SourceReport:
    """Read a Jekyll site's posts and drafts into the spool."""
    site = _Site(folder, reading)
    report = reading.start("Jekyll site", format="atom", feed_url=site.base + site.feed)
    found = files.walk(folder, folder)
    if found.outside:
        report.leave_out("symlink out of the site", found.outside)
    pages: list[tuple[files.Page, list[str], bool]] = []
    for relative, path in found.files:
        parts = relative.split("/")
        special = next((i for i, p in enumerate(parts[:-1]) if p in ("_posts", "_drafts")),
                       None)
        if special is None or any(p.startswith("_") for p in parts[:special]) or not \
                parts[-1].lower().endswith((*files.MARKDOWN, ".html", ".htm")):
            continue
        try:
            page = files.read_page(path, relative)
        except files.SiteError as error:
            reading.skip(f"{path}:{error.line}", f"{error}: left out")
            continue
        pages.append((page, parts[:special], parts[special] == "_drafts"))
    urls: dict[str, str] = {}
    posts = []
    for page, folders, draft in pages:
        post = _post(page, folders, draft, site, reading)
        if post is not None:
            urls[Path(page.relative).stem] = post[1]
            posts.append((page, *post))
    for page, item, _ in posts:
        item.markdown = _liquid(page, item.markdown or "", site, urls, reading)
        item.media = _media(page, site, item)
        reading.add(item)
    report.items = reading.spool.count
    return report


def _post(page: files.Page, folders: list[str], draft: bool, site: _Site,
          reading: Reading) -> tuple[Item, str] | None:
    data = page.data
    name = page.path.name
    dated = _DATED.match(name)
    slug = files.text(data.get("slug")) or (dated.group(2) if dated else page.path.stem).rstrip(".")
    date = files.when(data.get("date"), site.zone) or (files.when(dated.group(1), site.zone)
                                                  if dated else None)
    if date is None:
        reading.skip(str(page.path), "it has no date (in its name or its front matter): left "
                                     "out, as Jekyll leaves it out of its feed")
        return None
    if site.zone is not None and date.tzinfo is not None:
        date = date.astimezone(site.zone)  # (Jekyll's URL uses the site's own time)
    categories = list(dict.fromkeys(folders + files.words(data.get("categories"))
                                    + files.words(data.get("category"))))
    if isinstance(data.get("categories"), str):
        categories = list(dict.fromkeys(folders + data["categories"].split()))
    path = site.url(page, date, slug, categories)
    post_id = path.rsplit("/", 1)[0] if not path.endswith("/") else path.rstrip("/").rsplit(
        "/", 1)[0]
    post_id = f"{post_id}/{quote(slug, safe='')}"
    tags = files.words(data.get("tags")) if not isinstance(data.get("tags"), str) else \
        data["tags"].split()
    image = data.get("image")
    image = files.text(image.get("path")) if isinstance(image, dict) else files.text(image)
    item = Item(
        position=str(page.path), id=site.base + post_id, link=site.base + path,
        title=files.text(data.get("title")) or slug.replace("-", " ").title(), date=date,
        updated=files.when(data.get("last_modified_at"), site.zone),
        authors=[{"name": a} for a in files.words(data.get("author") or data.get("authors"))],
        categories=categories[:1], tags=categories[1:] + tags,
        summary=files.text(data.get("description")) or files.text(data.get("excerpt")) or None,
        html=page.body if page.html else "", markdown=None if page.html else page.body,
        image=(image, files.text(data.get("image_alt"))) if image else None,
        draft=draft or data.get("published") is False, slug=_slugify(slug) or None,
        aliases=files.words(data.get("redirect_from")))
    return item, path


def _media(page: files.Page, site: _Site, item: Item) -> dict[str, str]:
    found: dict[str, str] = {}
    for reference in [*files.local_targets(item.markdown or item.html),
                      item.image[0] if item.image else ""]:
        base = urlsplit(site.base).path.rstrip("/")
        path = files.media_reference(site.folder, page.path.parent, None,
                               reference.removeprefix(base) if base else reference)
        if path is not None:
            found[reference] = str(path)
    return found


def _liquid(page: files.Page, body: str, site: _Site, urls: dict[str, str],
            reading: Reading) -> str:
    """Turn the Liquid a feed can carry into Markdown; report the rest with its line."""
    body = re.sub(r"\{%-?\s*highlight\s+(\w+)[^%]*%\}\n?(.*?)\{%-?\s*endhighlight\s*-?%\}",
                  lambda m: f"```{m.group(1)}\n{m.group(2).rstrip()}\n```", body,
                  flags=re.DOTALL)
    body = re.sub(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}",
                  lambda m: m.group(1).replace("{", "\x00"), body, flags=re.DOTALL)
    base_path = urlsplit(site.base).path.rstrip("/")

    def convert(match: re.Match[str]) -> str:
        tag, argument, variable = match.group(1), (match.group(2) or "").strip(), match.group(3)
        if tag == "post_url" and argument in urls:
            return base_path + urls[argument]
        if tag == "link" and argument:
            return base_path + "/" + argument.lstrip("/")
        if variable in ("site.baseurl", "site.baseurl | prepend: site.url"):
            return base_path if variable == "site.baseurl" else site.base
        if variable == "site.url":
            return site.base.removesuffix(base_path) if base_path else site.base
        line = page.body_line + body.count("\n", 0, match.start())
        reading.warn(f"{page.path}:{line}", f"{match.group(0)[:80]} is Liquid feeds cannot "
                                            "run: left as text")
        return match.group(0)

    return _LIQUID.sub(convert, body).replace("\x00", "{")
