"""``feeds import`` from every platform a newsroom leaves, and readers notice nothing.

Each export is written for the test in its platform's documented format
(``tests/exports.py``); Hugo's and Jekyll's old sites are built by the real
``hugo`` and ``jekyll`` (with jekyll-feed), so their feeds' ids are the tools' own.
For each: exact counts, ids as the platform's feed gave them, old addresses
answering 301, and a subscribed feedparser client that follows the old feed's
address here and sees no item it had not seen.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from . import exports
from .conftest import Published
from .importing import new_site, run_import

OLD = "https://old.example"


def stories(root: Path) -> list[str]:
    return sorted(p.relative_to(root / "content").as_posix()
                  for p in (root / "content").rglob("*.md"))


def readers_see_nothing_new(site: Published, old_feed: bytes, old_path: str) -> list[str]:
    """A reader subscribed to the old feed follows its address here (301) to the new feed:
    it holds exactly the items the reader knew, by the same ids. Return those ids."""
    known = sorted(entry.id for entry in feedparser.parse(old_feed).entries)
    assert known
    response = site.get(old_path)
    assert response.status_code == 301, old_path
    new_path = urlsplit(response.headers["Location"]).path
    parsed = feedparser.parse(site.body(new_path))
    assert not parsed.bozo, new_path
    assert sorted(entry.id for entry in parsed.entries) == known, new_path
    return known


def answers_301(site: Published, old: str, new: str) -> None:
    response = site.get(urlsplit(old).path)
    assert response.status_code == 301, old
    assert urlsplit(response.headers["Location"]).path == new, old


# WordPress, any host -----------------------------------------------------------------------


def test_a_wordpress_com_export_with_https_namespaces_moves_in_whole(
        tmp_path: Path, publish: Callable[..., Published]) -> None:
    items = exports.posts(5)
    items[1].status = "draft"
    items[2].kind = "page"
    export = tmp_path / "oldsite.wordpress.2024-03-01.000.xml"
    export.write_bytes(exports.wxr(items, https=True))
    root = new_site(tmp_path)
    status, report = run_import(root, export)
    assert status == 0, report
    assert f"read       {export}: WordPress export 1.2, 4 items; left out: 1 page" in report
    assert "4 new, 0 updated, 0 unchanged, 0 skipped, 0 failed" in report
    assert stories(root) == ["world/story-1.md", "world/story-2.md", "world/story-4.md",
                             "world/story-5.md"]
    assert "draft: true" in (root / "content/world/story-4.md").read_text()
    site = publish(root, write_ids=False)
    ids = readers_see_nothing_new(site, exports.wordpress_feed(items), "/feed/")
    assert ids == [f"{OLD}/?p={n}" for n in (1, 2, 5)]
    answers_301(site, f"{OLD}/2024/03/story-5/", "/world/story-5/")
    answers_301(site, "/category/world/feed/", "/world/rss.xml")
    assert "0 new, 0 updated, 4 unchanged" in run_import(root, export)[1]


def test_wxr_1_0_tags_and_a_split_export_in_a_zip(tmp_path: Path,
                                                  publish: Callable[..., Published]) -> None:
    first, second = exports.posts(2, start=1), exports.posts(2, start=3)
    attachment = (  # in the second file, the featured image of a post of the first
        "<item><title>Harbour</title><wp:post_id>90</wp:post_id><wp:post_parent>1"
        "</wp:post_parent><wp:post_type>attachment</wp:post_type><wp:status>inherit"
        "</wp:status><wp:attachment_url>https://old.example/up/harbour.jpg"
        "</wp:attachment_url><wp:postmeta><wp:meta_key>_wp_attachment_image_alt"
        "</wp:meta_key><wp:meta_value>Boats at dawn</wp:meta_value></wp:postmeta></item>")
    one = exports.wxr(first, version="1.0").replace(
        b"<wp:post_type><![CDATA[post]]></wp:post_type>",
        b"<wp:post_type><![CDATA[post]]></wp:post_type><wp:postmeta><wp:meta_key>"
        b"_thumbnail_id</wp:meta_key><wp:meta_value>90</wp:meta_value></wp:postmeta>", 1)
    two = exports.wxr(second, version="1.0", extra=attachment)
    archive = tmp_path / "oldsite.wordpress.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("oldsite.wordpress.2024-03-01.000.xml", one)
        out.writestr("oldsite.wordpress.2024-03-01.001.xml", two)
    root = new_site(tmp_path)
    status, report = run_import(root, archive)
    assert status == 0, report
    assert "WordPress export 1.0 in 2 files, 4 items; left out: 1 attachment" in report
    text = (root / "content/world/story-2.md").read_text()
    assert "tags: [Topic 2]" in text  # WXR 1.0's domain="tag"
    assert "image: {url: 'https://old.example/up/harbour.jpg', alt: Boats at dawn}" in text \
        or "image: {url: https://old.example/up/harbour.jpg, alt: Boats at dawn}" in text
    # The same two files given side by side are the same one export.
    (tmp_path / "a.xml").write_bytes(one)
    (tmp_path / "b.xml").write_bytes(two)
    again = new_site(tmp_path, "again")
    status, report = run_import(again, tmp_path / "a.xml", tmp_path / "b.xml")
    assert status == 0 and f"{tmp_path / 'a.xml'} (and 1 more): WordPress export" in report
    assert stories(again) == stories(root)
    publish(again, write_ids=False)


# Ghost 2 to 5 -----------------------------------------------------------------------------


@pytest.mark.parametrize("editor", ["html", "mobiledoc", "lexical"])
def test_a_ghost_export_moves_in_with_the_guids_of_its_rss(
        tmp_path: Path, publish: Callable[..., Published], editor: str) -> None:
    items = exports.posts(5)
    for post in items:
        post.status, post.audience = "published", "public"
    items[0].image, items[0].image_alt = "__GHOST_URL__/content/images/lead.jpg", "The lead"
    items[1].status = "draft"
    items[2].kind = "page"
    items[3].audience = "paid"
    items[4].tags = ["#internal", "Politics", "Votes"]
    export = tmp_path / "old-ghost.ghost.2024-03-01.json"
    export.write_bytes(exports.ghost_export(items, editor=editor))
    root = new_site(tmp_path)
    status, report = run_import(root, export, old_base_url=OLD)
    assert status == 0, report
    assert (f"read       {export}: Ghost export 5.x, 3 items (1 for paying readers there, "
            "public here); left out: 1 draft, 1 page") in report
    assert "it was for paid members only on Ghost" in report
    assert stories(root) == ["politics/story-1.md", "world/story-2.md", "world/story-5.md"]
    lead = (root / "content/world/story-5.md").read_text()
    assert "id: '000000000000000000000005'" in lead  # the post's id: Ghost's RSS guid
    assert f"image: {{url: '{OLD}/content/images/lead.jpg', alt: The lead}}" in lead
    assert "tags: [Topic 2]" in lead
    site = publish(root, write_ids=False)
    readers_see_nothing_new(site, exports.ghost_feed(items), "/rss/")
    answers_301(site, f"{OLD}/story-1/", "/politics/story-1/")
    answers_301(site, "/tag/politics/rss/", "/politics/rss.xml")
    answers_301(site, "/tag/votes/rss/", "/tags/votes/rss.xml")
    page = site.body("/world/story-2/").decode()
    assert "<strong>bold</strong>" in page and 'href="https://example.org/2"' in page
    if editor != "html":
        assert "Boats at dawn" in page  # the image card, rendered
    atom = feedparser.parse(site.body("/atom.xml"))
    assert all(e.id.startswith("urn:uuid:") for e in atom.entries)  # Atom needs URIs
    assert "0 new, 0 updated, 3 unchanged" in run_import(root, export, old_base_url=OLD)[1]


def test_a_ghost_2_export_without_the_db_wrapper_and_without_an_old_address(
        tmp_path: Path, publish: Callable[..., Published]) -> None:
    items = exports.posts(2)
    for post in items:
        post.status, post.audience = "published", "public"
    items[0].html = '<p><img src="__GHOST_URL__/content/images/x.png" alt="x"></p>'
    export = tmp_path / "ghost.json"
    export.write_bytes(exports.ghost_export(items, version="2.31.0", wrapped=False))
    root = new_site(tmp_path)
    status, report = run_import(root, export)
    assert status == 0 and "Ghost export 2.x, 2 items" in report, report
    assert "give --old-base-url to point them at the old site" in report
    site = publish(root, write_ids=False)
    answers_301(site, "/story-1/", "/world/story-1/")  # Ghost's default permalink, as a path
    readers_see_nothing_new(site, exports.ghost_feed(items), "/rss/")


# Substack -----------------------------------------------------------------------------------


def test_a_substack_export_moves_in_with_paid_posts_marked_and_podcasts(
        tmp_path: Path, publish: Callable[..., Published]) -> None:
    old = "https://old.substack.com"
    items = exports.posts(5)
    for post in items:
        post.kind = "newsletter"
    items[0].kind, items[0].audio = "podcast", "https://cdn.example/episode-5.mp3"
    items[1].audience = "only_paid"
    items[2].status = "draft"
    items[3].kind = "thread"
    export = tmp_path / "old-substack.zip"
    export.write_bytes(exports.substack_zip(items))
    root = new_site(tmp_path)
    status, report = run_import(root, export)
    assert status == 1 and "give it with --old-base-url" in report
    status, report = run_import(root, export, old_base_url=old)
    assert status == 0, report
    assert (f"read       {export}: Substack export, 3 items (1 for paying readers there, "
            "public here); left out: 1 draft, 1 thread post") in report
    assert "post 140004.story-4 (line 3 of posts.csv): it was for paid subscribers only" \
        in report
    assert stories(root) == ["story-1.md", "story-4.md", "story-5.md"]
    site = publish(root, write_ids=False)
    ids = readers_see_nothing_new(site, exports.substack_feed(items, old), "/feed")
    assert f"{old}/p/story-5" in ids
    episode = feedparser.parse(site.body("/rss.xml")).entries[0]
    assert [(e.href, e.type) for e in episode.enclosures] == [
        ("https://cdn.example/episode-5.mp3", "audio/mpeg")]
    answers_301(site, f"{old}/p/story-4", "/story-4/")


# Blogger ------------------------------------------------------------------------------------


@pytest.mark.parametrize("takeout", [False, True], ids=["backup", "takeout"])
def test_a_blogger_export_moves_in_posts_only(
        tmp_path: Path, publish: Callable[..., Published], takeout: bool) -> None:
    items = exports.posts(4)
    items[1].status = "draft"
    items[2].kind = "page"
    export = tmp_path / ("feed.atom" if takeout else "blog-03-01-2024.xml")
    export.write_bytes(exports.blogger_export(items, takeout=takeout))
    root = new_site(tmp_path)
    status, report = run_import(root, export)
    assert status == 0, report
    left = "1 page" if takeout else "2 comments, 1 page, 1 setting, 1 template"
    assert f"read       {export}: Blogger export, 3 items; left out: {left}" in report
    text = (root / "content/story-4.md").read_text()
    assert f"id: {exports.BLOG}.post-4\n" in text and "tags: [World, Topic 1]" in text
    drafts = [s for s in stories(root) if "draft: true" in (root / "content" / s).read_text()]
    assert len(drafts) == 1 and "story-3" in drafts[0] or "number-3" in drafts[0]
    site = publish(root, write_ids=False)
    readers_see_nothing_new(site, exports.blogger_feed(items), "/feeds/posts/default")
    answers_301(site, "https://old.blogspot.com/2024/03/story-4.html", "/story-4/")
    answers_301(site, "/feeds/posts/default/-/World", "/tags/world/atom.xml")


# Hugo and Jekyll, built by the real tools ---------------------------------------------------


def built(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is not installed: run make system-packages (Debian's "
                    "hugo, jekyll and ruby-jekyll-feed)")
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]


@pytest.mark.parametrize("permalinks", ["", 'posts = "/:year/:month/:title/"'],
                         ids=["default", "dated"])
def test_a_hugo_site_moves_in_with_the_ids_of_its_rss(
        tmp_path: Path, publish: Callable[..., Published], permalinks: str) -> None:
    items = exports.posts(5)
    items[4].status = "draft"
    source = exports.hugo_site(tmp_path / "old", items, permalinks=permalinks)
    bundle = source / "content" / "posts" / "harbour"
    bundle.mkdir()
    (bundle / "boats.png").write_bytes(PNG)
    (bundle / "index.md").write_text(
        '---\ntitle: "In the harbour"\ndate: 2024-02-01T08:00:00Z\nslug: the-harbour\n'
        "aliases: [/old/harbour/]\nimages: [boats.png]\n---\n\nBoats.\n\n"
        "![Boats at dawn](boats.png)\n\n{{< youtube dQw4w9WgXcQ >}}\n\n"
        '{{< ref "story-2.md" >}}\n\n{{< chart data="x" >}}\n')
    (source / "layouts" / "shortcodes").mkdir(parents=True)
    (source / "layouts" / "shortcodes" / "chart.html").write_text("<div>chart</div>")
    built(["hugo", "-s", str(source), "-d", str(tmp_path / "public"), "--quiet"])
    old_feed = (tmp_path / "public" / "index.xml").read_bytes()
    (source / "content" / "posts" / "leak.md").symlink_to("/etc/hostname")  # never read
    root = new_site(tmp_path)
    status, report = run_import(root, source)
    assert status == 0, report
    assert (f"read       {source}: Hugo site, 6 items; left out: 1 list page, 1 symlink out "
            "of the site") in report
    assert f"warning    {bundle / 'index.md'}:17: {{{{< chart" in report  # with its line
    harbour = (root / "content/posts/the-harbour.md").read_text()
    assert "<https://www.youtube.com/watch?v=dQw4w9WgXcQ>" in harbour
    assert '{{< chart data="x" >}}' in harbour  # left visible
    assert "![Boats at dawn](/posts/the-harbour-media/boats.png)" in harbour
    assert (root / "content/posts/the-harbour-media/boats.png").read_bytes() == PNG
    site = publish(root, write_ids=False)
    ids = readers_see_nothing_new(site, old_feed, "/index.xml")
    assert len(ids) == 5  # (the draft was in no feed)
    assert site.body("/posts/the-harbour-media/boats.png") == PNG
    answers_301(site, "/old/harbour/", "/posts/the-harbour/")
    answers_301(site, "/posts/index.xml", "/posts/rss.xml")
    assert "0 new, 0 updated, 6 unchanged" in run_import(root, source)[1]


def test_a_jekyll_site_moves_in_with_the_ids_of_jekyll_feed(
        tmp_path: Path, publish: Callable[..., Published]) -> None:
    items = exports.posts(5)
    items[0].status = "draft"
    source = exports.jekyll_site(tmp_path / "old", items, baseurl="/blog")
    (source / "assets").mkdir()
    (source / "assets" / "chart.png").write_bytes(PNG)
    post = source / "_posts" / "2024-03-01-story-2.md"
    post.write_text(post.read_text() + (
        "\n![A chart]({{ site.baseurl }}/assets/chart.png)\n\n"
        "See [the first]({% post_url 2024-03-01-story-1 %}).\n\n"
        "{% highlight python %}\nprint(1)\n{% endhighlight %}\n\n{% include note.html %}\n"))
    (source / "_includes").mkdir()
    (source / "_includes" / "note.html").write_text("<p>note</p>")
    built(["jekyll", "build", "-s", str(source), "-d", str(tmp_path / "public"), "--quiet"])
    old_feed = (tmp_path / "public" / "feed.xml").read_bytes()
    root = new_site(tmp_path)
    status, report = run_import(root, source)
    assert status == 0, report
    assert f"read       {source}: Jekyll site, 5 items" in report
    assert f"warning    {post}:20: {{% include note.html %}} is Liquid" in report
    text = (root / "content/story-2.md").read_text()
    assert "id: https://old.example/blog/2024/03/01/story-2\n" in text
    assert "```python\nprint(1)\n```" in text and "](/blog/news/2024/03/01/story-1.html)" \
        in text
    assert "![A chart](/story-2-media/chart.png)" in text
    site = publish(root, write_ids=False)
    ids = readers_see_nothing_new(site, old_feed, "/blog/feed.xml")
    assert len(ids) == 4
    answers_301(site, "/blog/news/2024/03/01/story-1.html", "/news/story-1/")


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
       b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
       b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def test_the_command_line_takes_the_old_address_and_the_media_choice(tmp_path: Path) -> None:
    items = exports.posts(2)
    for post in items:
        post.kind = "newsletter"
    export = tmp_path / "substack.zip"
    export.write_bytes(exports.substack_zip(items))
    root = new_site(tmp_path)
    command = [sys.executable, "-m", "feeds", "import", "--root", str(root), str(export)]
    bad = subprocess.run([*command, "--old-base-url", "old.substack.com"], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 1 and "give the old site's address, such as https://" in \
        bad.stdout + bad.stderr
    good = subprocess.run([*command, "--old-base-url", "https://old.substack.com", "--media",
                           "download"], capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "import: 2 new, 0 updated, 0 unchanged, 0 skipped, 0 failed" in good.stdout
    assert "Traceback" not in good.stdout + good.stderr
