"""The site folder is the whole truth: history/ holds what the files cannot say, .feeds/ is a
cache. Written before each commit, written back when lost, merged by git from two copies,
replayed into a catalogue that serves what readers already hold."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest

from feeds.catalog.firstbuild import FirstBuild
from feeds.catalog.history import HistoryLog
from feeds.catalog.ledger import Ledger
from feeds.catalog.migrations import UNREADABLE
from feeds.catalog.publisher import Publisher
from feeds.catalog.replay import replay
from feeds.catalog.store import catalog_path
from feeds.cli import main

from .conftest import Published, Server, free_port, story_text, write_config, write_story

NOW = 1_780_000_000.0  # 2026-05-28: a clock the tests hold still


def events(root: Path) -> list[dict[str, object]]:
    return [json.loads(text) for _, _, text in HistoryLog(root).lines()]


def add(root: Path, name: str, date: str, **fields: str) -> None:
    fields.setdefault("id", f'"urn:x:{name}"')
    fields.setdefault("tags", "[harbour]")
    write_story(root, f"world/{name}.md", story_text(name.title(), date, **fields))


def ledger(db: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    """The catalogue's ledger: what the history must bring back."""
    return {
        "stories": db.execute("SELECT id, seq, source, path, live, removed_at FROM stories "
                              "ORDER BY id").fetchall(),
        "members": db.execute("SELECT grp, pos, id, live, removed_at, removed_pos FROM members "
                              "ORDER BY grp, pos").fetchall(),
        "paths": db.execute("SELECT path, id, alias FROM paths ORDER BY path").fetchall(),
    }


@pytest.fixture
def busy(site: Path, publish: Callable[..., Published]) -> Published:
    """A site with a history: stories published, one backdated, one renamed, one removed."""
    write_config(site, feed_size=2)
    for n, name in enumerate(("one", "two", "three")):
        add(site, name, f"2026-05-0{n + 1}T09:00", aliases=f"[/old/{name}/]")
    published = publish(site, clock=lambda: NOW)
    add(site, "backdated", "2026-01-01T09:00", tags="[harbour, boats]")
    published.sync()
    (site / "content/world/two.md").rename(site / "content/world/two-renamed.md")
    (site / "content/world/three.md").unlink()
    published.sync()
    return published


def test_every_decision_is_in_the_history_in_order(busy: Published) -> None:
    found = events(busy.root)
    assert [e["n"] for e in found] == list(range(1, len(found) + 1))
    kinds = [(e["event"], e.get("id")) for e in found]
    assert kinds[:3] == [("published", "urn:x:one"), ("published", "urn:x:two"),
                         ("published", "urn:x:three")]
    assert ("published", "urn:x:backdated") in kinds
    assert ("moved", "urn:x:two") in kinds and ("removed", "urn:x:three") in kinds
    backdated = next(e for e in found if e.get("id") == "urn:x:backdated")
    assert backdated["seq"] == 4 and backdated["places"] == {
        "site:": 3, "section:world": 3, "tag:harbour": 3, "tag:boats": 0, "author:test-desk": 3}
    left = [e for e in found if e["event"] == "left"]
    assert {e["group"] for e in left} == {"site:", "section:world", "tag:harbour",
                                          "author:test-desk"}
    assert all(e["at"] == "2026-05-28T20:26:40Z" and e["taken"] == 4 for e in left)
    assert {e["path"] for e in found if e["event"] == "address"} == {
        "/old/one", "/old/two", "/old/three"}
    assert [p.name for p in (busy.root / "history").iterdir()] == ["2026-05.jsonl"]
    db_lines = [line for (line,) in busy.publisher.db.execute(
        "SELECT line FROM history ORDER BY rowid")]
    assert db_lines == [text for _, _, text in HistoryLog(busy.root).lines()]


def test_a_change_the_catalogue_does_not_commit_leaves_no_line(
        busy: Published, monkeypatch: pytest.MonkeyPatch) -> None:
    history = busy.root / "history" / "2026-05.jsonl"
    before = history.read_bytes()
    original = HistoryLog.record

    def record_then_fail(self: HistoryLog, *args: object) -> None:
        original(self, *args)  # type: ignore[arg-type]
        assert history.read_bytes() != before  # the lines were written and synced...
        raise sqlite3.OperationalError("database or disk is full")  # ...then the commit fails

    monkeypatch.setattr(HistoryLog, "record", record_then_fail)
    add(busy.root, "four", "2026-05-04T09:00")
    with pytest.raises(sqlite3.OperationalError):
        busy.publisher.sync()
    assert history.read_bytes() == before  # taken back: the catalogue never held them
    monkeypatch.undo()
    busy.publisher.sync()
    assert events(busy.root)[-1]["event"] in ("published", "address")
    assert any(e.get("id") == "urn:x:four" for e in events(busy.root))


def test_a_deleted_or_reverted_history_is_written_back_from_the_catalogue(
        busy: Published, publish: Callable[..., Published]) -> None:
    root = busy.root
    lines = [text for _, _, text in HistoryLog(root).lines()]
    busy.close()
    shutil.rmtree(root / "history")
    publish(root, clock=lambda: NOW).close()
    assert [text for _, _, text in HistoryLog(root).lines()] == lines
    history = root / "history" / "2026-05.jsonl"
    history.write_text("\n".join(lines[:2]) + "\n")  # a git checkout of an older version
    publish(root, clock=lambda: NOW).close()
    assert sorted(text for _, _, text in HistoryLog(root).lines()) == sorted(lines)


def test_without_the_catalogue_the_history_brings_back_the_same_ledger_and_documents(
        busy: Published, publish: Callable[..., Published]) -> None:
    root = busy.root
    paths = ["/atom.xml", "/archive/1.xml", "/tags/harbour/atom.xml", "/tags/boats/atom.xml",
             "/rss.xml", "/feed.json", "/world/three/", "/world/two/", "/old/two/", "/old/three/"]
    before = {p: (busy.get(p).status_code, busy.get(p).data) for p in paths}
    was = ledger(busy.publisher.db)
    busy.close()
    shutil.rmtree(root / ".feeds")
    again = publish(root, clock=lambda: NOW)
    assert ledger(again.publisher.db) == was
    assert {p: (again.get(p).status_code, again.get(p).data) for p in paths} == before
    assert before["/world/three/"][0] == 410 and before["/world/two/"][0] == 301


def test_files_changed_while_the_catalogue_was_gone_are_published_after_the_history(
        busy: Published, publish: Callable[..., Published]) -> None:
    root = busy.root
    known = len(events(root))
    busy.close()
    shutil.rmtree(root / ".feeds")
    add(root, "three", "2026-05-03T09:00")  # back: to its old places
    (root / "content/world/one.md").unlink()  # removed meanwhile: a tombstone, 410
    add(root, "early", "2025-12-01T09:00")  # new and backdated: published after all known
    again = publish(root, clock=lambda: NOW + 60)
    db = again.publisher.db
    seqs = dict(db.execute("SELECT id, seq FROM stories"))
    assert seqs["urn:x:early"] == 5 and seqs["urn:x:three"] == 3
    assert again.get("/world/one/").status_code == 410
    assert db.execute("SELECT pos, live FROM members WHERE grp = 'site:' AND id = "
                      "'urn:x:three'").fetchone() == (2, 1)
    tail = [(e["event"], e["id"]) for e in events(root)][known:]
    assert ("returned", "urn:x:three") in tail and ("removed", "urn:x:one") in tail
    assert tail[-1] == ("published", "urn:x:early")
    was = ledger(db)
    again.close()
    shutil.rmtree(root / ".feeds")  # and that history rebuilds this state in turn
    assert ledger(publish(root, clock=lambda: NOW + 60).publisher.db) == was


def test_replay_tolerates_duplicates_and_any_interleaving(busy: Published) -> None:
    lines = list(HistoryLog(busy.root).lines())
    once = replay(iter(lines))
    shuffled = lines + lines[::2]
    random.Random(5).shuffle(shuffled)
    again = replay(iter(shuffled))
    assert (again.stories, again.members, again.paths) == (once.stories, once.members,
                                                           once.paths)
    assert again.problems == []


def test_a_line_cut_short_is_left_out_with_a_warning_and_the_next_starts_clean(
        busy: Published, publish: Callable[..., Published]) -> None:
    root = busy.root
    history = root / "history" / "2026-05.jsonl"
    with open(history, "a") as handle:
        handle.write('{"n":99,"at":"2026-05-28T20:2')  # a crash in the middle of a write
    busy.close()
    shutil.rmtree(root / ".feeds")
    again = publish(root, clock=lambda: NOW)
    warnings = [p for p in again.publisher.problem_list() if p.warning]
    assert [(p.source, p.line) for p in warnings] == [
        ("history/2026-05.jsonl", len(history.read_text().splitlines()))]
    assert "not a history event" in warnings[0].message
    add(root, "four", "2026-05-04T09:00")
    again.sync()
    last = history.read_text().splitlines()
    assert last[-2].startswith('{"n":99,') and json.loads(last[-1])["id"] == "urn:x:four"


def test_an_unreadable_catalogue_is_rebuilt_from_the_history_and_healthz_says_so(
        busy: Published, publish: Callable[..., Published]) -> None:
    root = busy.root
    atom = busy.body("/atom.xml")
    busy.close()
    catalog_path(root).write_bytes(b"this is not SQLite" * 1000)
    again = publish(root, clock=lambda: NOW)
    assert again.body("/atom.xml") == atom
    health = again.get("/healthz").get_json()
    assert not [p for p in health["problems"] if p["file"] != ".feeds"]  # (no publisher here)
    (warning,) = [w for w in health["warnings"] if w["file"] == ".feeds/catalog.sqlite3"]
    assert "could not be read" in warning["message"] and UNREADABLE in warning["message"]
    assert (root / ".feeds" / UNREADABLE).read_bytes().startswith(b"this is not SQLite")
    again.close()
    publish(root, clock=lambda: NOW).close()  # still kept: still said
    (root / ".feeds" / UNREADABLE).unlink()
    third = publish(root, clock=lambda: NOW)
    assert not [w for w in third.get("/healthz").get_json()["warnings"]
                if w["file"] == ".feeds/catalog.sqlite3"]


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=Desk", "-c", "user.email=desk@x.example",
                           *args], cwd=folder, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_two_copies_that_both_published_merge_with_git_and_lose_neither(
        tmp_path: Path, publish: Callable[..., Published]) -> None:
    """A newsroom's server and a writer's laptop both publish from one repository; git's union
    merge of history/ keeps both copies' lines, and a new catalogue places every story."""
    office = tmp_path / "office"
    (office / "content").mkdir(parents=True)
    write_config(office, feed_size=2)
    (office / ".gitattributes").write_text("history/*.jsonl merge=union\n")
    (office / ".gitignore").write_text(".feeds/\n")
    for n in range(3):
        add(office, f"s{n}", f"2026-05-0{n + 1}T09:00")
    publish(office, clock=lambda: NOW).close()
    _git(office, "init", "-q", "-b", "main")
    _git(office, "add", "-A")
    _git(office, "commit", "-qm", "three stories")
    laptop = tmp_path / "laptop"
    _git(tmp_path, "clone", "-q", str(office), str(laptop))
    add(office, "office-news", "2026-05-10T09:00")  # each copy publishes its own story...
    (office / "content/world/s0.md").unlink()  # ...and the office removes one
    publish(office, clock=lambda: NOW + 10).close()
    add(laptop, "laptop-news", "2026-05-09T09:00")
    publish(laptop, clock=lambda: NOW + 20).close()
    _git(office, "add", "-A")
    _git(office, "commit", "-qm", "office")
    _git(laptop, "add", "-A")
    _git(laptop, "commit", "-qm", "laptop")
    _git(office, "pull", "-q", "--no-rebase", "--no-edit", str(laptop), "main")
    merged = list(HistoryLog(office).lines())
    assert not any(text.startswith(("<<<<<<<", ">>>>>>>", "=======")) for _, _, text in merged)

    shutil.rmtree(office / ".feeds")
    rebuilt = publish(office, clock=lambda: NOW + 30)
    db = rebuilt.publisher.db
    order = [i for (i,) in db.execute("SELECT id FROM members WHERE grp = 'site:' ORDER BY pos")]
    assert order == ["urn:x:s0", "urn:x:s1", "urn:x:s2", "urn:x:office-news",
                     "urn:x:laptop-news"]  # both copies' place 3: by time, office first
    assert rebuilt.get("/world/s0/").status_code == 410  # the office's removal is kept
    ids = [e.id for e in feedparser.parse(rebuilt.body("/atom.xml")).entries]
    assert ids == ["urn:x:laptop-news", "urn:x:office-news", "urn:x:s2"]
    # The same merge, lines in another order, gives the same ledger.
    shuffled = merged[:]
    random.Random(1).shuffle(shuffled)
    assert replay(iter(shuffled)).members == replay(iter(merged)).members


def test_a_server_moved_without_its_catalogue_serves_what_readers_hold(
        site: Path, serve: Callable[..., Server]) -> None:
    """End to end: serve, add, backdate, remove stories, delete .feeds/, serve again: every
    full archive page with the same bytes and ETag, the same tombstones and items, and no
    Last-Modified earlier than before."""
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/", feed_size=2)
    for n in range(4):
        add(site, f"s{n}", f"2026-03-0{n + 1}T09:00")
    server = serve(site, port=port)
    add(site, "backdated", "2025-06-01T09:00")
    _until(server, "/world/backdated/", 200)
    (site / "content/world/s1.md").unlink()
    _until(server, "/world/s1/", 410)
    add(site, "s5", "2026-03-05T09:00")
    _until(server, "/world/s5/", 200)
    paths = ["/archive/1.xml", "/archive/2.xml", "/tags/harbour/archive/1.xml",
             "/tags/harbour/archive/2.xml", "/atom.xml", "/tags/harbour/atom.xml", "/rss.xml",
             "/feed.json", "/world/s1/"]
    before = {p: server.get(p) for p in paths}
    assert b"at:deleted-entry" in before["/atom.xml"][2]
    server.stop()
    shutil.rmtree(site / ".feeds")
    server = serve(site, port=port)
    for path in paths:
        status, headers, body = server.get(path)
        old_status, old_headers, old_body = before[path]
        assert (status, body) == (old_status, old_body), path
        if path.startswith(("/archive/", "/tags/harbour/archive/")):
            assert headers["etag"] == old_headers["etag"], path
        if status == 200:
            assert parsedate_to_datetime(headers["last-modified"]) >= parsedate_to_datetime(
                old_headers["last-modified"]), path


def _until(server: Server, path: str, status: int) -> None:
    deadline = time.monotonic() + 20
    while server.get(path)[0] != status:
        assert time.monotonic() < deadline, f"{path} never answered {status}"
        time.sleep(0.05)


def test_feeds_check_reads_the_history_and_writes_nothing(
        busy: Published, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = busy.root
    before = (root / "history" / "2026-05.jsonl").read_bytes()
    add(root, "four", "2026-05-04T09:00")
    assert main(["check", "--root", str(root)]) == 0
    assert "4 stories published" in capsys.readouterr().err  # one, two-renamed, backdated, four
    assert (root / "history" / "2026-05.jsonl").read_bytes() == before
    bare = tmp_path / "bare"
    (bare / "content").mkdir(parents=True)
    write_config(bare)
    add(bare, "one", "2026-05-01T09:00")
    assert main(["check", "--root", str(bare)]) == 0
    assert not (bare / "history").exists() and not (bare / ".feeds").exists()


def test_a_first_build_from_the_history_interrupted_before_its_groups_finishes_at_next_start(
        busy: Published, publish: Callable[..., Published],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = busy.root
    paths = ["/atom.xml", "/tags/harbour/atom.xml", "/tags/boats/atom.xml", "/world/three/"]
    before = {p: busy.get(p).data for p in paths}
    busy.close()
    shutil.rmtree(root / ".feeds")

    def crash(self: FirstBuild, ledger: Ledger, now: float) -> set[str]:
        raise KeyboardInterrupt  # the process killed between the two steps of a first build

    monkeypatch.setattr(FirstBuild, "complete", crash)
    first = Publisher(root, processes=1, status=False, clock=lambda: NOW)
    with pytest.raises(KeyboardInterrupt):
        first.sync()
    first.close()
    monkeypatch.undo()
    db = sqlite3.connect(catalog_path(root))
    assert db.execute("SELECT value FROM meta WHERE key = 'complete'").fetchone() == (0,)
    db.close()
    again = publish(root, clock=lambda: NOW)
    assert {p: again.get(p).data for p in paths} == before


def test_lines_of_a_commit_that_never_happened_are_taken_back_at_the_next_start(
        busy: Published, publish: Callable[..., Published]) -> None:
    """The process dies after writing a change's lines and before the catalogue commits it:
    those lines (past what the catalogue recorded, numbered from its next line) are taken
    back; lines another copy's merge brought are kept."""
    root = busy.root
    history = root / "history" / "2026-05.jsonl"
    committed = history.read_bytes()
    next_n = int(busy.publisher.db.execute(
        "SELECT value FROM meta WHERE key = 'history_n'").fetchone()[0])
    busy.close()
    ghost = json.dumps({"n": next_n, "at": "2026-05-28T20:30:00Z", "event": "published",
                        "id": "urn:x:ghost", "seq": 9, "file": "content/world/ghost.md",
                        "path": "world/ghost", "places": {"site:": 9}})
    with open(history, "a") as handle:
        handle.write(ghost + "\n")
    publish(root, clock=lambda: NOW).close()
    assert history.read_bytes() == committed
    merged = json.dumps({"n": 2, "at": "2026-05-28T20:31:00Z", "event": "removed",
                         "id": "urn:x:one", "file": None})  # another copy's line
    with open(history, "a") as handle:
        handle.write(merged + "\n")
    publish(root, clock=lambda: NOW).close()
    assert history.read_bytes() == committed + merged.encode() + b"\n"


def test_two_copies_histories_replay_to_one_ledger_in_any_order() -> None:
    def line(n: int, at: str, event: str, **fields: object) -> str:
        return json.dumps({"n": n, "at": f"2026-05-28T20:{at}Z", "event": event, **fields})

    def published(n: int, at: str, name: str, seq: int, place: int) -> str:
        return line(n, at, "published", id=f"urn:x:{name}", seq=seq,
                    file=f"content/{name}.md", path=name, places={"site:": place})

    shared = [published(1, "00:00", "a", 1, 0), published(2, "00:00", "b", 2, 1)]
    office = shared + [published(3, "00:10", "c", 3, 2),
                       line(4, "00:20", "removed", id="urn:x:b", file=None),
                       line(5, "00:20", "left", id="urn:x:b", group="site:", place=1, taken=3)]
    laptop = shared + [published(3, "00:15", "d", 3, 2)]
    merged = office + laptop  # git's union merge: both sides' lines, the shared ones once
    for order in (merged, merged[::-1], sorted(merged)):
        found = replay(iter(("history/2026-05.jsonl", n, text)
                            for n, text in enumerate(order, start=1)))
        assert [(s[0], s[1], s[4]) for s in found.stories] == [
            ("urn:x:a", 1, 1), ("urn:x:b", 2, 0), ("urn:x:c", 3, 1), ("urn:x:d", 4, 1)]
        left = int(datetime(2026, 5, 28, 20, 0, 20, tzinfo=UTC).timestamp())
        assert found.members == [  # b left when c and d had both come: four places taken
            ("site:", 0, "urn:x:a", 1, None, None), ("site:", 1, "urn:x:b", 0, left, 4),
            ("site:", 2, "urn:x:c", 1, None, None), ("site:", 3, "urn:x:d", 1, None, None)]
        assert found.next_n == 6 and found.problems == []
