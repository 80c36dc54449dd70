"""config.yaml: defaults, checks, and errors that name the key, the line and the fix."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from feeds.errors import ConfigError
from feeds.site.config import Settings, load_settings, settings_table
from feeds.site.story import Author


def write(root: Path, text: str) -> None:
    (root / "config.yaml").write_text(text, encoding="utf-8")


def test_a_config_of_comments_gives_the_defaults(tmp_path: Path) -> None:
    write(tmp_path, "# nothing set yet: every default\n")
    settings = load_settings(tmp_path)
    assert settings == Settings.default()
    assert settings.feed_size == 50
    assert settings.cache_max_age == 900
    assert settings.hubs == ()
    assert settings.write_ids is True


def test_values_are_read_and_normalised(tmp_path: Path) -> None:
    write(tmp_path, "title: News\nbase_url: https://news.example/sub\ntimezone: Asia/Baku\n"
                    "author: {name: Desk, email: desk@news.example}\nfeed_size: 10\n"
                    "hubs: https://hub.example/\n")
    settings = load_settings(tmp_path)
    assert settings.base_url == "https://news.example/sub/"
    assert settings.url("/rss.xml") == "https://news.example/sub/rss.xml"
    assert settings.href("/rss.xml") == "/sub/rss.xml"
    assert settings.host == "news.example"
    assert str(settings.timezone) == "Asia/Baku"
    assert settings.author == Author("Desk", "desk@news.example")
    assert settings.feed_size == 10
    assert settings.hubs == ("https://hub.example/",)


@pytest.mark.parametrize(("text", "line", "key", "words"), [
    ("title: A\nfeed_sise: 10\n", 2, "feed_sise", "unknown key: remove it"),
    ("title: A\nfeed_size: ten\n", 2, "feed_size", "expected a whole number from 1 to 1000"),
    ("feed_size: 0\n", 1, "feed_size", "from 1 to 1000"),
    ("base_url: news.example\n", 1, "base_url", "not an http(s) address"),
    ("base_url: 'https://news.example/\"><script>'\n", 1, "base_url", "a plain address"),
    ("timezone: Mars/Olympus\n", 1, "timezone", "not an IANA time zone"),
    ("language: english!\n", 1, "language", "not a language tag"),
    ("write_ids: yes please\n", 1, "write_ids", "expected true or false"),
    ("hubs: [ftp://hub.example/]\n", 1, "hubs", "must be an http(s) URL"),
    ("title: [a, b]\n", 1, "title", "expected text on one line"),
    ("author: {name: A, uri: 'javascript:alert(1)'}\n", 1, "author", "must be an http(s) URL"),
    ("author: {name: A, email: not-an-address}\n", 1, "author", "not an address"),
    ("opml_format: xml\n", 1, "opml_format", "expected atom, rss or json"),
])
def test_bad_keys_are_errors_naming_key_and_line(
    tmp_path: Path, text: str, line: int, key: str, words: str
) -> None:
    write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert caught.value.key == key
    assert caught.value.line == line
    assert words in caught.value.message
    assert str(caught.value).startswith(f"config.yaml:{line}: ")


def test_an_emptied_config_is_an_error_not_the_defaults(tmp_path: Path) -> None:
    """An editor truncating the file before writing it must not switch the site to defaults."""
    for text in ("", "  \n\n"):
        write(tmp_path, text)
        with pytest.raises(ConfigError, match="the file is empty"):
            load_settings(tmp_path)


def test_bad_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="there is no config.yaml"):
        load_settings(tmp_path)
    write(tmp_path, "title: A\n  bad: indent\n")
    with pytest.raises(ConfigError, match="not valid YAML") as caught:
        load_settings(tmp_path)
    assert caught.value.line == 2
    write(tmp_path, "- a\n- b\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_settings(tmp_path)


def test_every_setting_is_declared_once_with_a_default_and_help() -> None:
    table = settings_table()
    assert [name for name, _, _ in table] == [f.name for f in fields(Settings)]
    assert all(help_text.endswith(".") for _, _, help_text in table)
    assert Settings.from_raw(Settings.default().to_raw()) == Settings.default()


def test_control_characters_are_removed_from_text_settings(tmp_path: Path) -> None:
    write(tmp_path, 'title: "News\\u0007 Desk"\nauthor: {name: "A\\u0000B"}\n')
    settings = load_settings(tmp_path)
    assert settings.title == "News Desk"
    assert settings.author == Author("AB")


def test_a_config_that_is_not_a_regular_file_is_an_error_not_a_hang(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "config.yaml")
    with pytest.raises(ConfigError, match="not a regular file"):
        load_settings(tmp_path)
