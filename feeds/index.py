"""An immutable snapshot of the published site, and the catalogue of files it is built from.

Read everything, then publish: one bad file becomes a ``Problem`` beside the
snapshot and is left out; it never stops the others (Pelican's rule).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from types import MappingProxyType

from .config import Settings
from .errors import FeedsError
from .story import Story
from .storyfile import is_story_file, read_story

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Problem:
    """A file that cannot be used as it stands, and what to do about it."""

    source: str
    line: int | None
    message: str

    @classmethod
    def from_error(cls, error: FeedsError) -> Problem:
        return cls(error.path or "", error.line, error.message)

    def __str__(self) -> str:
        return f"{self.source}:{self.line or 1}: {self.message}"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a request needs, swapped in whole so no reader sees half an update."""

    settings: Settings
    stories: tuple[Story, ...]
    problems: tuple[Problem, ...]
    next_due: datetime | None = None
    by_path: Mapping[str, Story] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        settings: Settings,
        parsed: Mapping[str, Story | Problem],
        now: datetime,
        problems: tuple[Problem, ...] = (),
    ) -> Snapshot:
        """Select what is published at ``now`` from every parsed file, newest first."""
        found = list(problems)
        candidates: list[Story] = []
        for item in parsed.values():
            if isinstance(item, Problem):
                found.append(item)
            elif not item.draft:
                candidates.append(item)
        # The first published of two stories with one id or one permalink stays
        # (RFC 4287 4.2.6: an id names one entry forever); the later one is refused.
        candidates.sort(key=lambda s: (s.date, s.source))
        seen_ids: dict[str, Story] = {}
        seen_paths: dict[str, Story] = {}
        live: list[Story] = []
        upcoming: list[datetime] = []
        for story in candidates:
            if story.id in seen_ids:
                first = seen_ids[story.id]
                found.append(Problem(story.source, None,
                                     f"id {story.id!r} is already used by {first.source}: "
                                     "give this story its own id."))
                continue
            if story.path in seen_paths:
                first = seen_paths[story.path]
                found.append(Problem(story.source, None,
                                     f"{first.source} already publishes /{story.path}/: "
                                     "rename one of the two files."))
                continue
            seen_ids[story.id] = story
            seen_paths[story.path] = story
            if story.date > now:
                upcoming.append(story.date)
            else:
                live.append(story)
        live.reverse()
        found.sort(key=lambda p: (p.source, p.line or 0))
        return cls(
            settings=settings,
            stories=tuple(live),
            problems=tuple(found),
            next_due=min(upcoming, default=None),
            by_path=MappingProxyType({s.path: s for s in live}),
        )


def story_files(root: Path) -> Iterator[Path]:
    """Yield every story file under ``root/content``, skipping hidden and scratch files."""
    content = root / "content"
    for folder, dirs, files in os.walk(content):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            path = Path(folder, name)
            if is_story_file(PurePosixPath(path.relative_to(content).as_posix())):
                yield path


def parse_file(path: Path, root: Path, settings: Settings) -> Story | Problem:
    """Parse one file, turning a user's mistake into a ``Problem`` (logged once, here)."""
    try:
        return read_story(path, root, settings)
    except FeedsError as error:
        problem = Problem.from_error(error)
        log.warning("%s", problem)
        return problem


def parse_all(root: Path, settings: Settings) -> dict[str, Story | Problem]:
    """Parse every story file of a site, keyed by its path relative to ``root``."""
    return {
        path.relative_to(root).as_posix(): parse_file(path, root, settings)
        for path in story_files(root)
    }
