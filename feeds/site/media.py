"""Media files kept beside the stories under ``content/``: which are served, and as what.

Only media suffixes are ever served, so a story's own source, ``config.yaml`` and
``.feeds/`` can never be named this way, and ``..`` cannot climb out of
``content/``. Which media files a story uses is found here too: the publisher
serves a file only while a published story uses it (a draft's photo stays private).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .files import CONTENT, is_ignored_name

# Served media types. SVG (and anything a browser could run) is served under a
# sandboxing Content-Security-Policy by the web layer, so it cannot script the site.
MEDIA_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml",
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".ogg": "audio/ogg", ".opus": "audio/ogg",
    ".wav": "audio/wav", ".mp4": "video/mp4", ".webm": "video/webm", ".pdf": "application/pdf",
    # an episode's transcripts and chapters (Podcasting 2.0: podcast:transcript, :chapters)
    ".vtt": "text/vtt", ".srt": "application/x-subrip", ".json": "application/json",
}
ACTIVE_TYPES = frozenset({"image/svg+xml", "application/pdf"})

# Links and images in Markdown and raw HTML, by their target: over-approximating is
# fine (a name that is no file is simply never served).
_MARKDOWN_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)")
_HTML_TARGET = re.compile(r"""(?:src|href|poster)\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def media_suffix(path: str) -> str | None:
    """Return the lowercase media suffix of a URL path, or None when it is not a media file."""
    suffix = os.path.splitext(path)[1].lower()
    return suffix if suffix in MEDIA_TYPES else None


def content_path(settings_base: str, url: str) -> str | None:
    """Return the ``/``-separated path under ``content/`` that a URL of this site names.

    None for another site's URL, a non-media file, a hidden or scratch name, or a
    path that would climb out of ``content/``.
    """
    if not url.startswith(settings_base):
        return None
    try:
        relative = unquote(urlsplit(url).path, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None
    relative = relative.removeprefix(urlsplit(settings_base).path)
    parts = relative.split("/")
    if (media_suffix(relative) is None or "\x00" in relative
            or any(p in ("", ".", "..") or is_ignored_name(p) for p in parts)):
        return None
    return relative


def local_file(root: Path, relative: str) -> Path | None:
    """Return the regular file a content path names, if it exists inside ``content/``."""
    content = os.path.realpath(os.path.join(root, CONTENT))
    path = os.path.realpath(os.path.join(content, relative))
    if not path.startswith(content + os.sep) or not os.path.isfile(path):
        return None
    return Path(path)


def references(body: str, permalink: str, base_url: str) -> set[str]:
    """Return the content paths of the site's media that a story body links or shows."""
    found = set()
    targets = _MARKDOWN_TARGET.findall(body) if "](" in body else []
    if "<" in body:  # raw HTML in the Markdown: its attributes too
        targets += _HTML_TARGET.findall(body)
    for target in targets:
        if not target or "." not in target or target.startswith(("#", "mailto:")):
            continue
        if "://" in target[:12] and not target.startswith(base_url):
            continue  # another site's address: never one of ours
        relative = content_path(base_url, urljoin(permalink, target))
        if relative is not None:
            found.add(relative)
    return found
