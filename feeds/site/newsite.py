"""Start a new site (``feeds init``): a commented ``config.yaml``, a welcome story, git files.

The config lists every setting of the settings table, commented out with its default
and help, so a newcomer reads what can be set in the file they edit; the settings
given on the command line are written as values. Nothing that is already there is
written over: a folder that holds a site is refused, naming what it holds.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, FeedsError
from .config import CONFIG_NAME, Settings, settings_table
from .files import CONTENT

STATE = ".feeds"  # (the catalogue's folder: a site that has been served)
HISTORY = "history"  # (the publication history: see feeds.catalog.history)
# What marks a folder as a site already: feeds init never writes over any of these.
SITE_MARKS = (CONFIG_NAME, CONTENT, HISTORY, STATE)
IGNORED = (".feeds/", "/public/", "/public.nginx.conf")
# A git merge of two copies of the site keeps both copies' history lines (see the README).
ATTRIBUTES = ("history/*.jsonl merge=union",)


@dataclass(frozen=True, slots=True)
class NewSite:
    """What ``feeds init`` was asked for: the settings a newcomer sets first."""

    title: str | None = None
    base_url: str | None = None
    timezone: str | None = None
    author: str | None = None

    def given(self) -> dict[str, str]:
        """Return the settings given, as config keys."""
        return {key: value for key, value in (
            ("title", self.title), ("base_url", self.base_url), ("timezone", self.timezone),
            ("author", self.author)) if value is not None}


def create_site(root: Path, wanted: NewSite, now: datetime) -> list[Path]:
    """Write a new site into ``root`` (made if needed); return the files written.

    Raises ``FeedsError`` when ``root`` already holds a site, or a setting is wrong
    (checked before anything is written).
    """
    there = [name + ("/" if (root / name).is_dir() else "") for name in SITE_MARKS
             if (root / name).exists() or (root / name).is_symlink()]
    if there:
        raise FeedsError(f"{root} already holds a site ({', '.join(there)}): feeds init writes "
                         "over nothing; choose a new or empty folder, or serve this one.")
    if root.exists() and not root.is_dir():
        raise FeedsError(f"{root} is a file: give feeds init a folder to start the site in.")
    try:
        settings = Settings.from_raw(wanted.given())
    except ConfigError as error:
        key = error.key or ""
        reason = error.message.removeprefix(f"{key}: ").partition(" (")[0]
        raise FeedsError(f"--{key.replace('_', '-')}: {reason}: give another.") from None
    root.mkdir(parents=True, exist_ok=True)
    written = [_write(root / CONFIG_NAME, config_text(wanted.given()))]
    written.append(_write(root / CONTENT / "welcome.md", welcome_story(settings, now)))
    written += [path for path in (_add_lines(root / ".gitignore", IGNORED),
                                  _add_lines(root / ".gitattributes", ATTRIBUTES)) if path]
    return written


def config_text(given: dict[str, str]) -> str:
    """Return a ``config.yaml`` listing every setting: the given ones set, the rest commented
    out with their default, each under its help."""
    lines = ["# The site's settings. Each one below shows its default; remove the '# ' before a",
             "# key to set it. feeds reads this file again when it changes, and keeps serving the",
             "# last good settings while it has a mistake (feeds check names the line).", ""]
    for key, default, help_text in settings_table():
        lines.append(f"# {help_text}")
        if key in given:
            lines.append(f"{key}: {_yaml(given[key])}")
        else:
            lines.append(f"# {key}: {_yaml(default)}")
        lines.append("")
    return "\n".join(lines)


def _yaml(value: Any) -> str:
    """Return ``value`` as one line of YAML (JSON is YAML: quoted only where needed)."""
    if isinstance(value, str):
        plain = yaml.safe_dump(value, default_flow_style=True, width=1 << 16,
                               allow_unicode=True).removesuffix("\n...\n").strip()
        return plain if "\n" not in plain else json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)


def welcome_story(settings: Settings, now: datetime) -> str:
    """Return the first story: it says how to write the next one."""
    when = now.astimezone(settings.timezone).replace(microsecond=0).isoformat()
    return f"""---
title: {json.dumps(f"Welcome to {settings.title}", ensure_ascii=False)}
id: "urn:uuid:{uuid.uuid4()}"
date: {when}
tags: [welcome]
summary: "This site publishes every story file in content/ as RSS, Atom and JSON Feed."
---

This is the first story of the site, in `content/welcome.md`. Every file under
`content/` is a story: Markdown with this front matter between two `---` lines
(or YAML, with the text under `body:`). `feeds serve` publishes a new or changed
file within a second.

To write the next story, run

    feeds new "The headline" --section world --tag politics

which writes `content/world/the-headline.md` with its own `id` and today's date;
or copy this file and change its `title`, `date` and text (leave out the `id`:
feeds writes a new one in). A date in the future publishes the story then,
`draft: true` keeps it off every feed, and removing the file takes it down.

Set `title`, `base_url` and `author` in `config.yaml` before the site goes live,
run `feeds check` to see any problem with a file, and commit `content/`,
`history/` and `config.yaml` with git: together they are the whole site.
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _add_lines(path: Path, wanted: tuple[str, ...]) -> Path | None:
    """Add the lines ``path`` lacks (a git repository's own .gitignore is kept as it is)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    present = set(text.splitlines())
    missing = [line for line in wanted if line not in present]
    if not missing:
        return None
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + "\n".join(missing) + "\n", encoding="utf-8")
    return path
