"""Old addresses: a story's ``aliases`` and config.yaml's ``redirects`` answer 301."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from feeds.errors import ConfigError
from feeds.site.config import load_settings

from .conftest import Published, story_text, write_config, write_story


def test_aliases_and_redirects_answer_301_and_a_removed_story_410(
        site: Path, publish: Callable[..., Published]) -> None:
    (site / "config.yaml").write_text((site / "config.yaml").read_text() + (
        "redirects:\n  /old-feed/: /rss.xml\n  https://old.example/away/: https://other.example/x\n"))
    story = write_story(site, "world/moved.md", story_text(
        "Moved", "2025-01-02T10:00", id='"urn:x:moved"',
        aliases="['/2019/05/old-name/', 'https://old.example/2018/older.html']"))
    published = publish(site, write_ids=False)
    expected = {"/old-feed/": "/rss.xml", "/old-feed": "/rss.xml",
                "/away/": "https://other.example/x", "/2019/05/old-name/": "/world/moved/",
                "/2019/05/old-name": "/world/moved/", "/2018/older.html": "/world/moved/"}
    for old, new in expected.items():
        response = published.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"].endswith(new), (old, response.headers["Location"])
    assert published.get("/world/moved/").status_code == 200
    assert published.get("/2019/05/other/").status_code == 404

    story.unlink()
    published.sync()
    assert published.get("/2019/05/old-name/").status_code == 410


@pytest.mark.parametrize(("entry", "message"), [
    ("'/': /rss.xml", "not the home page"),
    ("/a/: 'javascript:alert(1)'", "each new address must be a site path"),
    ("/a/: /a", "redirects to itself"),
    ("/a/: /b/, /b: /c, 'https://old.example/c/': /a", "/a -> /b -> /c -> /a"),
    ("[/a/, /b/]", "expected a mapping"),
])
def test_bad_redirects_are_config_errors(site: Path, entry: str, message: str) -> None:
    write_config(site, redirects="{" + entry + "}" if not entry.startswith("[") else entry)
    with pytest.raises(ConfigError) as raised:
        load_settings(site)
    assert message in str(raised.value) and "redirects" in str(raised.value)
