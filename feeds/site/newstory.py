"""Write a new story file, ready to edit (``feeds new``)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from pathlib import Path

from ..errors import StoryError
from .config import Settings
from .story import slugify
from .text import clean_line
from .urlspace import claim_problem


def create_story(root: Path, settings: Settings, title: str, section: str | None,
                 tags: list[str], when: datetime) -> Path:
    """Write a new Markdown story with a fresh id and ``when`` as its date; never overwrite."""
    clean_title = clean_line(title)
    if not clean_title:
        raise StoryError("the title is blank: give the story a headline.")
    folder = root / "content"
    if section:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", section):
            raise StoryError(f"section {section!r} must be one folder name: letters, digits, "
                             "'.', '_' or '-'.")
        folder = folder / section
    path = folder / f"{slugify(clean_title)[:80].strip('-')}.md"
    relative = path.relative_to(root / "content").as_posix()
    claimed = claim_problem(relative.removesuffix(".md"))
    if claimed:
        raise StoryError(claimed.replace("rename the file or its folder", "choose another "
                                         "title or section"), f"content/{relative}")
    lines = [
        f"title: {json.dumps(clean_title, ensure_ascii=False)}",  # JSON strings are YAML too
        f"id: \"urn:uuid:{uuid.uuid4()}\"",
        f"date: {when.replace(microsecond=0).isoformat()}",
    ]
    if tags:
        listed = [" ".join(t.split()) for t in tags if t.strip()]
        lines.append(f"tags: {json.dumps(listed, ensure_ascii=False)}")
    text = "---\n" + "\n".join(lines) + "\n---\n\nWrite the story here.\n"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise StoryError("this file already exists: choose another title, or edit it.",
                         path.relative_to(root)) from None
    return path
