"""Describe pages to search engines and link previews: JSON-LD (schema.org) and Open Graph.

One place for what a page says about itself beside its HTML: a function per page type
returns its JSON-LD object (``news_article`` for a story, ``item_list`` for a listing,
``podcast_series`` beside it on a podcast's show page), and
``ld_json`` writes one for ``<script type="application/ld+json">``. ``story_meta`` gives a
story page's Open Graph (ogp.me: ``og:*`` and ``article:*``) and Twitter card ``<meta>``
tags, which the templates write with their attributes escaped.

Inside a ``<script>`` element HTML escaping does not apply: the element ends at the first
``</script`` whatever JSON thinks, and ``<!--`` changes how the parser looks for that end
(HTML Living Standard 4.12.1.3). So ``ld_json`` writes ``<``, ``>`` and ``&`` as JSON's
``\\u003c``, ``\\u003e`` and ``\\u0026``: the same string to a JSON parser, and nothing a
story title can use to leave the element. JSON-LD is data, not script: browsers do not
run it, and the pages' Content-Security-Policy (``script-src`` from ``default-src 'self'``)
does not apply to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from ..catalog.groups import Group
from ..site.config import Settings
from ..site.podcasts import Show
from ..site.story import Enclosure, Image, Story, slugify
from .items import permalink, summary

CONTEXT = "https://schema.org"
_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
         0x2028: "\\u2028", 0x2029: "\\u2029"}


def graph(*objects: dict[str, Any]) -> dict[str, Any]:
    """Return several JSON-LD objects as one (``@graph``), for a page that is several things."""
    return {"@context": CONTEXT,
            "@graph": [{k: v for k, v in o.items() if k != "@context"} for o in objects]}


def ld_json(data: dict[str, Any]) -> Markup:
    """Return a JSON-LD object as the text of a ``<script type="application/ld+json">``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.translate(_SAFE))  # noqa: S704 - escaped for a script element above


@dataclass(frozen=True, slots=True)
class Meta:
    """One ``<meta>`` tag: Open Graph's carry ``property``, Twitter's ``name``."""

    attribute: str
    key: str
    content: str


def _author_page(settings: Settings, name: str) -> str:
    return settings.url(Group("author", slugify(name)).base_path)


def _image(image: Image) -> dict[str, Any]:
    found: dict[str, Any] = {"@type": "ImageObject", "url": image.url}
    if image.width and image.height:
        found.update(width=image.width, height=image.height)
    if image.alt:
        found["caption"] = image.alt
    return found


def publisher(settings: Settings) -> dict[str, Any]:
    """Return the site as schema.org's ``Organization``, with its logo when configured."""
    found: dict[str, Any] = {"@type": "Organization", "name": settings.title,
                             "url": settings.base_url}
    if settings.logo:
        found["logo"] = {"@type": "ImageObject", "url": settings.logo}
    return found


def news_article(settings: Settings, story: Story) -> dict[str, Any]:
    """Return a story as schema.org's ``NewsArticle`` (the properties Google's article
    structured data reads: headline, image, dates, authors with their pages, publisher)."""
    url = permalink(settings, story)
    authors = []
    for author in story.authors:
        person: dict[str, Any] = {"@type": "Person", "name": author.name,
                                  "url": _author_page(settings, author.name)}
        if author.uri:
            person["sameAs"] = author.uri
        authors.append(person)
    found: dict[str, Any] = {
        "@context": CONTEXT, "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url, "headline": story.title, "description": summary(story),
        "datePublished": story.date.isoformat(), "dateModified": story.updated.isoformat(),
        "inLanguage": settings.language, "author": authors, "publisher": publisher(settings),
    }
    if story.image is not None:
        found["image"] = [_image(story.image)]
    if story.section:
        found["articleSection"] = story.section
    if story.tags:
        found["keywords"] = list(story.tags)
    return found


def item_list(settings: Settings, stories: list[Story], first: int) -> dict[str, Any]:
    """Return a listing page's stories as schema.org's ``ItemList`` of ``ListItem``s, placed
    from ``first`` (page 2 goes on where page 1 stopped), each by its page's URL."""
    return {"@context": CONTEXT, "@type": "ItemList", "itemListElement": [
        {"@type": "ListItem", "position": first + n, "url": permalink(settings, story)}
        for n, story in enumerate(stories)]}


def podcast_series(settings: Settings, show: Show, episodes: list[tuple[Story, Enclosure]],
                   page: str, feed: str, artwork: str) -> dict[str, Any]:
    """Return a show's page as schema.org's ``PodcastSeries``: its name, page, feed and
    artwork, and this page's episodes (``PodcastEpisode``, each with its audio)."""
    return {
        "@context": CONTEXT, "@type": "PodcastSeries", "name": show.title,
        "description": show.description, "url": page, "webFeed": feed, "image": artwork,
        "author": {"@type": "Person", "name": show.author} if show.author else
        publisher(settings),
        "episode": [{
            "@type": "PodcastEpisode", "name": story.title, "url": permalink(settings, story),
            "datePublished": story.date.isoformat(),
            "associatedMedia": {"@type": "MediaObject", "contentUrl": audio.url,
                                "encodingFormat": audio.type},
        } for story, audio in episodes]}


def story_meta(settings: Settings, story: Story) -> list[Meta]:
    """Return a story page's Open Graph and Twitter card tags (ogp.me; the article type's
    ``article:*``). An image's width and height are given only when known (read from a
    local file); a card shows a large image when the story has one."""
    og = [("og:type", "article"), ("og:site_name", settings.title), ("og:title", story.title),
          ("og:description", summary(story)), ("og:url", permalink(settings, story))]
    image = story.image
    if image is not None:
        og.append(("og:image", image.url))
        if image.width and image.height:
            og += [("og:image:width", str(image.width)), ("og:image:height", str(image.height))]
        if image.alt:
            og.append(("og:image:alt", image.alt))
    og += [("article:published_time", story.date.isoformat()),
           ("article:modified_time", story.updated.isoformat())]
    if story.section:
        og.append(("article:section", story.section))
    og += [("article:author", _author_page(settings, a.name)) for a in story.authors]
    og += [("article:tag", tag) for tag in story.tags]
    card = "summary_large_image" if image is not None else "summary"
    return [*(Meta("property", key, value) for key, value in og),
            Meta("name", "twitter:card", card)]
