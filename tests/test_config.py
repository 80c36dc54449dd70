"""config.yaml: defaults, checks, and errors that name the key, the line and the fix."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import pytest

from feeds.config import SETTINGS, Settings, load_settings
from feeds.errors import ConfigError
from feeds.story import Author


def write(root: Path, text: str) -> None:
    (root / "config.yaml").write_text(text, encoding="utf-8")


def test_an_empty_config_gives_the_defaults(tmp_path: Path) -> None:
    write(tmp_path, "")
    settings = load_settings(tmp_path)
    assert settings == replace(Settings.default(), path="config.yaml")
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
    ("title: A\nfeed_sise: 10\n", 2, "feed_sise", "unknown key 'feed_sise'"),
    ("title: A\nfeed_size: ten\n", 2, "feed_size", "not a whole number"),
    ("feed_size: 0\n", 1, "feed_size", "at least 1"),
    ("base_url: news.example\n", 1, "base_url", "not an http(s) address"),
    ("timezone: Mars/Olympus\n", 1, "timezone", "not an IANA time zone"),
    ("language: english!\n", 1, "language", "not a language tag"),
    ("write_ids: yes please\n", 1, "write_ids", "not true or false"),
    ("hubs: [ftp://hub.example/]\n", 1, "hubs", "not an http(s) URL"),
    ("title: [a, b]\n", 1, "title", "expected text"),
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


def test_every_setting_has_help() -> None:
    assert all(setting.help.endswith(".") for setting in SETTINGS)
    assert {s.name for s in SETTINGS} == {f.name for f in fields(Settings)} - {"path"}
