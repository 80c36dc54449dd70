"""Names a build writes that one file system tells apart and another takes for one file.

The server tells ``/news/Report/`` from ``/news/report/``, and ``ünïcode`` written
in NFC from the same name in NFD, so a build on Linux writes both. A Mac's or
Windows' file system (and some synced or mounted folders) compares names without
regard to case, and a Mac's also without regard to Unicode form: there the second
file would silently replace the first, and a page every feed links would hold
another story. So a build looks at the folder it writes into: where that folder
folds names, the second of two such files is left out with a problem naming both
(the server still answers both); elsewhere a warning names them, for whoever
copies the folder to such a host.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

Fold = Callable[[str], str]

# Two names for each probe, the same file on a folding file system.
_CASE_PROBE = ("feeds-Probe", "feeds-pROBE")
_FORM_PROBE = (unicodedata.normalize("NFD", "feeds-é"), unicodedata.normalize("NFC", "feeds-é"))


def _portable(name: str) -> str:
    """Fold a name as the strictest common host would: case and Unicode form ignored."""
    return unicodedata.normalize("NFC", name).casefold()


@dataclass(frozen=True, slots=True)
class Folding:
    """How a folder's file system compares names."""

    case: bool  # ignores case
    form: bool  # ignores Unicode normalisation form

    @property
    def folds(self) -> bool:
        return self.case or self.form

    def key(self, name: str) -> str:
        if self.form:
            name = unicodedata.normalize("NFC", name)
        return name.casefold() if self.case else name


def probe(folder: Path) -> Folding:
    """Find out how the file system holding ``folder`` (which must exist) compares names, by
    creating one name and looking for its twin."""
    return Folding(_same_file(folder, *_CASE_PROBE), _same_file(folder, *_FORM_PROBE))


def _same_file(folder: Path, written: str, asked: str) -> bool:
    path = folder / written
    try:
        path.touch()
        try:
            return os.path.exists(folder / asked)
        finally:
            path.unlink(missing_ok=True)
    except OSError:
        return False  # (a folder that cannot be written stops the build elsewhere)


def collisions(names: Iterable[str], key: Fold) -> dict[str, str]:
    """Return, for each name that ``key`` makes one with an earlier name (in sorted order),
    that earlier name. A file whose name folds to a folder of another file's path collides
    with it too (``x/Photo`` beside ``x/photo/index.html``)."""
    seen: dict[str, str] = {}
    folders: dict[str, str] = {}
    found: dict[str, str] = {}
    for name in sorted(names):
        folded = key(name)
        other = seen.get(folded) or folders.get(folded)
        parts = folded.split("/")
        prefixes = ["/".join(parts[:n]) for n in range(1, len(parts))]
        other = other or next((seen[p] for p in prefixes if p in seen), None)
        if other is not None:
            found[name] = other
            continue
        seen[folded] = name
        for prefix in prefixes:
            folders.setdefault(prefix, name)
    return found


_LAST: list[tuple[object, tuple[dict[str, str], list[str]]]] = []  # the last check's answer


def check(names: Iterable[str], folding: Folding) -> tuple[dict[str, str], list[str]]:
    """Return the names to leave out (each with the one it would replace) on this file system,
    and the warnings for names that only a folding host would take for one. (A build that
    keeps running, ``feeds build --watch``, asks again with the same names after most
    publications: 0.1 s at 15,000 names, answered from the last time.)"""
    names = list(names)
    asked = (folding, names)
    if not _LAST or _LAST[0][0] != asked:
        _LAST[:] = [(asked, _check(names, folding))]
    return _LAST[0][1]


def _check(names: list[str], folding: Folding) -> tuple[dict[str, str], list[str]]:
    left_out = collisions(names, folding.key) if folding.folds else {}
    warnings = [
        f"{name}: on a file system that ignores case or Unicode form (a Mac's, Windows') it "
        f"is the same file as {other}, and one would replace the other: keep this build on "
        "a case-sensitive file system, or rename one of the two stories."
        for name, other in sorted(collisions(names, _portable).items())
        if name not in left_out]
    return left_out, warnings
