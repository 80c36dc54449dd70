"""feeds build: the site as files, byte for byte as the server answers, rewritten incrementally."""

from __future__ import annotations

import errno
import gzip
import os
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from feeds.catalog.store import meta
from feeds.cli import main
from feeds.export import render
from feeds.export.build import build, file_name
from feeds.export.plan import GONE, NOT_FOUND

from . import sites
from .conftest import Published, story_text, write_story
from .sites import DOCUMENTS, PNG, REDIRECTS, change_news, write_news

BASE = "http://127.0.0.1:8000/"


def times(out: Path) -> dict[str, int]:
    """Return every file of a build and its time."""
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_a_build_holds_what_the_server_answers_byte_for_byte(
        site: Path, publish: Callable[..., Published], tmp_path: Path) -> None:
    write_news(site, BASE)
    published = publish(site)
    change_news(site)
    published.sync()
    out = tmp_path / "public"
    summary = build(site, out)  # beside a running publisher: from the catalogue it keeps
    stamp = int(meta(published.publisher.db, "stamp", 0))  # type: ignore[call-overload]
    assert time.time() >= stamp, "the build waited for the newest Last-Modified to come"
    assert set(DOCUMENTS) <= set(summary.plan.documents)
    for path in summary.plan.documents:
        name = file_name(path)
        if path in (NOT_FOUND, GONE):
            served = published.get("/nothing/" if path == NOT_FOUND else "/africa/story-5/")
            assert served.status_code == (404 if path == NOT_FOUND else 410)
        else:
            served = published.get(path)
            assert served.status_code == 200, path
            stamp = parsedate_to_datetime(served.headers["Last-Modified"]).timestamp()
            assert (out / name).stat().st_mtime == stamp, path  # nginx sends the same date
        assert (out / name).read_bytes() == served.data, path
        zipped = (out / f"{name}.gz").read_bytes()
        if path in (NOT_FOUND, GONE):
            assert gzip.decompress(zipped) == served.data
        else:  # the server's own gzip bytes
            assert zipped == published.get(path, {"Accept-Encoding": "gzip"}).data, path
    for path, (status, location) in REDIRECTS.items():
        served = published.get(path)
        assert (served.status_code, served.headers["Location"]) == (status, location)
        if status != 308:  # (308s are the static server's own rule: a page without its slash)
            assert summary.plan.redirects[path] == (status, location)
    assert sorted(summary.plan.gone) == sites.GONE
    assert (out / "world/photo.png").read_bytes() == PNG
    assert not (out / "world/unused.png").exists()  # no story uses it: not published
    assert (out / "static/style.css").is_file() and (out / "_feeds/404.html.gz").is_file()
    assert not (out / "africa/story-3").exists() and not (out / "africa/story-5").exists()


def test_a_second_build_rewrites_only_what_changed(site: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    write_news(site, BASE)
    out = tmp_path / "public"
    assert main(["build", "--root", str(site), "--out", str(out)]) == 0
    first = times(out)
    printed = capsys.readouterr().out
    assert "0 unchanged" in printed and "0 deleted" in printed

    assert main(["build", "--root", str(site), "--out", str(out)]) == 0
    assert "0 written" in capsys.readouterr().out
    assert times(out) == first, "nothing changed: nothing written"

    write_story(site, "world/story-0.md", story_text(
        "Story 0", "2025-11-01", "A corrected body.", id='"urn:x:0"', tags="[defence, talks]",
        image="photo.png"))
    summary = build(site, out)
    after = times(out)
    rewritten = {name for name in first if after.get(name) != first[name]}
    assert "world/story-0/index.html" in rewritten
    assert b"A corrected body." in (out / "world/story-0/index.html").read_bytes()
    assert b"A corrected body." in (out / "archive/1.xml").read_bytes()  # not the HTML kept
    assert summary.written == len([n for n in rewritten if not n.endswith(".gz")])
    assert 0 < summary.written < 12, "the story's page and the feeds and archives showing it"
    assert summary.deleted == 0

    (site / "content/world/story-6.md").unlink()
    (out / "tags/trade/index.html").unlink()  # a file lost from the folder is written again
    summary = build(site, out)
    assert not (out / "world/story-6").exists()
    # Its page, and the second listing pages of its section and tag, which it alone filled.
    assert summary.deleted == 3
    assert not (out / "world/page/2").exists() and not (out / "tags/talks/page/2").exists()
    assert (out / "tags/trade/index.html").is_file()
    assert summary.plan.gone == ["/world/story-6/"]


def test_a_rebuilt_catalogue_rewrites_only_files_whose_bytes_changed(
        site: Path, tmp_path: Path) -> None:
    write_news(site, BASE)
    out = tmp_path / "public"
    build(site, out)
    first = times(out)
    for name in os.listdir(site / ".feeds"):
        if name.startswith("catalog"):
            os.unlink(site / ".feeds" / name)
    summary = build(site, out)
    assert summary.written + summary.unchanged >= len(DOCUMENTS)
    changed = [n for n in first if times(out)[n] != first[n]]
    assert len(changed) < len(first) / 2, "story pages keep their bytes and their time"


def test_a_build_refuses_to_write_into_the_site(site: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    write_news(site, BASE)
    assert main(["build", "--root", str(site), "--out", str(site / "content/out")]) == 1
    assert "choose another folder with --out" in capsys.readouterr().err
    (site.parent / "afile").write_text("x", encoding="utf-8")
    assert main(["build", "--root", str(site), "--out", str(site.parent / "afile")]) == 1
    assert "afile cannot hold the build (File exists): choose a folder you can write" in \
        capsys.readouterr().err
    (site / "config.yaml").write_text("feed_size: many\n", encoding="utf-8")
    assert main(["build", "--root", str(site)]) == 1
    assert "config.yaml:1: feed_size" in capsys.readouterr().err


def test_a_full_disk_stops_the_build_and_the_next_one_finishes_it(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    write_news(site, BASE)
    out = tmp_path / "public"
    build(site, out)
    change_news(site)
    (site / "config.yaml").write_text((site / "config.yaml").read_text(encoding="utf-8")
                                      .replace("Test News", "Other News"), encoding="utf-8")
    real_put, calls = render.put, []

    def full_disk(*args: object) -> None:
        calls.append(args)
        if len(calls) > 9:  # the tenth file: the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_put(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "put", full_disk)
    assert main(["build", "--root", str(site), "--out", str(out)]) == 1
    assert "the build could not be written (No space left on device)" in capsys.readouterr().err
    assert not (out / render.STAGING).exists()
    monkeypatch.setattr(render, "put", real_put)
    build(site, out)
    build(site, tmp_path / "fresh")
    assert files(out) == files(tmp_path / "fresh")


def files(folder: Path) -> dict[str, bytes]:
    """Return every file under ``folder`` and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
