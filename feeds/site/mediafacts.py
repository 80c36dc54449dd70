"""What a media file under ``content/`` is, read from the file itself by a well-kept library.

An episode's duration comes from its audio stream (mutagen reads MP3, M4A, Ogg,
Opus, FLAC and WAV headers and frames; a hand-written header parser gets VBR MP3s
wrong), and a show's artwork's size and type from the image (Pillow reads only
the header to answer). Both are asked only of files of the site's own: a URL
elsewhere is the publisher's word.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import mutagen
from PIL import Image, UnidentifiedImageError

log = logging.getLogger(__name__)

ARTWORK_SIDES = (1400, 3000)  # Apple: square, from 1400 x 1400 to 3000 x 3000 pixels
ARTWORK_FORMATS = {"JPEG": "JPEG", "PNG": "PNG"}


def duration(path: Path) -> int | None:
    """Return an audio file's length in whole seconds (rounded up), or None when it cannot be
    read as audio (mutagen knows no such format, or the file is damaged)."""
    try:
        found = mutagen.File(path)
    except Exception as exc:  # noqa: BLE001 - a damaged file may raise anything (struct.error,
        # IndexError...): its story stays publishable, only its duration is unknown
        log.debug("%s: no duration (%s)", path, exc)
        return None
    info = getattr(found, "info", None)
    seconds = getattr(info, "length", None)
    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds <= 0:
        return None
    return math.ceil(seconds)


@dataclass(frozen=True, slots=True)
class Artwork:
    """An image file's format and size, as read from it."""

    format: str  # Pillow's name: JPEG, PNG, GIF...
    width: int
    height: int
    mode: str  # Pillow's colour mode: RGB, RGBA, L, CMYK...


def artwork(path: Path) -> Artwork | None:
    """Return an image's format and size, or None when it is not an image Pillow reads."""
    try:
        with Image.open(path) as image:
            return Artwork(image.format or "", image.width, image.height, image.mode)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def artwork_problem(found: Artwork | None) -> str | None:
    """Return what keeps an image from being a show's artwork (Apple Podcasts' rules), or
    None when it is fine: JPEG or PNG, square, 1400 to 3000 pixels a side, RGB."""
    low, high = ARTWORK_SIDES
    if found is None:
        return "the file is not an image: save the artwork as a JPEG or PNG."
    if found.format not in ARTWORK_FORMATS:
        return (f"the artwork is a {found.format or 'file of an unknown kind'}, and Apple takes "
                "JPEG or PNG: save it as one of those.")
    if found.width != found.height:
        return (f"the artwork is {found.width} x {found.height} pixels, and it must be square: "
                f"crop it to a square of {low} to {high} pixels a side.")
    if not low <= found.width <= high:
        return (f"the artwork is {found.width} x {found.height} pixels, and Apple takes "
                f"{low} x {low} to {high} x {high}: resize it.")
    if found.mode not in ("RGB", "RGBA", "P", "L"):
        return (f"the artwork's colours are {found.mode}, and Apple takes RGB: save it in "
                "the RGB colour space.")
    return None
