"""The rules every text field is held to, wherever it comes from (a story, config.yaml, an import).

XML 1.0 cannot carry most control characters, and one stray character in one
author's name would otherwise break every feed that names the author; a URL a
reader or a browser follows must be a web address, never ``javascript:``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# XML 1.0 section 2.2 allows tab, LF, CR and the characters from U+0020 on, minus
# surrogates and U+FFFE/U+FFFF; C1 controls (U+0080-U+009F) are allowed but are
# invisible garbage in every reader, so they go too.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# What no name of a file or URL path may hold: the above, and tab, line breaks, U+2028/U+2029.
# (A name that is not UTF-8 reaches Python as lone surrogates: caught here too.)
_NOT_IN_A_NAME = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufffe\uffff]")
_WEB_SCHEMES = ("http", "https")
_LINK_SCHEMES = ("http", "https", "mailto")


def xml_safe(text: str) -> str:
    """Remove the characters XML 1.0 cannot carry (control characters, lone surrogates)."""
    if text.isprintable():  # the common case, checked in C: nothing to remove
        return text
    return _XML_FORBIDDEN.sub("", text)


def has_control(name: str) -> bool:
    """Tell whether a file name or URL path holds a character no name should (a control
    character, a line break, a byte that was not UTF-8); letters of every script, emoji
    sequences with their joiners and other format characters are fine."""
    return not name.isprintable() and _NOT_IN_A_NAME.search(name) is not None


def clean_line(text: str) -> str:
    """Return ``text`` as one XML-safe line with single spaces (titles, names, tags)."""
    return " ".join(xml_safe(text).split())


def is_web_url(url: str) -> bool:
    """Tell whether ``url`` is an absolute http(s) URL with a host and nothing a page could run."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.scheme.lower() in _WEB_SCHEMES and bool(parts.hostname)
            and not any(c in url for c in " <>\"\\`{}|^") and xml_safe(url) == url)


# An e-mail address as an author's or a show owner's: one @, a dot after it, nothing that
# would break out of a header or an attribute.
EMAIL = re.compile(r"[^@\s<>\"'()\[\]\\,;:]+@[^@\s<>\"'()\[\]\\,;:]+\.[^@\s<>\"'()\[\]\\,;:]+")
