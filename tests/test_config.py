"""config.yaml: defaults, checks, and errors that name the key, the line and the fix."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from feeds.documents.headers import cache_control
from feeds.errors import ConfigError
from feeds.site.caching import PurgeTarget
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
    ("opml_format: xml\n", 1, "opml_format", "expected rss, atom or json"),
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


def test_the_readme_lists_every_setting_with_its_default() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("### config.yaml", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[1:3] for line in table.splitlines()[2:]]
    listed = [(key.strip().strip("`"), default.strip()) for key, default in rows]
    assert [key for key, _ in listed] == [name for name, _, _ in settings_table()]
    for (key, shown), (_, default, _) in zip(listed, settings_table(), strict=True):
        if default in ("", None):
            assert shown in ("empty", "none"), key
        else:
            written = str(default).lower() if isinstance(default, bool) else default
            assert shown == f"`{written}`", key


def test_settings_for_shared_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_control(Settings.default()) == "public, max-age=900"
    write(tmp_path, "cache_s_maxage: 86400\ncache_stale_while_revalidate: 30\n"
                    "cache_stale_if_error: 604800\nsurrogate_key_header: Surrogate-Key\n"
                    "purge:\n  - http://127.0.0.1:6081/\n"
                    "  - {url: 'https://api.fastly.example/service/x/purge', method: post,\n"
                    "     headers: {Fastly-Key: '${FASTLY_KEY}'}}\n")
    settings = load_settings(tmp_path)
    assert cache_control(settings) == ("public, max-age=900, s-maxage=86400, "
                                       "stale-while-revalidate=30, stale-if-error=604800")
    assert settings.surrogate_key_header == "Surrogate-Key"
    assert settings.purge[0] == PurgeTarget("http://127.0.0.1:6081/", "PURGE")
    assert settings.purge[1].method == "POST"
    monkeypatch.setenv("FASTLY_KEY", "secret")
    assert settings.purge[1].request_headers() == [("Fastly-Key", "secret")]
    assert "secret" not in settings.fingerprint()  # the catalogue keeps only the name
    assert Settings.from_raw(settings.to_raw()) == settings


@pytest.mark.parametrize(("text", "key"), [
    ("purge: [javascript:alert(1)]\n", "purge"),
    ("purge: [{url: 'http://127.0.0.1/', method: 'TWO WORDS'}]\n", "purge"),
    ("purge: [{url: 'http://127.0.0.1/', extra: 1}]\n", "purge"),
    ("surrogate_key_header: 'x key'\n", "surrogate_key_header"),
    ("cache_s_maxage: -1\n", "cache_s_maxage"),
    ("cache_stale_if_error: soon\n", "cache_stale_if_error"),
])
def test_wrong_cache_settings_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    write(tmp_path, "title: A\n" + text)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert caught.value.key == key and caught.value.line == 2
