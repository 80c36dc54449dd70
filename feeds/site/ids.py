"""Story ids: the one a story without ``id:`` is given, and the safe write-back into its file.

An id is forever (RFC 4287 4.2.6), so a story without one gets a ``urn:uuid:``
made from its path and date: the same on every machine and after ``.feeds/`` is
lost, and independent of the host in ``base_url`` (a preview on localhost must
not become part of an id). The publisher then writes it into the file, because
only then does a rename or a move keep it.

The safe write-back of an id into its file is ``feeds.site.idwrite``.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pypi.org/project/feeds/#story")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"\\]+")
_GUID = re.compile(r"[A-Za-z0-9][^\s<>\"\\:]*")  # no scheme, so nothing a reader would follow
_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


def derived_id(path: str, published: datetime) -> str:
    """Return the ``urn:uuid:`` a story without ``id:`` is known by (RFC 4122 version 5)."""
    stamp = published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{path}|{stamp}')}"


def is_uri(value: str) -> bool:
    """Tell whether ``value`` can be an Atom id: an absolute URI that nothing would run."""
    return bool(_URI.fullmatch(value)) and not value.lower().startswith(_UNSAFE_SCHEMES)


def is_story_id(value: str) -> bool:
    """Tell whether ``value`` can be a story's id: a URI, or a word without spaces as an old
    RSS feed gave it (Ghost's ``<guid>`` is its post's object id, ``5f3b…``), which RSS and
    JSON Feed carry as it is and Atom as ``atom_id`` makes it."""
    return is_uri(value) or bool(_GUID.fullmatch(value))


def atom_id(story_id: str) -> str:
    """Return the id Atom carries for a story: its own when it is a URI (RFC 4287 4.2.6
    requires one), else a ``urn:uuid:`` made from it, the same on every machine."""
    if is_uri(story_id):
        return story_id
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, 'guid:' + story_id)}"
