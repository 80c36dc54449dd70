"""An author's file is sacred: the id line is added safely or not at all, and nothing is lost."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from feeds.site.idwrite import JOURNAL, IdWriter, Outcome, with_id
from feeds.site.storyfile import _StoryLoader

from .conftest import small_filesystem

ID = "urn:uuid:00000000-0000-5000-8000-000000000001"
LINE = f'id: "{ID}"'


def loads(text: str) -> object:
    return yaml.load(text, Loader=_StoryLoader)


@pytest.fixture
def writer(tmp_path: Path) -> IdWriter:
    (tmp_path / "content").mkdir()
    (tmp_path / ".feeds").mkdir()
    return IdWriter(tmp_path, tmp_path / ".feeds", _StoryLoader, quiet=0.0)


def story(root: Path, name: str, text: str | bytes, age: float = 10.0) -> tuple[str, Path]:
    path = root / "content" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    past = time.time() - age
    os.utime(path, (past, past))
    return f"content/{name}", path


def version(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def write(writer: IdWriter, source: str, path: Path) -> Outcome:
    return writer.write([(source, ID, version(path))])[source].outcome


@pytest.mark.parametrize(("name", "before", "after"), [
    ("plain.md", "---\ntitle: T\ndate: 2025-11-13\n---\nBody\n",
     f"---\n{LINE}\ntitle: T\ndate: 2025-11-13\n---\nBody\n"),
    ("crlf.md", "---\r\ntitle: T\r\n---\r\nBody\r\n",
     f"---\r\n{LINE}\r\ntitle: T\r\n---\r\nBody\r\n"),
    ("bom.md", "\ufeff---\ntitle: T\n---\nB", f"\ufeff---\n{LINE}\ntitle: T\n---\nB"),
    ("comment.md", "---\n# notes for the desk\ntitle: T\n---\n",
     f"---\n# notes for the desk\n{LINE}\ntitle: T\n---\n"),
    ("story.yaml", "title: T\ndate: 2025-11-13\nbody: |\n  Text\n",
     f"{LINE}\ntitle: T\ndate: 2025-11-13\nbody: |\n  Text\n"),
    ("directive.yaml", "%YAML 1.1\n---\ntitle: T\nbody: B\n",
     f"%YAML 1.1\n---\n{LINE}\ntitle: T\nbody: B\n"),
    ("commented-start.yaml", "--- # the story\ntitle: T\nbody: B\n",
     f"--- # the story\n{LINE}\ntitle: T\nbody: B\n"),
    ("no-newline.md", "---\ntitle: T\n---", f"---\n{LINE}\ntitle: T\n---"),
])
def test_the_id_line_goes_before_the_first_key_and_nothing_else_changes(
        writer: IdWriter, tmp_path: Path, name: str, before: str, after: str) -> None:
    source, path = story(tmp_path, name, before)
    assert write(writer, source, path) is Outcome.WRITTEN
    assert path.read_bytes() == after.encode()


@pytest.mark.parametrize("text", [
    "{title: x, date: 2025-02-01, body: y}\n",  # one flow mapping
    "  title: T\n  body: B\n",  # an indented mapping
    "title: T\nid: urn:x:already\nbody: B\n",  # it has one
    "- a list\n",
    "title: [unclosed\n",
])
def test_a_layout_not_understood_is_left_alone(writer: IdWriter, tmp_path: Path,
                                               text: str) -> None:
    source, path = story(tmp_path, "odd.yaml", text)
    assert write(writer, source, path) is Outcome.REFUSED
    assert path.read_text() == text


def test_with_id_checks_its_own_result_by_reading_it_again() -> None:
    """Whatever goes in, what comes out is the old mapping plus the id, or nothing."""
    for text in ("title: T\nbody: B\n", "%YAML 1.1\n---\ntitle: T\n", "{a: 1}\n",
                 "a: &x 1\nb: *x\n"):
        result = with_id(text.encode(), ID, True, _StoryLoader)
        if result is not None:
            assert loads(result.decode()) == {"id": ID, **loads(text)}  # type: ignore[dict-item]


def test_a_file_open_for_writing_is_not_touched_until_closed(writer: IdWriter,
                                                             tmp_path: Path) -> None:
    source, path = story(tmp_path, "open.md", "---\ntitle: T\n---\nFirst paragraph.\n")
    held = open(path, "a")  # noqa: SIM115 - a writer still at work
    try:
        assert write(writer, source, path) is Outcome.BUSY
        held.write("Second paragraph, written after the server looked.\n")
    finally:
        held.close()
    assert path.read_text().endswith("Second paragraph, written after the server looked.\n")
    assert write(writer, source, path) is Outcome.WRITTEN
    text = path.read_text()
    assert "First paragraph." in text and "Second paragraph" in text and LINE in text


def test_a_file_written_a_moment_ago_waits(tmp_path: Path) -> None:
    (tmp_path / ".feeds").mkdir()
    patient = IdWriter(tmp_path, tmp_path / ".feeds", _StoryLoader, quiet=5.0)
    source, path = story(tmp_path, "new.md", "---\ntitle: T\n---\n", age=0.0)
    assert patient.write([(source, ID, version(path))])[source].outcome is Outcome.BUSY


def test_a_file_changed_since_it_was_read_is_left_for_the_next_reading(
        writer: IdWriter, tmp_path: Path) -> None:
    source, path = story(tmp_path, "changed.md", "---\ntitle: T\n---\n")
    parsed = version(path)
    path.write_text("---\ntitle: T, edited\n---\n")
    assert writer.write([(source, ID, parsed)])[source].outcome is Outcome.CHANGED
    assert path.read_text() == "---\ntitle: T, edited\n---\n"


def test_a_symlinked_story_is_written_through_the_link(writer: IdWriter, tmp_path: Path) -> None:
    _, target = story(tmp_path, "real/target.md", "---\ntitle: T\n---\n")
    link = tmp_path / "content/linked.md"
    link.symlink_to("real/target.md")
    assert write(writer, "content/linked.md", link) is Outcome.WRITTEN
    assert link.is_symlink() and os.readlink(link) == "real/target.md"
    assert target.read_text() == f"---\n{LINE}\ntitle: T\n---\n"


def test_a_link_out_of_the_site_is_never_written(writer: IdWriter, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.md"
    outside.write_text("---\ntitle: T\n---\n")
    link = tmp_path / "content/out.md"
    link.symlink_to(outside)
    assert write(writer, "content/out.md", link) is Outcome.REFUSED
    assert outside.read_text() == "---\ntitle: T\n---\n"


def test_hard_links_owner_and_mode_are_kept(writer: IdWriter, tmp_path: Path) -> None:
    source, path = story(tmp_path, "kept.md", "---\ntitle: T\n---\n")
    twin = tmp_path / "content/twin.txt"
    os.link(path, twin)
    path.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)  # nobody: the server runs as someone else
    before = path.stat()
    assert write(writer, source, path) is Outcome.WRITTEN
    after = path.stat()
    assert (after.st_ino, after.st_nlink, stat.S_IMODE(after.st_mode), after.st_uid,
            after.st_gid) == (before.st_ino, 2, 0o640, before.st_uid, before.st_gid)
    assert twin.read_text() == path.read_text() == f"---\n{LINE}\ntitle: T\n---\n"


def test_a_read_only_file_is_not_written(writer: IdWriter, tmp_path: Path) -> None:
    source, path = story(tmp_path, "locked.md", "---\ntitle: T\n---\n")
    path.chmod(0o444)
    assert write(writer, source, path) is Outcome.REFUSED
    assert path.read_text() == "---\ntitle: T\n---\n"


def test_a_write_cut_short_by_a_crash_is_undone_at_the_next_start(tmp_path: Path) -> None:
    (tmp_path / ".feeds").mkdir()
    _, path = story(tmp_path, "torn.md", "---\ntitle: T\n---\nEvery word of the body.\n")
    old = path.read_bytes()
    new = with_id(old, ID, False, _StoryLoader)
    assert new is not None
    torn = new[:20] + old[20 - len(new) + len(old):]  # a crash midway: new start, stale end
    torn = (new[:20] + old[20:])[:len(new)].ljust(len(new), b"\0")
    path.write_bytes(torn)
    (tmp_path / ".feeds" / JOURNAL).write_text(json.dumps(
        [{"path": str(path), "old": old.decode(), "new_size": len(new)}]))
    IdWriter(tmp_path, tmp_path / ".feeds", _StoryLoader)  # a new publisher starts
    assert path.read_bytes() == old
    assert not (tmp_path / ".feeds" / JOURNAL).exists()


def test_a_finished_write_is_kept_at_the_next_start(tmp_path: Path) -> None:
    (tmp_path / ".feeds").mkdir()
    _, path = story(tmp_path, "whole.md", "---\ntitle: T\n---\nBody.\n")
    old = path.read_bytes()
    new = with_id(old, ID, False, _StoryLoader)
    assert new is not None
    path.write_bytes(new)  # written whole; the crash came before the journal was removed
    (tmp_path / ".feeds" / JOURNAL).write_text(json.dumps(
        [{"path": str(path), "old": old.decode(), "new_size": len(new)}]))
    IdWriter(tmp_path, tmp_path / ".feeds", _StoryLoader)
    assert path.read_bytes() == new


def test_no_room_for_the_journal_writes_nothing(tmp_path: Path) -> None:
    """.feeds/ full (RLIMIT_FSIZE stands in for it): no journal, so no file is touched."""
    (tmp_path / ".feeds").mkdir()
    source, path = story(tmp_path, "full.md", "---\ntitle: T\n---\nBody.\n")
    before = path.read_bytes()
    script = (
        "import os, resource, signal, sys\n"
        "from pathlib import Path\n"
        "from feeds.site.idwrite import IdWriter\n"
        "from feeds.site.storyfile import _StoryLoader\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "root, path = Path(sys.argv[1]), sys.argv[2]\n"
        "writer = IdWriter(root, root / '.feeds', _StoryLoader, quiet=0.0)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({len(before) + 8}, resource.RLIM_INFINITY))\n"
        "info = os.stat(path)\n"
        f"found = writer.write([('{source}', '{ID}', "
        "(info.st_mtime_ns, info.st_size, info.st_ino))])\n"
        f"print(found['{source}'].outcome.value)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(path)],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "busy"), done.stderr
    assert path.read_bytes() == before


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """content/ on a 64 KB file system with no room left (needs root, or skip)."""
    with small_filesystem(tmp_path / "content", "64k") as content:
        yield content


def test_a_full_disk_changes_not_a_byte(full_disk: Path, tmp_path: Path) -> None:
    (tmp_path / ".feeds").mkdir()
    writer = IdWriter(tmp_path, tmp_path / ".feeds", _StoryLoader, quiet=0.0)
    head = "---\ntitle: T\n---\n"
    # Exactly one block: the id line needs a block more, which the full disk has not.
    source, path = story(tmp_path, "full.md", head + "B" * (4096 - len(head) - 1) + "\n")
    before = path.read_bytes()
    filler = full_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:  # take every block left
        while os.write(fd, b"\0" * 512):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    assert write(writer, source, path) is Outcome.BUSY
    assert path.read_bytes() == before
    filler.unlink()
    assert write(writer, source, path) is Outcome.WRITTEN
    assert path.read_text().startswith(f"---\n{LINE}\ntitle: T\n---\n")
