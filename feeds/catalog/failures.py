"""Files that meet a bug in feeds while being published: a problem each, never a stop.

A failure while publishing a batch that is not the catalogue's own (a full disk, a
read-only folder: retried whole) is narrowed down by the publisher to the files
(or scheduled ids) that cause it; each is kept here with its version, reported,
and left alone until it changes, while everything else keeps being published.
"""

from __future__ import annotations

from pathlib import Path

from ..site.files import Signature, shown, signature
from .store import Problem


class Failures:
    """Files (and scheduled ids) that could not be published because of a bug they meet:
    each is a problem, left alone until it changes, so it never stops the rest."""

    def __init__(self) -> None:
        self._failed: dict[str, Signature | None] = {}

    def add(self, item: str, root: Path | None) -> None:
        self._failed[item] = signature(str(root / item)) if root is not None else None

    def retry(self, item: str, root: Path | None = None) -> bool:
        """Tell whether to try ``item`` again: it never failed, or it changed since."""
        if item not in self._failed:
            return True
        if root is not None and signature(str(root / item)) != self._failed[item]:
            del self._failed[item]
            return True
        return False

    def problems(self) -> list[Problem]:
        return [Problem(shown(item), None, "this could not be published (a bug in feeds met "
                        "by this file: please report it, with the file); it is tried again "
                        "when the file changes, and everything else keeps being published.")
                for item in sorted(self._failed)]
