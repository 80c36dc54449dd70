"""Hostile and odd story files, by class: what a stranger or a careless writer can put in content/.

Each case is a file (or something that is not one) and what must come of it: a problem
on a given line whose message ends with the fix, or a story that is published, cleaned.
``test_hostile_files`` runs them all at once through ``feeds check`` and the real server.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FRONT = "---\ntitle: {title}\ndate: 2025-11-13\n{extra}---\n\nBody.\n"


@dataclass(frozen=True)
class Case:
    """One hostile file: its path under content/, how to make it, and what must come of it."""

    cls: str  # the class of hostility, as the issue names them
    path: str
    make: Callable[[Path], None]
    line: int | None = None  # the line the problem names (None: not checked)
    words: str = ""  # in the problem's message ("*": any problem; "": no problem at all)
    published: str = ""  # a title the feeds must carry (the story is published, cleaned)
    where: str = ""  # the file the problem names, when not the case's own


def text(body: str | bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body if isinstance(body, bytes) else body.encode())
    return make


def front(extra: str = "", title: str = "T") -> Callable[[Path], None]:
    return text(FRONT.format(title=title, extra=extra))


def fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def unix_socket(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))


def link(target: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
    return make


def deep(levels: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        folder = path.parent.joinpath(*["d"] * levels)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / path.name).write_text(FRONT.format(title="Too deep", extra=""))
    return make


def nested(depth: int) -> str:
    return "[" * depth + "a" + "]" * depth


# A billion laughs: nine levels of nine aliases, in one field.
BOMB = "---\ntitle: T\ndate: 2025-11-13\ntags: [&a [x, x, x, x, x, x, x, x, x], " + ", ".join(
    f"&{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)) + "]\n---\n"

CASES: list[Case] = [
    # 1. Files that are not regular files.
    Case("not a regular file", "odd/fifo.md", fifo, None, "not a regular file"),
    Case("not a regular file", "odd/socket.md", unix_socket, None, "not a regular file"),
    Case("not a regular file", "odd/outside.md", link("/etc/hostname"), None, "outside the site"),
    Case("not a regular file", "odd/device.md", link("/dev/zero"), None, "outside the site"),
    Case("not a regular file", "odd/loop.md", link("loop.md"), None, "cannot read the file"),
    Case("not a regular file", "odd/dangling.md", link("nowhere.md"), None, "cannot read"),
    Case("not a regular file", "odd/etc", link("/etc"), None, ""),  # a folder link: not followed
    # 2. Sizes and counts with no limit.
    Case("size", "big/huge.md", text(FRONT.format(title="Huge", extra="") + "x" * (5 << 20)),
         None, "larger than 4 MB"),
    Case("size", "big/title.md", front(title="t" * 501), 2, "longer than 500 characters"),
    Case("size", "big/tags.md", front("tags: [" + ", ".join(f"t{n}" for n in range(101)) + "]\n"),
         4, "more than 100 tags"),
    Case("size", "big/tag.md", front("tags: [" + "x" * 101 + "]\n"), 4, "longer than 100"),
    Case("size", "big/authors.md", front("author: [" + ", ".join(f"a{n}" for n in range(51))
                                         + "]\n"), 4, "more than 50 authors"),
    Case("size", "big/author.md", front("author: " + "n" * 201 + "\n"), 4, "longer than 200"),
    Case("size", "big/summary.md", front("summary: " + "s " * 2600 + "\n"), 4,
         "longer than 5000"),
    Case("size", "big/enclosures.md", front("enclosures:\n" + "".join(
        f"  - {{url: https://x.example/{n}.mp3, type: audio/mpeg, length: 1}}\n"
        for n in range(21))), 4, "more than 20 enclosures"),
    Case("size", "big/aliases.md", front("aliases: [" + ", ".join(f"/a{n}/" for n in range(51))
                                         + "]\n"), 4, "more than 50 aliases"),
    Case("size", "big/url.md", front("image: https://x.example/" + "p" * 2001 + ".png\n"), 4,
         "longer than 2000"),
    Case("size", "big/alt.md", front("image: {url: https://x.example/a.png, alt: " + "a" * 1001
                                     + "}\n"), 4, "longer than 1000"),
    Case("size", "big/x.md", deep(33), None, "nested more than 32 deep",
         where="content/big/" + "/".join(["d"] * 31)),
    Case("size", "big/empty.md", text(b""), 1, "the file is empty"),
    Case("size", "big/blank.md", text(b" \n\t\n"), 1, "the file is empty"),
    Case("size", "big/long-line.md",
         text(FRONT.format(title="Long line", extra="") + "w" * 1_000_000 + "\n"), None, "",
         "Long line"),
    # 3. Dates out of range, historical offsets, wrong shapes.
    Case("date", "dates/year1.md", text("---\ntitle: T\ndate: 0001-01-01\n---\n"), 3,
         "year is outside"),
    Case("date", "dates/year9999.md", text("---\ntitle: T\ndate: 9999-12-31\n---\n"), 3,
         "year is outside"),
    Case("date", "dates/year10000.md", text("---\ntitle: T\ndate: 10000-01-01\n---\n"), 3,
         "not an ISO 8601 date"),
    Case("date", "dates/month13.md", text("---\ntitle: T\ndate: 2025-13-01\n---\n"), 3,
         "not an ISO 8601 date"),
    Case("date", "dates/feb30.md", text("---\ntitle: T\ndate: 2025-02-30\n---\n"), 3,
         "not an ISO 8601 date"),
    Case("date", "dates/offset.md", text("---\ntitle: T\ndate: 2025-02-03T10:00:00+25:00\n---\n"),
         3, "not an ISO 8601 date"),
    Case("date", "dates/lmt.md", text("---\ntitle: Local mean time\n"
                                      "date: '1900-06-01T12:00:00+00:53:28'\n---\nB\n"),
         None, "", "Local mean time"),
    Case("date", "dates/list.md", text("---\ntitle: T\ndate: [2025, 11, 13]\n---\n"), 3,
         "not an ISO 8601 date"),
    Case("date", "dates/map.md", text("---\ntitle: T\ndate: {y: 2025}\n---\n"), 3,
         "not an ISO 8601 date"),
    Case("date", "dates/number.md", text("---\ntitle: T\ndate: 2025\n---\n"), 3,
         "not an ISO 8601 date"),
    Case("date", "dates/blank.md", text("---\ntitle: T\ndate: ''\n---\n"), 3,
         "not an ISO 8601 date"),
    Case("date", "dates/null.md", text("---\ntitle: T\ndate: null\n---\n"), 1, "there is no date"),
    Case("date", "dates/nanos.md", text("---\ntitle: Past microseconds\n"
                                        "date: '2025-01-01T00:00:00.1234567891'\n---\nB\n"),
         None, "", "Past microseconds"),
    Case("date", "dates/tagged.md", text("---\ntitle: Tagged date\n"
                                         "date: !!timestamp 2025-01-02\n---\nB\n"),
         None, "", "Tagged date"),
    Case("date", "dates/earlier.md", text("---\ntitle: T\ndate: 2025-11-13\n"
                                          "updated: 2025-11-12\n---\n"), 4, "earlier than"),
    # 4. YAML values of the wrong type, hostile YAML.
    Case("yaml type", "yaml/binary.md", front(title="!!binary aGVsbG8="), 2, "expected text"),
    Case("yaml type", "yaml/set.md", front("tags: !!set {a, b}\n"), 4, "each tag is a word"),
    Case("yaml type", "yaml/python.md", front(title="!!python/object/apply:os.system [id]"), 2,
         "YAML is not valid"),
    Case("yaml type", "yaml/bomb.md", text(BOMB), 4, "each tag is a word"),
    Case("yaml type", "yaml/nested.md", front("tags: " + nested(5000) + "\n"), None, "*"),
    Case("yaml type", "yaml/null-title.md", front(title="null"), 1, "there is no title"),
    Case("yaml type", "yaml/bool-title.md", front(title="yes"), 2, "expected text"),
    Case("yaml type", "yaml/map-title.md", front(title="{a: b}"), 2, "expected text"),
    Case("yaml type", "yaml/complex-key.md", front("? [a, b]\n: c\n"), None, "YAML is not valid"),
    Case("yaml type", "yaml/list.md", text("---\n- a\n- b\n---\n"), 2, "key: value"),
    Case("yaml type", "yaml/scalar.md", text("---\njust words\n---\n"), 2, "key: value"),
    Case("yaml type", "yaml/unknown.md", front("colour: red\n"), 4, "unknown field"),
    Case("yaml type", "yaml/two-docs.yaml", text("title: A\ndate: 2025-11-13\n---\ntitle: B\n"),
         None, "YAML is not valid"),
    Case("yaml type", "yaml/body.yaml", text("title: T\ndate: 2025-11-13\nbody: !!binary aGk=\n"),
         3, "body: it must be text"),
    Case("yaml type", "yaml/draft.md", front("draft: 'yes'\n"), 4, "expected true or false"),
    Case("yaml type", "yaml/length.md", front("enclosures: [{url: https://x.example/a.mp3, "
                                              "type: audio/mpeg, length: 1e400}]\n"),
         4, "size in bytes"),
    Case("yaml type", "yaml/huge-length.md", front("enclosures: [{url: https://x.example/a.mp3, "
                                                   "type: audio/mpeg, length: 99999999999999999"
                                                   "99999}]\n"), 4, "size in bytes"),
    Case("yaml type", "yaml/tab.md", text("---\ntitle: T\n\tdate: 2025-11-13\n---\n"), None,
         "YAML is not valid"),
    Case("yaml type", "yaml/nul.md", text(b"---\ntitle: T\x00\ndate: 2025-11-13\n---\n"), None,
         "YAML is not valid"),
    Case("yaml type", "yaml/latin1.md", text("---\ntitle: Caf\xe9\ndate: 2025-11-13\n---\n"
                                             .encode("latin-1")), 2, "not UTF-8"),
    Case("yaml type", "yaml/utf16.md", text("---\ntitle: T\n---\n".encode("utf-16")), 1,
         "not UTF-8"),
    Case("yaml type", "yaml/no-front.md", text("title: T\ndate: 2025-11-13\n"), 1,
         "no front matter"),
    Case("yaml type", "yaml/unclosed.md", text("---\ntitle: T\ndate: 2025-11-13\n"), 1,
         "not closed"),
    Case("yaml type", "yaml/duplicate-key.md", text("---\ntitle: First\ntitle: Duplicate key\n"
                                                    "date: 2025-11-13\n---\nB\n"), None, "",
         "Duplicate key"),
    Case("yaml type", "yaml/no-body.yaml", text("title: No body\ndate: 2025-11-13\n"), None, "",
         "No body"),
    # 5. Text fields held to the body's rules: XML-safe, web URLs only, no javascript:.
    Case("text", "text/control.md", text("---\ntitle: \"Bell\\a in \\x01title\"\n"
                                         "date: 2025-11-13\n---\nB\n"), None, "",
         "Bell in title"),
    Case("text", "text/author.md", text("---\ntitle: Control author\n"
                                        "author: \"Ann\\x07 Author\"\ndate: 2025-11-13\n---\nB\n"),
         None, "", "Control author"),
    Case("text", "text/tags.md", text("---\ntitle: Control tag\ntags: [\"t\\x02ag\"]\n"
                                      "date: 2025-11-13\n---\nB\n"), None, "", "Control tag"),
    Case("text", "text/nonchar.md", text("---\ntitle: \"Non\\uFFFEchar\"\n"
                                         "date: 2025-11-13\n---\nB\n"), None, "", "Nonchar"),
    Case("text", "text/surrogate.md", text("---\ntitle: \"Lone\\uD800 surrogate\"\n"
                                           "date: 2025-11-13\n---\nB\n"), 2, "YAML is not valid"),
    Case("text", "text/link.md", front("link: 'javascript:alert(1)'\n"), 4, "absolute http(s)"),
    Case("text", "text/image.md", front("image: 'javascript:alert(1)'\n"), 4, "not an http(s)"),
    Case("text", "text/data-image.md", front("image: 'data:image/png;base64,AAAA'\n"), 4,
         "not an http(s)"),
    Case("text", "text/enclosure.md", front("enclosures: [{url: 'javascript:x', "
                                            "type: audio/mpeg}]\n"), 4, "not an http(s)"),
    Case("text", "text/author-uri.md", front("author: {name: A, uri: 'javascript:alert(1)'}\n"),
         4, "must be an http(s) URL"),
    Case("text", "text/author-email.md", front("author: {name: A, email: '<b>x'}\n"), 4,
         "not an address"),
    Case("text", "text/id.md", front("id: 'javascript:alert(1)'\n"), 4, "not an absolute URI"),
    Case("text", "text/alias.md", front("aliases: ['javascript:alert(1)']\n"), 4, "an alias"),
    Case("text", "text/quote-url.md", front("link: 'https://x.example/\" onmouseover=alert(1)'\n"),
         4, "absolute http(s)"),
    Case("text", "text/script-body.md", text("---\ntitle: Script body\ndate: 2025-11-13\n---\n"
                                             "<script>alert(1)</script>\n\n"
                                             "<img src=x onerror=alert(1)>\n\n"
                                             "[click](javascript:alert(1))\n"), None, "",
         "Script body"),
    Case("text", "text/html-title.md", front(title='"<b onmouseover=alert(1)>Bold</b>"'), None,
         "", "<b onmouseover=alert(1)>Bold</b>"),
    # 6. Paths that the site's own URLs would shadow.
    Case("shadowed path", "tags/x.md", front(), None, "one of the site's own URLs"),
    Case("shadowed path", "authors/x.md", front(), None, "one of the site's own URLs"),
    Case("shadowed path", "static/x.md", front(), None, "one of the site's own URLs"),
    Case("shadowed path", "page/2.md", front(), None, "one of the site's own URLs"),
    Case("shadowed path", "world/page/3.md", front(), None, "one of the site's own URLs"),
    # Published all the same (its content is in the feeds), and reported: its own page
    # is the section's, so the author must rename one of the two.
    Case("shadowed path", "world.md", front(title="Shadowed by a section"), None,
         "the world section's page", "Shadowed by a section"),
    Case("shadowed path", "odd/section.md", front("section: Tags\n"), 4, "site's own URLs"),
]
