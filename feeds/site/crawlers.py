"""The settings for search engines and link previews: robots.txt rules, the publisher's logo.

Checked here and declared in ``config.Settings`` beside the others. A ``robots``
entry is one group of RFC 9309 (``user_agent``, then ``allow`` and ``disallow``
paths); ``robots.txt`` (``documents.robots``) writes them after the site's own
group, and a group for ``*`` in config.yaml takes the place of the site's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .text import clean_line, is_web_url

MAX_GROUPS = 100
MAX_RULES = 1000  # paths in all: a robots.txt past 500 KiB is cut by Google (RFC 9309 2.5)
# RFC 9309 2.2.1: a product token is letters, "_" and "-" (and "*" for every crawler);
# digits too, as crawlers such as 360Spider are named.
_AGENT = re.compile(r"\*|[A-Za-z0-9_-]+")
# RFC 9309 2.2.2: a path pattern starts with "/" ("*" and "$" are its special characters);
# no space, control character or "#" (which starts a comment).
_PATH = re.compile(r"[/*][^\s#\x00-\x1f\x7f]{0,2000}")


@dataclass(frozen=True, slots=True)
class RobotsGroup:
    """One group of robots.txt rules: the crawlers it is for, the paths allowed and not."""

    user_agents: tuple[str, ...]
    allow: tuple[str, ...] = ()
    disallow: tuple[str, ...] = ()

    def to_raw(self) -> dict[str, Any]:
        """Return the group as config.yaml writes it."""
        raw: dict[str, Any] = {"user_agent": list(self.user_agents)}
        if self.allow:
            raw["allow"] = list(self.allow)
        if self.disallow:
            raw["disallow"] = list(self.disallow)
        return raw


def _words(value: Any, pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ValueError(f"expected {what}, or a list of them")
    found = tuple(clean_line(item) for item in items)
    for item in found:
        if not pattern.fullmatch(item):
            raise ValueError(f"{item!r} is not {what}")
    return found


def robots_groups(value: Any) -> tuple[RobotsGroup, ...]:
    """Check the ``robots`` setting: a list of ``{user_agent, allow, disallow}``."""
    if value in ("", None):
        return ()
    if not isinstance(value, list | tuple):
        raise ValueError("expected a list of {user_agent, allow, disallow} groups, such as "
                         "[{user_agent: ExampleBot, disallow: /}]")
    if len(value) > MAX_GROUPS:
        raise ValueError(f"more than {MAX_GROUPS} groups")
    groups = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"user_agent", "allow", "disallow"}:
            raise ValueError("each group is a mapping of user_agent, allow and disallow")
        if not item.get("user_agent"):
            raise ValueError("each group needs a user_agent (a crawler's name, or *)")
        agent = "a crawler's name (letters, digits, _ and -) or *"
        path = "a path that starts with / or *, such as /drafts/"
        groups.append(RobotsGroup(_words(item["user_agent"], _AGENT, agent),
                                  _words(item.get("allow") or [], _PATH, path),
                                  _words(item.get("disallow") or [], _PATH, path)))
    if sum(len(g.allow) + len(g.disallow) for g in groups) > MAX_RULES:
        raise ValueError(f"more than {MAX_RULES} paths in all")
    return tuple(groups)


def logo_url(value: Any) -> str:
    """Check the ``logo`` setting: the publisher's logo, an http(s) URL (empty: none)."""
    if value in ("", None):
        return ""
    if not isinstance(value, str) or not is_web_url(clean_line(value)):
        raise ValueError("expected the http(s) URL of the logo image, such as "
                         "https://news.example/logo.png")
    return clean_line(value)
