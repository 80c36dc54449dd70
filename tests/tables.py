"""Helpers for the tests that add a row to a table of what varies (a kind, a format)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

from feeds.catalog.parsing import Parsed, ParsePool, parse_one


@pytest.fixture
def parse_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse story files in the test's own process, where the test's own rows are: a parse
    child is a fresh interpreter, which knows only the rows feeds ships."""

    def parse(self: ParsePool, sources: Iterable[str]) -> Iterator[Parsed]:
        for source in sources:
            yield parse_one(self.root, source, self.settings)

    monkeypatch.setattr(ParsePool, "parse", parse)
    monkeypatch.setattr(ParsePool, "warm", lambda self: None)
