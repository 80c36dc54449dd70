"""The documents a worker keeps hot: bounded in bytes, dropped by key, rendered once per version.

A site with thousands of tags has tens of thousands of documents, and a crawler
walking them all must not grow a worker without bound: documents are kept
within a byte budget, the least recently used going first. This is the one
cache not kept by the shared LRU (``memory.ByteLRU``, cachetools): it is CLOCK,
where a hit only sets a flag, because every poll reads it. Measured on this
machine, a hit here takes 70-90 ns, and cachetools' ``LRUCache.get`` under the
lock it needs between request threads 500-600 ns: 2 % more on a 304 (about 27 µs
of a core each, at ``make bench``'s 74,859 polls/s), for no better choice of what
to keep. Each document knows
the catalogue keys it was rendered from; a new catalogue version drops exactly
the documents whose keys changed. Many requests for a document that is not hot
wait for one rendering of it (single-flight).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
OVERHEAD = 200  # bytes an entry costs beyond what it holds (the entry, its dict slot)
KEY_COST = 100  # bytes each of its keys costs in the index by key


@dataclass(slots=True)
class Entry(Generic[T]):
    """One hot document, what it depends on, and whether it was used since the last sweep."""

    value: T
    deps: frozenset[str]
    size: int
    used: bool = False


class _Flight:
    __slots__ = ("done", "value", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None


class HotDocuments(Generic[T]):
    """Rendered documents by path, within ``budget`` bytes."""

    def __init__(self, budget: int):
        self.budget = budget
        self.size = 0
        self.version = 0  # the catalogue version whose changes have been applied
        self._entries: dict[str, Entry[T]] = {}
        self._by_key: dict[str, set[str]] = {}
        self._flights: dict[str, _Flight] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, path: str) -> T | None:
        """Return the hot document at ``path`` (no lock: one look-up and one flag)."""
        entry = self._entries.get(path)
        if entry is None:
            return None
        entry.used = True
        return entry.value

    def put(self, path: str, value: T, deps: Iterable[str], size: int, version: int) -> bool:
        """Keep a document rendered at catalogue ``version``, if that is the version applied;
        ``size`` is what it holds in bytes (``memory.deep_size``).

        A rendering that raced with a newer version is served once but not kept:
        the invalidation for that version may already have run.
        """
        deps = frozenset(deps)
        cost = size + OVERHEAD + KEY_COST * len(deps)
        if cost > self.budget // 4:
            return False  # one document must never push out everything else
        with self._lock:
            if version != self.version:
                return False
            self._drop(path)
            entry = Entry(value, deps, cost)
            self._entries[path] = entry
            for key in entry.deps:
                self._by_key.setdefault(key, set()).add(path)
            self.size += cost
            self._evict()
        return True

    def resize(self, budget: int) -> None:
        """Keep within ``budget`` bytes from now on."""
        with self._lock:
            self.budget = budget
            self._evict()

    def apply(self, version: int, keys: Iterable[str]) -> int:
        """Drop every document that depends on one of ``keys``; ``version`` is now applied."""
        dropped = 0
        with self._lock:
            keys = set(keys)
            if "settings" in keys:
                dropped = len(self._entries)
                self._clear()
            else:
                for key in keys:
                    for path in list(self._by_key.get(key, ())):
                        self._drop(path)
                        dropped += 1
            self.version = version
        return dropped

    def reset(self, version: int) -> None:
        """Forget everything (a new catalogue file); ``version`` is now applied."""
        with self._lock:
            self._clear()
            self.version = version

    def once(self, path: str, make: Callable[[], T]) -> T:
        """Return ``make()``, called by one thread only while others asking for ``path`` wait."""
        with self._lock:
            flight = self._flights.get(path)
            leader = flight is None
            if leader:
                flight = self._flights[path] = _Flight()
        assert flight is not None
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value  # type: ignore[return-value]
        try:
            value = make()
            flight.value = value
            return value
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._flights[path]
            flight.done.set()

    def _clear(self) -> None:
        self._entries.clear()
        self._by_key.clear()
        self.size = 0

    def _drop(self, path: str) -> None:
        entry = self._entries.pop(path, None)
        if entry is None:
            return
        self.size -= entry.size
        for key in entry.deps:
            paths = self._by_key.get(key)
            if paths is not None:
                paths.discard(path)
                if not paths:
                    del self._by_key[key]

    def _evict(self) -> None:
        """Sweep from the oldest: a used entry gets a second chance at the back, else goes."""
        limit = 2 * len(self._entries) + 1
        while self.size > self.budget and self._entries and limit > 0:
            limit -= 1
            path = next(iter(self._entries))
            entry = self._entries[path]
            if entry.used:
                entry.used = False
                del self._entries[path]
                self._entries[path] = entry
            else:
                self._drop(path)
        while self.size > self.budget and self._entries:
            self._drop(next(iter(self._entries)))
