"""Which files under ``content/`` are stories, and how to read one without being hurt by it.

A stranger's folder can hold anything: a FIFO named ``x.md`` (reading it blocks
for ever), a device, a symlink to ``/etc`` or into a loop, folders nested
thousands deep, a million files in one folder, a story of a gigabyte. The walk
here is iterative and bounded, and a file is read only once it is known to be a
regular file of sane size inside the site; everything else is a ``StoryError``
naming the path and the fix.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoryError
from .text import has_control

CONTENT = "content"
CONTENT_PREFIX = "content/"
MARKDOWN_SUFFIXES = (".md", ".markdown")
YAML_SUFFIXES = (".yaml", ".yml")
IGNORED_ENDINGS = ("~", ".swp", ".tmp")
STORY_SUFFIXES = MARKDOWN_SUFFIXES + YAML_SUFFIXES
MAX_STORY_BYTES = 4 << 20  # 4 MiB: a long read is a few hundred KB
MAX_DEPTH = 32  # folders below content/
MAX_FILES_PER_FOLDER = 100_000

Signature = tuple[int, int, int]  # (mtime_ns, size, inode): a version of a file


def is_ignored_name(name: str) -> bool:
    """Tell whether a file or folder name is an editor's scratch file or hidden (never a story)."""
    return name.startswith((".", "_")) or name.endswith(IGNORED_ENDINGS)


def is_story_file(relative: str) -> bool:
    """Tell whether a path under ``content/`` (``/``-separated) is a story, not a scratch file."""
    if any(is_ignored_name(part) for part in relative.split("/")):
        return False
    return relative.endswith(STORY_SUFFIXES)


def name_problem(relative: str) -> str | None:
    """Return why a path under the site cannot name a story or a folder of them, or None.

    Any name the file system allows may turn up (a file copied from a system with
    another encoding, a tab typed into a name): such a name is a problem for that
    path, never something the catalogue, a URL or a message must carry."""
    if not has_control(relative):
        return None
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        return "this name is not UTF-8 text (it was made on a system with another encoding): " \
               "rename it."
    return "this name holds a control character (a tab, a line break...), which no URL can " \
           "carry: rename it."


def shown(relative: str) -> str:
    """Return a path as a message can carry it: bytes that are not UTF-8 as ``\\xff`` and
    control characters as ``\\x09``."""
    if not has_control(relative):
        return relative
    text = os.fsencode(relative).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() or not has_control(c) else f"\\x{ord(c):02x}"
                   for c in text)


def story_path(relative: str) -> str:
    """Return the permalink path of a story file: its path under ``content/`` less the suffix."""
    return relative.rpartition(".")[0]


def signature(path: str) -> Signature | None:
    """Return what identifies a version of a file (its target, for a symlink), or None if gone.

    A symlink that leads nowhere (or in a loop) is there all the same, and is reported.
    """
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        try:
            info = os.lstat(path)
        except (OSError, ValueError):
            return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


@dataclass(frozen=True, slots=True)
class Walked:
    """What a walk of ``content/`` found: story sources, and folders it could not fully read."""

    sources: list[str]
    problems: list[StoryError]
    unreadable: list[str]  # folders that could not be read: what they held is not known


def walk(root: Path, folder: str = CONTENT) -> Walked:
    """Find every story file under ``root/folder`` (a ``/``-separated path below the root).

    Iterative, sorted, bounded in depth and in files per folder; symlinked folders
    are not followed (a link can make a loop), symlinked files are (see ``read_file``).
    """
    sources: list[str] = []
    problems: list[StoryError] = []
    unreadable: list[str] = []
    if folder != CONTENT and any(map(is_ignored_name, folder.split("/")[1:])):
        return Walked(sources, problems, unreadable)  # a hidden or scratch folder: no stories
    if name_problem(folder):
        return Walked(sources, [StoryError(name_problem(folder) or "", shown(folder))],
                      unreadable)
    stack = [folder]
    while stack:
        current = stack.pop()
        depth = current.count("/")
        try:
            with os.scandir(os.path.join(root, current)) as entries:
                names = []
                for count, entry in enumerate(entries):
                    if count >= MAX_FILES_PER_FOLDER:
                        problems.append(StoryError(
                            f"this folder holds more than {MAX_FILES_PER_FOLDER:,} files; the "
                            "rest are not published: split it into subfolders (by year, say).",
                            current))
                        break
                    if is_ignored_name(entry.name):
                        continue
                    bad = name_problem(entry.name)
                    if bad:
                        problems.append(StoryError(bad, shown(f"{current}/{entry.name}")))
                    else:
                        names.append((entry.name, _is_folder(entry)))
        except NotADirectoryError:
            continue
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append(StoryError(
                f"this folder cannot be read ({_reason(exc)}), so its stories are neither "
                "published nor removed: fix its permissions (the server's user must be able to "
                "read and enter it).", current))
            unreadable.append(current)
            continue
        folders = []
        for name, is_folder in sorted(names):
            child = f"{current}/{name}"
            if is_folder:
                folders.append(child)
            elif name.endswith(STORY_SUFFIXES):  # (no part of its path is ignored: see above)
                sources.append(child)
        if folders and depth >= MAX_DEPTH:
            problems.append(StoryError(
                f"folders are nested more than {MAX_DEPTH} deep here; deeper ones are not read: "
                "move their stories up.", current))
            continue
        stack.extend(reversed(folders))
    sources.sort()
    return Walked(sources, problems, unreadable)


_REAL_FOLDERS: dict[tuple[str, int], str] = {}


def _inside(root: str, path: str) -> bool:
    """Tell whether ``path`` (a symlink: its target) lies inside ``root``.

    Resolving a path costs a system call per part of it, for every story; a
    folder's real path is kept, checked against the folder's inode on each use.
    """
    real_root = _real_folder(root)
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            return os.path.realpath(path).startswith(real_root + os.sep)
    except OSError:
        return True  # gone or unreadable: opening it will say so
    folder = _real_folder(os.path.dirname(path))
    return folder == real_root or folder.startswith(real_root + os.sep)


def _real_folder(folder: str) -> str:
    try:
        identity = os.lstat(folder).st_ino
    except OSError:
        return os.path.realpath(folder)
    key = (folder, identity)
    found = _REAL_FOLDERS.get(key)
    if found is None:
        if len(_REAL_FOLDERS) > 4096:
            _REAL_FOLDERS.clear()
        found = _REAL_FOLDERS[key] = os.path.realpath(folder)
    return found


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _reason(exc: OSError) -> str:
    return exc.strerror or errno.errorcode.get(exc.errno or 0, "error")


_NOT_REGULAR = ("this is not a regular file (a pipe, socket or device): remove it, or give it "
                "another name.")


@dataclass(frozen=True, slots=True)
class FileData:
    """The bytes of one version of a story file, and that version's signature."""

    raw: bytes
    signature: Signature


def read_file(root: Path, source: str) -> FileData:
    """Read a story file that is a regular file of bounded size inside the site.

    Opened without blocking, so a FIFO or a device is found out by ``fstat``
    instead of hanging the reader; a symlink must lead to a file inside the site.
    """
    path = os.path.join(root, source)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
    try:
        try:  # a plain file (nearly all): no look at the path first
            fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            if not _inside(str(root), path):  # a symlink: it must stay in the site
                raise StoryError("this is a link to a file outside the site: copy the file in "
                                 "instead.", source) from None
            fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno in (errno.ENXIO, errno.EOPNOTSUPP):  # a socket cannot even be opened
            raise StoryError(_NOT_REGULAR, source) from None
        raise StoryError(f"cannot read the file ({_reason(exc)}): make it a readable file.",
                         source) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StoryError(_NOT_REGULAR, source)
        if info.st_size > MAX_STORY_BYTES:
            raise StoryError(f"the file is larger than {MAX_STORY_BYTES >> 20} MB: split the "
                             "story, or keep large media beside it as files.", source)
        raw = os.read(fd, info.st_size + 1)  # one read when the size is what fstat said
        while len(raw) > info.st_size and len(raw) <= MAX_STORY_BYTES and (
                more := os.read(fd, 1 << 20)):
            raw += more  # it grew meanwhile (a short read is the end of a regular file)
        if len(raw) > MAX_STORY_BYTES:
            raise StoryError(f"the file is larger than {MAX_STORY_BYTES >> 20} MB: split the "
                             "story, or keep large media beside it as files.", source)
    except OSError as exc:
        raise StoryError(f"cannot read the file ({_reason(exc)}): make it a readable file.",
                         source) from None
    finally:
        os.close(fd)
    return FileData(raw, (info.st_mtime_ns, info.st_size, info.st_ino))
