"""Read an export written as XML (WordPress' WXR, Blogger's Atom) as a stream of records.

defusedxml parses (no entity expansion, no external entities, no DTD), one record
(a post, an entry) at a time: each is handed over when it ends and then let go, so
memory is that of one record whatever the file's size; a record past
``MAX_RECORD_BYTES`` is refused while it is being read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .fetch import FetchError
from .reading import Counted

MAX_RECORD_BYTES = 64 << 20  # one post with its comments and meta


def read_records(name: str, opener: Callable[[], IO[bytes]], depth: int,
                 is_record: Callable[[str], bool], take: Callable[[Any], None],
                 platform: str) -> None:
    """Call ``take`` with each element ``depth`` levels down (2: the children of the root's
    child, as a WXR channel's), when it ends; records (``is_record`` of the tag) are
    bounded in size and let go once taken."""
    try:
        stream = opener()
    except OSError as exc:
        raise FetchError(f"{name}: cannot read it ({exc.strerror}).") from None
    counted = Counted(stream, name, MAX_RECORD_BYTES, "one record (a post, an entry)")
    level, parent = 0, None
    try:
        for event, element in iterparse(counted, events=("start", "end")):
            if event == "start":
                level += 1
                if level == depth:
                    parent = element
                elif level == depth + 1 and is_record(element.tag):
                    counted.mark()
                continue
            level -= 1
            if level == depth:
                take(element)
                if parent is not None and is_record(element.tag):
                    parent.clear()  # (what is taken is let go: memory stays one record's)
                counted.unmark()
    except FetchError:
        raise
    except DefusedXmlException:
        raise FetchError(f"{name}: the file declares XML entities or a DTD, which a "
                         f"{platform} export never does, so nothing of it is imported.") from None
    except Exception as exc:  # noqa: BLE001 - expat raises several kinds
        line = getattr(exc, "position", (None,))[0]
        where = f" (line {line})" if line else ""
        raise FetchError(f"{name}: the export is not well-formed XML{where}, so nothing of it "
                         f"is imported: export it again from {platform}.") from None
    finally:
        stream.close()
