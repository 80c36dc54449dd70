"""``--download-media``: fetch an imported story's remote images and enclosures into
``content/``, beside the story, so the site no longer depends on the old host.

Each file is bounded in size and written whole or not at all; what cannot be
fetched stays a remote link, with a warning. Without the option nothing is
downloaded: remote media stay remote URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from ..site.config import Settings
from ..site.files import CONTENT
from ..site.media import media_suffix
from ..site.story import slugify
from ..site.text import is_web_url
from .fetch import MAX_MEDIA_BYTES, FetchError, download
from .storyfiles import Draft

_IMAGE_IN_BODY = re.compile(r"!\[[^\]]*\]\((<?)(https?://[^)\s>]+)|<img\b[^>]*\bsrc=\"(https?://[^\"]+)\"")


class MediaFetcher:
    """Downloads for one import: each remote URL once, into the folder of its story."""

    def __init__(self, root: Path, settings: Settings, limit: int = MAX_MEDIA_BYTES):
        self.root, self.settings, self.limit = root, settings, limit
        self.done: dict[str, str] = {}  # remote URL -> site path it was saved as
        self.names: set[str] = set()  # files written, under content/

    def localise(self, draft: Draft, relative: str, position: str,
                 say: Callable[[str], None]) -> Draft:
        """Return ``draft`` with its remote media fetched and its URLs pointing at the copies."""
        front, _, body = draft.text.partition("\n---\n")
        fields = yaml.safe_load(front.removeprefix("---\n")) or {}
        wanted = [u for u in _front_urls(fields) + _body_urls(body) if is_web_url(u)]
        text = draft.text
        folder = relative.rpartition(".")[0] + "-media"
        for url in dict.fromkeys(wanted):
            if url.startswith(self.settings.base_url):
                continue  # already this site's
            local = self._fetch(url, folder, position, say)
            if local is not None:
                text = text.replace(url, local)
        return replace(draft, text=text)

    def _fetch(self, url: str, folder: str, position: str,
               say: Callable[[str], None]) -> str | None:
        if url in self.done:
            return self.done[url]
        name = _file_name(url)
        if name is None:
            say(f"warning    {position}: {url[:200]} is not a kind of media file the site "
                "serves: left as a link")
            return None
        stem, _, suffix = name.rpartition(".")
        number = 1
        while f"{folder}/{name}" in self.names:
            number += 1
            name = f"{stem}-{number}.{suffix}"
        self.names.add(f"{folder}/{name}")
        target = self.root / CONTENT / folder / name
        try:
            download(url, target, self.limit)
        except FetchError as error:
            say(f"warning    {position}: {error.message}")
            return None
        site_path = self.settings.href(f"/{folder}/{name}")
        self.done[url] = site_path
        return site_path


def _front_urls(fields: dict[str, object]) -> list[str]:
    found = []
    image = fields.get("image")
    if isinstance(image, dict):
        image = image.get("url")
    if isinstance(image, str):
        found.append(image)
    for enclosure in fields.get("enclosures") or []:  # type: ignore[attr-defined]
        if isinstance(enclosure, dict) and isinstance(enclosure.get("url"), str):
            found.append(enclosure["url"])
    return found


def _body_urls(body: str) -> list[str]:
    return [m.group(2) or m.group(3) for m in _IMAGE_IN_BODY.finditer(body)]


def _file_name(url: str) -> str | None:
    last = unquote(urlsplit(url).path).rstrip("/").rpartition("/")[2]
    stem, dot, suffix = last.rpartition(".")
    if not dot or media_suffix(last) is None:
        return None
    return f"{slugify(stem) or 'file'}.{suffix.lower()}"
