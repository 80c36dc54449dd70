"""feeds init: a new site with every setting commented, a welcome story, and git files; never
over an existing site."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from feeds.cli import main
from feeds.site.config import Settings, load_settings, settings_table

from .conftest import Published


def test_init_writes_a_site_that_publishes_its_welcome_story(
        tmp_path: Path, publish: object, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "news"
    assert main(["init", str(root), "--title", "Harbour News", "--base-url",
                 "https://news.example/", "--timezone", "Europe/Lisbon", "--author",
                 "The Desk"]) == 0
    said = capsys.readouterr().out
    assert "config.yaml" in said and "content/welcome.md" in said and "feeds serve" in said
    settings = load_settings(root)
    assert (settings.title, settings.base_url, str(settings.timezone), settings.author.name) == (
        "Harbour News", "https://news.example/", "Europe/Lisbon", "The Desk")
    site: Published = publish(root)  # type: ignore[operator]
    assert site.publisher.problem_list() == []
    feed = site.body("/rss.xml").decode()
    assert "Welcome to Harbour News" in feed and "feeds new" in feed
    assert ".feeds/" in (root / ".gitignore").read_text().splitlines()
    assert "history/*.jsonl merge=union" in (root / ".gitattributes").read_text().splitlines()


def test_the_config_lists_every_setting_commented_with_its_default_and_help(
        tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "site"), "--title", "A: title with a colon"]) == 0
    text = (tmp_path / "site" / "config.yaml").read_text()
    assert load_settings(tmp_path / "site") == Settings.from_raw({"title": "A: title with a colon"})
    for key, default, help_text in settings_table():
        if key == "title":
            continue
        commented = f"# {help_text}\n# {key}: "
        assert commented in text, key
        shown = text.split(commented, 1)[1].split("\n", 1)[0]
        assert yaml.safe_load(f"{key}: {shown}") == {key: default}, key  # uncommented: default


def test_init_refuses_a_folder_that_holds_a_site_naming_what_is_there(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    (root / "config.yaml").write_text("title: Mine\n")
    assert main(["init", str(root)]) == 1
    error = capsys.readouterr().err
    assert "config.yaml, content/" in error and "writes over nothing" in error
    assert (root / "config.yaml").read_text() == "title: Mine\n"
    assert not (root / "content" / "welcome.md").exists()


def test_init_keeps_a_repository_s_own_git_files_and_checks_options_first(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".gitignore").write_text("*.pyc")  # no newline at the end
    assert main(["init", str(root), "--timezone", "Mars/Olympus"]) == 1
    assert "--timezone: it is not an IANA time zone" in capsys.readouterr().err
    assert sorted(p.name for p in root.iterdir()) == [".gitignore"]  # nothing written
    assert main(["init", str(root)]) == 0
    assert (root / ".gitignore").read_text().splitlines()[:2] == ["*.pyc", ".feeds/"]
    assert main(["init", str(tmp_path / "repo" / ".gitignore")]) == 1  # a file, not a folder
