"""The README's settings table is the one in ``feeds/site/config.py``, key for key."""

from __future__ import annotations

import re

from feeds.site.config import settings_table

from .conftest import REPO


def readme_settings() -> list[tuple[str, str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("### config.yaml", 1)[1].split("\n\n", 2)[1]
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^\| `(\w+)` \| ([^|]+) \|", table,
                                                          re.MULTILINE)]


def test_the_readme_lists_every_setting_in_order_with_its_default() -> None:
    documented = readme_settings()
    declared = settings_table()
    assert [key for key, _ in documented] == [key for key, _, _ in declared]
    for (key, shown), (_, default, _) in zip(documented, declared, strict=True):
        if default in ("", None):
            assert shown.strip() in ("empty", "none"), key
        else:
            written = str(default).lower() if isinstance(default, bool) else str(default)
            assert shown.strip() == f"`{written}`", (key, shown)
