"""A small news site with every kind of answer: feeds, archive pages, listings, stories,
media, a story that moved (301), one that was removed (410), a next archive page (307), a
story's old address from another platform (301, or 410 once removed) and old feed
addresses in config.yaml (301)."""

from __future__ import annotations

from pathlib import Path

from .conftest import story_text, write_config, write_story

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def write_news(root: Path, base_url: str, **config: object) -> None:
    """Write the site: eight stories in two sections, three tags, an image, an audio file."""
    write_config(root, base_url=base_url, feed_size=2, page_size=3, redirects=(
        "{/feed/: /rss.xml, 'https://old.example/category/world/feed/': /world/rss.xml, "
        "/old.xml: 'https://podcasts.example/show.xml'}"), **config)
    (root / "content/world").mkdir(parents=True, exist_ok=True)
    (root / "content/world/photo.png").write_bytes(PNG)
    (root / "content/world/unused.png").write_bytes(PNG)
    for n in range(8):
        section = ("world", "africa")[n % 2]
        extra = {"image": "photo.png"} if n == 0 else {}
        if n in (2, 5):
            extra["aliases"] = f"[/2019/05/old-{n}/]"
        write_story(root, f"{section}/story-{n}.md", story_text(
            f"Story {n}", f"2025-11-{n + 1:02}", f"Body of story {n}, with *emphasis*.",
            id=f'"urn:x:{n}"', tags=f"[defence, {('talks', 'trade')[n % 2]}]", **extra))


def change_news(root: Path) -> None:
    """Move one story, remove another: their old paths answer 301 and 410."""
    (root / "content/africa/story-3.md").rename(root / "content/africa/moved.md")
    (root / "content/africa/story-5.md").unlink()


DOCUMENTS = [
    "/", "/page/2/", "/page/3/", "/rss.xml", "/atom.xml", "/feed.json", "/archive/1.xml",
    "/archive/2.xml", "/archive/3.xml", "/feeds.opml", "/world/", "/world/rss.xml",
    "/africa/atom.xml",
    "/tags/defence/", "/tags/defence/page/2/", "/tags/talks/feed.json", "/authors/test-desk/",
    "/world/story-0/", "/africa/moved/", "/world/story-6/",
    "/sitemap.xml", "/sitemap-1.xml", "/news-sitemap.xml", "/robots.txt",
]
REDIRECTS = {
    "/africa/story-3/": (301, "/africa/moved/"),
    "/archive/4.xml": (307, "/atom.xml"),
    "/world/story-0": (308, "/world/story-0/"),
    "/tags/defence": (308, "/tags/defence/"),
    "/feed/": (301, "/rss.xml"),
    "/feed": (301, "/rss.xml"),
    "/category/world/feed/": (301, "/world/rss.xml"),
    "/old.xml": (301, "https://podcasts.example/show.xml"),
    "/2019/05/old-2/": (301, "/world/story-2/"),
    "/2019/05/old-2": (301, "/world/story-2/"),
}
GONE = ["/2019/05/old-5", "/2019/05/old-5/", "/africa/story-5/"]
MISSING = ["/nothing/", "/world/unused.png", "/world/story-0/index.html", "/rss.xml.gz",
           "/_feeds/404.html", "/page/9/"]
