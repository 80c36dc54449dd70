"""Exports of each platform a newsroom leaves, written for the tests in each platform's
documented format, with the feed that platform gave its readers beside each.

Nothing here is fetched: every file is generated from a list of ``Post`` records,
following the platform's own exporter and feed code (named in each function), so a
test can say exactly what readers saw before the move and check they see nothing new
after it.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

BASE = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


@dataclass
class Post:
    """One post as the old site held it."""

    number: int
    title: str
    slug: str
    html: str
    date: datetime
    status: str = "publish"  # as each platform says "published" (mapped per platform)
    kind: str = "post"
    tags: list[str] = field(default_factory=list)
    author: str = "Alice Adams"
    image: str = ""
    image_alt: str = ""
    audience: str = "everyone"
    audio: str = ""


def posts(count: int, start: int = 1) -> list[Post]:
    """``count`` published posts, newest first, each with two paragraphs and two tags."""
    found = []
    for number in range(start + count - 1, start - 1, -1):
        found.append(Post(
            number, f"Story number {number}: the council votes", f"story-{number}",
            f"<p>The first paragraph of story {number}, with <strong>bold</strong> words.</p>"
            f"<p>A second paragraph with a <a href=\"https://example.org/{number}\">link</a>."
            "</p>", BASE + timedelta(hours=number), tags=["World", f"Topic {number % 3}"]))
    return found


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


# WordPress: wp-admin/includes/export.php (WXR), wp-includes/feed-rss2.php (the feed) ------


def wxr(items: list[Post], site: str = "https://old.example", https: bool = False,
        version: str = "1.2", extra: str = "") -> bytes:
    """A WordPress export as Tools > Export writes it (WordPress.com: ``https`` namespaces)."""
    scheme = "https" if https else "http"
    out = [f'<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0"\n'
           f'\txmlns:excerpt="{scheme}://wordpress.org/export/{version}/excerpt/"\n'
           '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
           '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
           '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
           f'\txmlns:wp="{scheme}://wordpress.org/export/{version}/"\n>\n<channel>\n'
           f"\t<title>Old Desk</title>\n\t<link>{site}</link>\n"
           f"\t<wp:wxr_version>{version}</wp:wxr_version>\n"
           f"\t<wp:base_site_url>{site}</wp:base_site_url>\n"
           f"\t<wp:base_blog_url>{site}</wp:base_blog_url>\n"
           "\t<wp:author><wp:author_id>1</wp:author_id><wp:author_login>"
           f"{cdata('alice')}</wp:author_login><wp:author_display_name>{cdata('Alice Adams')}"
           "</wp:author_display_name></wp:author>\n"
           f"\t<wp:category><wp:term_id>3</wp:term_id><wp:category_nicename>{cdata('world')}"
           f"</wp:category_nicename><wp:cat_name>{cdata('World')}</wp:cat_name></wp:category>\n"]
    tag = "tag" if version == "1.0" else "post_tag"
    for post in items:
        day = post.date.astimezone(UTC)
        terms = "".join(
            f'\t\t<category domain="{"category" if i == 0 else tag}" '
            f'nicename="{t.lower().replace(" ", "-")}">{cdata(t)}</category>\n'
            for i, t in enumerate(post.tags))
        out.append(
            f"\t<item>\n\t\t<title>{escape(post.title)}</title>\n"
            f"\t\t<link>{site}/{day:%Y/%m}/{post.slug}/</link>\n"
            f"\t\t<pubDate>{format_datetime(day)}</pubDate>\n"
            f"\t\t<dc:creator>{cdata('alice')}</dc:creator>\n"
            f'\t\t<guid isPermaLink="false">{site}/?p={post.number}</guid>\n'
            f"\t\t<description></description>\n"
            f"\t\t<content:encoded>{cdata(post.html)}</content:encoded>\n"
            f"\t\t<excerpt:encoded>{cdata('')}</excerpt:encoded>\n"
            f"\t\t<wp:post_id>{post.number}</wp:post_id>\n"
            f"\t\t<wp:post_date>{cdata(f'{day:%Y-%m-%d %H:%M:%S}')}</wp:post_date>\n"
            f"\t\t<wp:post_date_gmt>{cdata(f'{day:%Y-%m-%d %H:%M:%S}')}</wp:post_date_gmt>\n"
            f"\t\t<wp:post_name>{cdata(post.slug)}</wp:post_name>\n"
            f"\t\t<wp:status>{cdata(post.status)}</wp:status>\n"
            f"\t\t<wp:post_parent>0</wp:post_parent>\n"
            f"\t\t<wp:post_type>{cdata(post.kind)}</wp:post_type>\n{terms}\t</item>\n")
    out.append(extra + "</channel>\n</rss>\n")
    return "".join(out).encode()


def wordpress_feed(items: list[Post], site: str = "https://old.example") -> bytes:
    """The site's /feed/ as feed-rss2.php writes it: ``<guid isPermaLink="false">`` is the
    post's guid (``?p=N``)."""
    return _rss("Old Desk", site, [(p, f"{site}/{p.date:%Y/%m}/{p.slug}/", f"{site}/?p={p.number}")
                                   for p in items if p.status == "publish" and p.kind == "post"])


def _rss(title: str, site: str, rows: list[tuple[Post, str, str]]) -> bytes:
    """An RSS 2.0 feed of (post, link, guid), each guid ``isPermaLink="false"``."""
    entries = "".join(f"<item><title>{cdata(p.title)}</title><link>{link}</link>"
                      f'<guid isPermaLink="false">{guid}</guid>'
                      f"<pubDate>{format_datetime(p.date)}</pubDate></item>"
                      for p, link, guid in rows)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>{site}</link><description>d</description>"
            f"{entries}</channel></rss>").encode()


# Ghost: core/server/data/exporter (the export), services/rss/generate-feed.js (the feed) ---


def ghost_export(items: list[Post], editor: str = "html", version: str = "5.82.0",
                 wrapped: bool = True) -> bytes:
    """A Ghost export: tables as the exporter writes them, the body in ``html``, or only in
    ``mobiledoc`` (Ghost 2-4) or ``lexical`` (Ghost 5) when ``editor`` says so."""
    posts_rows, posts_tags, posts_authors, posts_meta, tags = [], [], [], [], {}
    for post in items:
        post_id = f"{post.number:024x}"
        row = {"id": post_id, "uuid": f"00000000-0000-4000-8000-{post.number:012d}",
               "title": post.title, "slug": post.slug, "html": post.html,
               "mobiledoc": None, "lexical": None, "feature_image": post.image or None,
               "type": post.kind, "status": post.status,
               "visibility": "public" if post.audience == "everyone" else post.audience,
               "published_at": f"{post.date.astimezone(UTC):%Y-%m-%dT%H:%M:%S.000Z}",
               "updated_at": f"{post.date.astimezone(UTC):%Y-%m-%dT%H:%M:%S.000Z}",
               "custom_excerpt": None}
        if editor == "mobiledoc":
            row["html"], row["mobiledoc"] = None, json.dumps(_mobiledoc(post))
        elif editor == "lexical":
            row["html"], row["lexical"] = None, json.dumps(_lexical(post))
        posts_rows.append(row)
        for order, name in enumerate(post.tags):
            tag_id = tags.setdefault(name, f"{len(tags) + 1:024x}")
            posts_tags.append({"id": f"{post.number}{order}", "post_id": post_id,
                               "tag_id": tag_id, "sort_order": order})
        posts_authors.append({"id": f"a{post.number}", "post_id": post_id,
                              "author_id": "1" * 24, "sort_order": 0})
        posts_meta.append({"id": f"m{post.number}", "post_id": post_id,
                           "feature_image_alt": post.image_alt or None})
    data = {"posts": posts_rows, "posts_authors": posts_authors, "posts_meta": posts_meta,
            "posts_tags": posts_tags, "roles": [], "settings": [],
            "tags": [{"id": i, "name": n, "slug": n.lower().replace(" ", "-"),
                      "visibility": "internal" if n.startswith("#") else "public"}
                     for n, i in tags.items()],
            "users": [{"id": "1" * 24, "name": "Alice Adams", "slug": "alice",
                       "email": "alice@old.example"}]}
    body = {"meta": {"exported_on": 1709287200000, "version": version}, "data": data}
    return json.dumps({"db": [body]} if wrapped else body, indent=1).encode()


def _mobiledoc(post: Post) -> dict[str, object]:
    return {"version": "0.3.1", "atoms": [["soft-return", "", {}]],
            "markups": [["strong"], ["a", ["href", f"https://example.org/{post.number}"]]],
            "cards": [["image", {"src": "https://old.example/content/images/a.jpg",
                                 "alt": "A harbour", "caption": "Boats at dawn"}],
                      ["paywall", {}]],
            "sections": [[1, "p", [[0, [], 0, f"The first paragraph of story {post.number}, "
                                                "with "], [0, [0], 1, "bold"],
                                   [0, [], 0, " words."]]],
                         [10, 0], [10, 1],
                         [1, "p", [[0, [], 0, "A second paragraph with a "],
                                   [0, [1], 1, "link"], [0, [], 0, "."]]]]}


def _lexical(post: Post) -> dict[str, object]:
    def text(value: str, bits: int = 0) -> dict[str, object]:
        return {"type": "extended-text", "text": value, "format": bits}
    return {"root": {"type": "root", "children": [
        {"type": "paragraph", "children": [
            text(f"The first paragraph of story {post.number}, with "), text("bold", 1),
            text(" words.")]},
        {"type": "image", "src": "https://old.example/content/images/a.jpg",
         "alt": "A harbour", "caption": "Boats at dawn"},
        {"type": "paragraph", "children": [
            text("A second paragraph with a "),
            {"type": "link", "url": f"https://example.org/{post.number}",
             "children": [text("link")]}, text(".")]}]}}


def ghost_feed(items: list[Post], site: str = "https://old.example") -> bytes:
    """/rss/ as Ghost's generate-feed.js writes it with the rss package: ``guid: post.id``
    (``isPermaLink="false"``)."""
    return _rss("Old Ghost", site, [(p, f"{site}/{p.slug}/", f"{p.number:024x}") for p in items
                                    if p.status == "published" and p.kind == "post"])


# Substack: the export zip (posts.csv and posts/<post_id>.html) and /feed -------------------


SUBSTACK_COLUMNS = ["post_id", "post_date", "is_published", "email_sent_at", "inbox_sent_at",
                    "type", "audience", "title", "subtitle", "podcast_url"]


def substack_zip(items: list[Post]) -> bytes:
    buffer = io.BytesIO()
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(SUBSTACK_COLUMNS)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for post in items:
            post_id = f"{140000 + post.number}.{post.slug}"
            published = post.status == "publish"
            when = f"{post.date.astimezone(UTC):%Y-%m-%dT%H:%M:%S.000Z}"
            writer.writerow([post_id, when, "true" if published else "false",
                             when if published else "", "", post.kind, post.audience,
                             post.title, f"Subtitle {post.number}", post.audio])
            archive.writestr(f"posts/{post_id}.html", post.html)
            archive.writestr(f"posts/{post_id}.opens.csv", "email,timestamp\n")
        archive.writestr("posts.csv", rows.getvalue())
        archive.writestr("email_list.old.csv", "email,active_subscription\nx@y.example,true\n")
    return buffer.getvalue()


def substack_feed(items: list[Post], site: str = "https://old.substack.com") -> bytes:
    """/feed as Substack gives it: the post's URL as ``<guid isPermaLink="false">``."""
    return _rss("Old Letter", site, [(p, f"{site}/p/{p.slug}", f"{site}/p/{p.slug}")
                                     for p in items if p.status == "publish"
                                     and p.kind in ("newsletter", "podcast")])


# Blogger: the Atom export (older kind categories, or Takeout's 2018 schema) ----------------


BLOG = "tag:blogger.com,1999:blog-7400000000000000001"


def blogger_export(items: list[Post], takeout: bool = False,
                   site: str = "https://old.blogspot.com") -> bytes:
    kind = "http://schemas.google.com/g/2005#kind"
    out = ["<?xml version='1.0' encoding='UTF-8'?>"
           "<feed xmlns='http://www.w3.org/2005/Atom' "
           "xmlns:app='http://purl.org/atom/app#' "
           "xmlns:blogger='http://schemas.google.com/blogger/2018'>"
           f"<id>{BLOG}</id><title type='text'>Old Blog</title>"
           f"<link rel='alternate' type='text/html' href='{site}/'/>"]
    if not takeout:
        out.append(f"<entry><id>{BLOG}.settings.BLOG_NAME</id><category scheme='{kind}' "
                   "term='http://schemas.google.com/blogger/2008/kind#settings'/>"
                   "<title>Old Blog</title><content type='text'>Old Blog</content></entry>"
                   f"<entry><id>{BLOG}.layout</id><category scheme='{kind}' "
                   "term='http://schemas.google.com/blogger/2008/kind#template'/>"
                   "<title>Template</title><content type='text'>&lt;html/&gt;</content>"
                   "</entry>")
    for post in items:
        path = f"/{post.date:%Y/%m}/{post.slug}.html"
        labels = "".join(f"<category scheme='http://www.blogger.com/atom/ns#' term='{t}'/>"
                         if not takeout else f"<category term='{t}'/>" for t in post.tags)
        when = f"{post.date.astimezone(UTC):%Y-%m-%dT%H:%M:%S.000Z}"
        if takeout:
            meta = (f"<blogger:type>{post.kind.upper()}</blogger:type>"
                    f"<blogger:status>{'LIVE' if post.status == 'publish' else 'DRAFT'}"
                    f"</blogger:status><blogger:filename>{path}</blogger:filename>")
        else:
            meta = (f"<category scheme='{kind}' term='http://schemas.google.com/blogger/2008/"
                    f"kind#{post.kind}'/>"
                    + ("<app:control><app:draft>yes</app:draft></app:control>"
                       if post.status != "publish" else
                       f"<link rel='alternate' type='text/html' href='{site}{path}'/>"))
        out.append(f"<entry><id>{BLOG}.post-{post.number}</id><published>{when}</published>"
                   f"<updated>{when}</updated>{meta}{labels}"
                   f"<title type='text'>{escape(post.title)}</title>"
                   f"<content type='html'>{escape(post.html)}</content>"
                   f"<author><name>{post.author}</name><email>noreply@blogger.com</email>"
                   "</author></entry>")
        if not takeout and post.status == "publish" and post.kind == "post":
            out.append(f"<entry><id>{BLOG}.post-{900000 + post.number}</id>"
                       f"<published>{when}</published><category scheme='{kind}' "
                       "term='http://schemas.google.com/blogger/2008/kind#comment'/>"
                       "<title>Nice</title><content type='html'>Nice.</content></entry>")
    out.append("</feed>")
    return "".join(out).encode()


def blogger_feed(items: list[Post], site: str = "https://old.blogspot.com") -> bytes:
    """/feeds/posts/default: each entry's id is the export's (``…post-N``)."""
    entries = "".join(
        f"<entry><id>{BLOG}.post-{p.number}</id><title>{escape(p.title)}</title>"
        f"<link rel='alternate' href='{site}/{p.date:%Y/%m}/{p.slug}.html'/>"
        f"<published>{p.date.isoformat()}</published><updated>{p.date.isoformat()}</updated>"
        "</entry>" for p in items if p.status == "publish" and p.kind == "post")
    return (f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><id>{BLOG}</id>"
            f"<title>Old Blog</title><updated>{BASE.isoformat()}</updated>{entries}"
            "</feed>").encode()


# Hugo and Jekyll: site folders --------------------------------------------------------------


def hugo_site(folder: Path, items: list[Post], base: str = "https://old.example/",
              permalinks: str = "") -> Path:
    """A Hugo site: hugo.toml, posts in content/posts/ with TOML, YAML or JSON front matter
    (by turns), a page bundle, an about page and a section list page."""
    (folder / "content" / "posts").mkdir(parents=True)
    (folder / "hugo.toml").write_text(
        f'baseURL = "{base}"\ntitle = "Old Hugo"\nlanguageCode = "en"\n'
        + (f"[permalinks]\n{permalinks}\n" if permalinks else ""))
    (folder / "content" / "posts" / "_index.md").write_text("---\ntitle: Posts\n---\n")
    for index, post in enumerate(items):
        markdown = (f"The first paragraph of story {post.number}, with **bold** words.\n\n"
                    f"A second paragraph with a [link](https://example.org/{post.number}).\n")
        when = post.date.isoformat()
        tags = json.dumps(post.tags)
        if index % 3 == 0:
            front = (f'+++\ntitle = "{post.title}"\ndate = {when}\ntags = {tags}\n'
                     f'draft = {str(post.status != "publish").lower()}\n+++\n')
        elif index % 3 == 1:
            front = (f"---\ntitle: \"{post.title}\"\ndate: {when}\ntags: {tags}\n"
                     f"draft: {str(post.status != 'publish').lower()}\n---\n")
        else:
            front = json.dumps({"title": post.title, "date": when, "tags": post.tags,
                                "draft": post.status != "publish"}, indent=1) + "\n"
        (folder / "content" / "posts" / f"{post.slug}.md").write_text(front + "\n" + markdown)
    return folder


def jekyll_site(folder: Path, items: list[Post], url: str = "https://old.example",
                baseurl: str = "") -> Path:
    """A Jekyll site as ``jekyll new`` makes one: _config.yml with jekyll-feed, posts in
    _posts/YYYY-MM-DD-slug.md with YAML front matter (categories in some), a draft."""
    (folder / "_posts").mkdir(parents=True)
    (folder / "_config.yml").write_text(
        f'title: Old Jekyll\nurl: "{url}"\nbaseurl: "{baseurl}"\ntimezone: UTC\n'
        "plugins:\n  - jekyll-feed\n")
    for index, post in enumerate(items):
        category = "news" if index % 2 == 0 else ""
        front = (f"---\nlayout: post\ntitle: \"{post.title}\"\n"
                 f"date: {post.date.astimezone(UTC):%Y-%m-%d %H:%M:%S} +0000\n"
                 f"tags: {json.dumps(post.tags)}\n"
                 + (f"categories: {category}\n" if category else "") + "---\n")
        body = (f"The first paragraph of story {post.number}, with **bold** words.\n\n"
                f"A second paragraph with a [link](https://example.org/{post.number}).\n")
        where = folder / ("_posts" if post.status == "publish" else "_drafts")
        where.mkdir(exist_ok=True)
        name = f"{post.date:%Y-%m-%d}-{post.slug}.md" if post.status == "publish" else \
            f"{post.slug}.md"
        (where / name).write_text(front + "\n" + body)
    return folder
