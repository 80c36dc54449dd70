"""feeds build: the site as files, byte for byte as the server answers, rewritten incrementally."""

from __future__ import annotations

import errno
import gzip
import os
import time
import unicodedata
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from feeds.catalog.store import meta
from feeds.cli import main
from feeds.export import build as build_module
from feeds.export import render
from feeds.export.build import build, file_name
from feeds.export.collisions import Folding, collisions, probe
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


def _twins(site: Path) -> None:
    """Stories whose pages differ only in case, or only in Unicode form, and their photos."""
    for n, name in enumerate(("Case", "case", unicodedata.normalize("NFC", "ünï"),
                              unicodedata.normalize("NFD", "ünï"))):
        write_story(site, f"odd/{name}.md", story_text(f"Odd {n}", f"2025-11-0{n + 1}",
                                                        id=f'"urn:odd:{n}"', image=f"{name}.png"))
        (site / "content/odd" / f"{name}.png").write_bytes(PNG)


def test_the_build_folder_is_probed_for_how_it_compares_names(tmp_path: Path) -> None:
    assert probe(tmp_path) == Folding(case=False, form=False)  # Linux: both kept apart
    assert os.listdir(tmp_path) == [], "the probe leaves nothing behind"
    twins = ["a/Case/index.html", "a/case/index.html", "a/case.png", "a/Case.PNG", "b/x",
             "B/x/index.html"]
    assert collisions(twins, Folding(case=True, form=False).key) == {
        "a/case/index.html": "a/Case/index.html", "a/case.png": "a/Case.PNG",
        "b/x": "B/x/index.html"}
    nfc, nfd = (unicodedata.normalize(form, "é/index.html") for form in ("NFC", "NFD"))
    assert collisions([nfc, nfd], Folding(case=True, form=False).key) == {}
    assert collisions([nfc, nfd], Folding(case=False, form=True).key) == {max(nfc, nfd):
                                                                          min(nfc, nfd)}


def test_names_one_file_on_a_folding_file_system_are_not_written_over_each_other(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _twins(site)
    out = tmp_path / "public"
    summary = build(site, out)  # here (Linux): every page, and a warning for each twin
    assert {"Case", "case", *(unicodedata.normalize(f, "ünï") for f in ("NFC", "NFD"))} <= \
        set(os.listdir(out / "odd"))
    warned = [p for p in summary.problems if "is the same file as" in p]
    assert len(warned) == 4 and all("(a Mac's, Windows')" in p for p in warned)
    # Where the output folder folds names (a Mac's, a Windows share), the second of two twins
    # is left out with a problem naming both, instead of replacing the first one's bytes.
    monkeypatch.setattr(build_module, "probe", lambda folder: Folding(case=True, form=True))
    summary = build(site, tmp_path / "folding")
    left = sorted(p.partition(":")[0] for p in summary.problems if "not written" in p)
    assert left == ["odd/case.png", "odd/case/index.html", "odd/ünï.png", "odd/ünï/index.html"]
    assert "/odd/case/" not in summary.plan.documents
    assert "/odd/Case/" in summary.plan.documents
