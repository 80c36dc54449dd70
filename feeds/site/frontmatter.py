"""A fast reader for the flat front matter nearly every story has; PyYAML reads the rest.

Reading YAML is the largest part of reading a story: measured in the publisher's
parse loop on the 100,000-story benchmark site, PyYAML's C loader took 40 µs of a
story's 126 µs, because it builds its nodes and values in Python. Nearly every
front matter is ``key: value`` lines whose values are plain or quoted scalars or
a flow list of them; those are read here in about a third of the time. Anything
else (a block list, a mapping, an escape, a comment after a value, a tab, an
anchor, a multi-line value...) returns None and goes to PyYAML.

What is read here is exactly what PyYAML reads: a plain scalar's type is decided
by the loader's own resolvers and built by its own constructors (so ``yes`` is
True, ``1_000`` is 1000 and ``1:30`` is 90, as YAML 1.1 says), and
``tests/test_frontmatter.py`` checks that the two agree on generated input.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A plain scalar, in a block and in a flow list: no indicator first, no ': ' or ' #'
# inside, and in a flow list no flow character.
_BLOCK_PLAIN = re.compile(r"[^-?:,\[\]{}#&*!|>'\"%@`\s](?:[^:#\s]|:(?=\S)|#(?<=\S#)| (?=[^\s#]))*")
_FLOW_PLAIN = re.compile(r"[^-?:,\[\]{}#&*!|>'\"%@`\s](?:[^:#,\[\]{}\s]|:(?=[^\s,\[\]{}])|"
                         r"#(?<=\S#)| (?=[^\s#,\[\]{}]))*")
_DOUBLE = re.compile(r'"([^"\\]*)"')
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
# Tabs, escapes, YAML's other line breaks and a byte order mark inside: PyYAML's part.
_LEAVE = ("\t", "\\", "\x85", "\u2028", "\u2029", "\ufeff")
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
_UNREAD = object()
PLAIN_CACHE = 4096  # plain scalars remembered


class FlatReader:
    """Read flat front matter as a given PyYAML loader class would."""

    def __init__(self, loader: type[Any]):
        self.resolvers = loader.yaml_implicit_resolvers
        self.constructors = loader.yaml_constructors
        self.constructor = yaml.constructor.SafeConstructor()
        self._plain: dict[str, Any] = {}  # keys, tags and names recur from story to story

    def load(self, text: str) -> dict[Any, Any] | None:
        """Return the mapping of ``text``, or None when it is not flat enough to read here."""
        if any(c in text for c in _LEAVE) or _NON_PRINTABLE.search(text):
            return None
        data: dict[Any, Any] = {}
        for raw in text.split("\n"):
            line = raw[:-1] if raw.endswith("\r") else raw
            if "\r" in line:
                return None  # a lone CR is a line break to YAML
            if not line or line == "#" or line.startswith("# "):
                continue
            name, colon, rest = line.partition(":")
            if not colon or (rest and rest[0] != " ") or not _KEY.fullmatch(name):
                return None
            key = self.plain(name)  # "yes:" is True, as YAML 1.1 says
            value = self._value(rest.strip(" "))
            if value is _UNREAD or key in data:
                return None  # (a repeated key: PyYAML keeps the last; leave it to PyYAML)
            data[key] = value
        return data or None

    def plain(self, text: str) -> Any:
        """Build a plain scalar: ``BaseResolver.resolve``, then the tag's constructor."""
        known = self._plain.get(text, _UNREAD)
        if known is not _UNREAD:
            return known
        value = self._resolve(text)
        if len(text) <= 64 and not isinstance(value, list | dict | set):  # (immutable)
            if len(self._plain) >= PLAIN_CACHE:
                self._plain.clear()
            self._plain[text] = value
        return value

    def _resolve(self, text: str) -> Any:
        tag = "tag:yaml.org,2002:str"
        for candidate, regexp in (self.resolvers.get(text[0], [])
                                  + self.resolvers.get(None, [])):
            if regexp.match(text):
                tag = candidate
                break
        if tag == "tag:yaml.org,2002:str":
            return text
        return self.constructors[tag](self.constructor, yaml.ScalarNode(tag, text))

    def _value(self, value: str | None) -> Any:
        if not value:
            return _UNREAD  # an empty value may open a block below it: PyYAML's part
        if value[0] == '"':
            match = _DOUBLE.fullmatch(value)
            return match.group(1) if match else _UNREAD
        if value[0] == "'":
            match = _SINGLE.fullmatch(value)
            return match.group(1).replace("''", "'") if match else _UNREAD
        if value[0] == "[":
            return self._flow_list(value)
        return self.plain(value) if _BLOCK_PLAIN.fullmatch(value) else _UNREAD

    def _flow_list(self, value: str) -> Any:
        if not value.endswith("]"):
            return _UNREAD
        inner = value[1:-1].strip(" \t")  # YAML's spaces only: a no-break space is text
        if not inner:
            return []
        items: list[Any] = []
        for part in inner.split(","):
            item = part.strip(" \t")
            if not item:
                return _UNREAD
            if item[0] == '"':
                match = _DOUBLE.fullmatch(item)
                found = match.group(1) if match else _UNREAD
            elif item[0] == "'":
                match = _SINGLE.fullmatch(item)
                found = match.group(1).replace("''", "'") if match else _UNREAD
            else:
                found = self.plain(item) if _FLOW_PLAIN.fullmatch(item) else _UNREAD
            if found is _UNREAD:
                return _UNREAD
            items.append(found)
        return items
