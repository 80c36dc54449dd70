"""Recognise each source by what it holds (never by its name alone) and say how to read it.

| what it holds | platform | reader |
|---|---|---|
| a folder with ``content/`` and a Hugo config | Hugo | ``staticsite`` |
| a folder with ``_posts/`` or ``_config.yml`` | Jekyll | ``staticsite`` |
| a zip with ``posts.csv`` | Substack | ``substack`` |
| a zip of WordPress export files, or files from one site | WordPress (split) | ``wxr`` |
| a zip holding a Ghost export or a Blogger export | Ghost, Blogger | ``ghost``, ``blogger`` |
| ``wordpress.org/export/`` in the first 64 KB | WordPress | ``wxr`` |
| JSON with ``db``/``data`` and ``posts`` | Ghost 2-5 | ``ghost`` |
| an Atom feed of ``tag:blogger.com`` posts | Blogger | ``blogger`` |
| anything else: a URL or a file | a feed (RSS, Atom, JSON Feed) | ``feedsource`` |
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .archive import Archive, is_zip
from .blogger import is_blogger, read_blogger
from .feedsource import read_feed
from .fetch import FetchError, is_url
from .ghost import is_ghost, read_ghost
from .items import SourceReport
from .reading import Reading
from .staticsite import read_site
from .substack import read_substack
from .wxr import Part, is_wxr, read_wxr, site_of

HEAD = 65536  # bytes looked at to recognise a file


@dataclass(frozen=True, slots=True)
class Source:
    """One thing to import: its name in reports, and how to read it into a spool."""

    name: str
    read: Callable[[Reading], SourceReport]


def plan_sources(arguments: list[str]) -> list[Source | FetchError]:
    """Turn the command line's sources into what to read, in order; the files of one
    WordPress site's split export become one source (a post's featured image may be in
    another file). What cannot be opened is a ``FetchError`` in its place."""
    found: list[tuple[str, Source | FetchError | tuple[str, Part]]] = []
    for argument in arguments:
        try:
            found.append((argument, _plan(argument)))
        except FetchError as error:
            found.append((argument, error))
    exports: dict[str, list[tuple[str, Part]]] = {}
    for argument, what in found:
        if isinstance(what, tuple):
            exports.setdefault(what[0], []).append((argument, what[1]))
    planned: list[Source | FetchError] = []
    for _, what in found:
        if not isinstance(what, tuple):
            planned.append(what)
        elif (files := exports.pop(what[0], None)) is not None:
            names = [name for name, _ in files]
            name = names[0] if len(names) == 1 else f"{names[0]} (and {len(names) - 1} more)"
            planned.append(Source(name, _wxr_reader([p for _, p in files])))
    return planned


def _wxr_reader(parts: list[Part]) -> Callable[[Reading], SourceReport]:
    return lambda reading: read_wxr(parts, reading)


def _plan(argument: str) -> Source | tuple[str, Part]:
    if is_url(argument):
        return Source(argument, lambda reading: _read_url(argument, reading))
    path = Path(argument)
    if path.is_dir():
        return Source(argument, lambda reading: read_site(path, reading))
    try:
        if not path.is_file():
            raise FetchError(f"{argument}: no such file or folder, and not an http(s) address: "
                             "give a feed URL, an export file or a site folder.")
        with open(path, "rb") as handle:
            head = handle.read(HEAD)
    except OSError as exc:
        raise FetchError(f"{argument}: cannot read it ({exc.strerror}).") from None
    if is_zip(path):
        return Source(argument, lambda reading: _read_zip(path, reading))
    if is_wxr(head):
        return site_of(head) or argument, (argument, lambda: open(path, "rb"))
    if is_ghost(head):
        return Source(argument, lambda reading: read_ghost(argument, lambda: open(path, "rb"),
                                                           reading))
    if is_blogger(head):
        return Source(argument, lambda reading: read_blogger(
            [(argument, lambda: open(path, "rb"))], reading))
    return Source(argument, lambda reading: read_feed(reading.fetcher.fetch(argument), reading))


def _read_url(url: str, reading: Reading) -> SourceReport:
    fetched = reading.fetcher.fetch(url)
    head = fetched.body[:HEAD]
    if is_wxr(head):
        return read_wxr([(url, lambda: io.BytesIO(fetched.body))], reading)
    if is_ghost(head):
        return read_ghost(url, lambda: io.BytesIO(fetched.body), reading)
    return read_feed(fetched, reading)


_WXR_NAME = re.compile(r"\.xml$", re.IGNORECASE)


def _read_zip(path: Path, reading: Reading) -> SourceReport:
    archive = Archive(path)
    try:
        names = archive.names
        if "posts.csv" in names or any(n.endswith("/posts.csv") for n in names):
            return read_substack(archive, reading)
        heads = {name: _head(archive, name) for name in names
                 if _WXR_NAME.search(name) or name.lower().endswith((".json", ".atom"))}
        wxr = sorted(name for name, head in heads.items() if is_wxr(head))
        if wxr:
            return read_wxr([(f"{path}:{name}", _member(archive, name)) for name in wxr],
                            reading)
        ghost = [name for name, head in heads.items() if is_ghost(head)]
        if ghost:
            return read_ghost(f"{path}:{ghost[0]}", _member(archive, ghost[0]), reading)
        blogger = sorted(name for name, head in heads.items() if is_blogger(head))
        if blogger:
            return read_blogger([(f"{path}:{name}", _member(archive, name))
                                 for name in blogger], reading)
        raise FetchError(f"{path}: a zip that holds no export this import knows (WordPress, "
                         "Ghost, Substack, Blogger): check the file.")
    finally:
        archive.close()


def _head(archive: Archive, name: str) -> bytes:
    with archive.open(name) as stream:
        return stream.read(HEAD)


def _member(archive: Archive, name: str) -> Callable[[], IO[bytes]]:
    return lambda: archive.open(name)
