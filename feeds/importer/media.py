"""An imported story's media: copied beside it from the source in hand, or downloaded.

Images and files a source holds itself (a Hugo page bundle, ``static/``, a Jekyll
site's ``assets/``) are always copied into ``content/``, beside the story: the
old site may be gone tomorrow. Remote images and enclosures stay remote URLs unless
``--media download`` (``--download-media``): then they are fetched too, through the
import's guarded fetcher (no address inside this machine or its network, at any
hop). Each file is bounded in size and written whole or not at all; what cannot be
had stays a link, with a warning.
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
from .fetch import MAX_MEDIA_BYTES, Fetcher, FetchError
from .items import Item
from .storyfiles import Draft

_IMAGE_IN_BODY = re.compile(r"!\[[^\]]*\]\((<?)(https?://[^)\s>]+)|<img\b[^>]*\bsrc=\"(https?://[^\"]+)\"")


class MediaFetcher:
    """Downloads for one import: each remote URL once, into the folder of its story."""

    def __init__(self, root: Path, settings: Settings, fetcher: Fetcher, download: bool,
                 limit: int = MAX_MEDIA_BYTES):
        self.root, self.settings, self.limit = root, settings, limit
        self.fetcher, self.download = fetcher, download
        self.done: dict[str, str] = {}  # remote URL or local file -> site path saved as
        self.names: set[str] = set()  # files written, under content/

    def localise(self, draft: Draft, relative: str, item: Item,
                 say: Callable[[str], None]) -> Draft:
        """Return ``draft`` with its media copied or fetched, its URLs pointing at the copies."""
        text = draft.text
        folder = relative.rpartition(".")[0] + "-media"
        for reference, path in item.media.items():
            local = self._copy(Path(path), folder, item.position, say)
            if local is not None:
                text = _replace_reference(text, reference, local)
        if not self.download:
            return replace(draft, text=text)
        front, _, body = text.partition("\n---\n")
        fields = yaml.safe_load(front.removeprefix("---\n")) or {}
        wanted = [u for u in _front_urls(fields) + _body_urls(body) if is_web_url(u)]
        for url in dict.fromkeys(wanted):
            if url.startswith(self.settings.base_url):
                continue  # already this site's
            local = self._fetch(url, folder, item.position, say)
            if local is not None:
                text = text.replace(url, local)
        return replace(draft, text=text)

    def _copy(self, path: Path, folder: str, position: str,
              say: Callable[[str], None]) -> str | None:
        key = str(path)
        if key in self.done:
            return self.done[key]
        target, site_path = self._target(path.name, folder)
        try:
            if path.stat().st_size > self.limit:
                raise OSError(f"larger than {self.limit >> 20} MB")
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.part")
            partial.write_bytes(path.read_bytes())
            partial.replace(target)
        except OSError as exc:
            say(f"warning    {position}: {path} cannot be copied ({exc}): left as it was")
            return None
        self.done[key] = site_path
        return site_path

    def _target(self, last: str, folder: str) -> tuple[Path, str]:
        """Where a media file goes (a free name in the story's media folder), and its URL."""
        stem, _, suffix = last.rpartition(".")
        name = f"{slugify(stem) or 'file'}.{suffix.lower()}"
        stem = name.rpartition(".")[0]
        number = 1
        while f"{folder}/{name}".casefold() in self.names:
            number += 1
            name = f"{stem}-{number}.{suffix.lower()}"
        self.names.add(f"{folder}/{name}".casefold())
        return self.root / CONTENT / folder / name, self.settings.href(f"/{folder}/{name}")

    def _fetch(self, url: str, folder: str, position: str,
               say: Callable[[str], None]) -> str | None:
        if url in self.done:
            return self.done[url]
        name = _file_name(url)
        if name is None:
            say(f"warning    {position}: {url[:200]} is not a kind of media file the site "
                "serves: left as a link")
            return None
        target, site_path = self._target(name, folder)
        try:
            self.fetcher.download(url, target, self.limit)
        except FetchError as error:
            say(f"warning    {position}: {error.message}")
            return None
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


def _replace_reference(text: str, reference: str, local: str) -> str:
    """Point a local reference (``/images/x.jpg``) at its copy where it stands as a link or
    image target or a front matter value, and nowhere else."""
    escaped = re.escape(reference)
    return re.sub(rf"(\]\(<?|=\"|='|: |url: |\{{url: ){escaped}(?=[)>\"'\s,}}])",
                  lambda m: m.group(1) + local, text)
