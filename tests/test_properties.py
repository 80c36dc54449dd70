"""Random histories of a site against the catalogue's promises (hypothesis).

A history is a sequence of what writers do: add a story, edit it, rename or move it,
delete it, give it another story's id, backdate it, schedule it, draft it, and let
time pass. After each step the publisher publishes and a worker that has been
following renders some documents (so its hot documents must be dropped exactly
when they change). At the end:

1. **Workers agree.** A worker that followed every step and a worker started now
   serve the same bytes, ETag and Last-Modified for every document.
2. **Nothing drifts.** Reading every file again against the same ledger (who holds
   each id, the order of first publication) changes no document: the incremental
   path and a full decision from the files agree.
3. **A fresh build agrees.** Where the history leaves nothing a file cannot say (no
   story removed, published in date order, no id contested), a new catalogue built
   from the final folder alone serves the same bytes.
4. **Both ways of building agree.** The final folder built at once by the first
   build's set operations, and through the incremental path into an empty
   catalogue, serve the same bytes.
5. **The history is the whole truth.** Whatever the history, a new catalogue built
   from the final folder and its ``history/`` serves the same bytes.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from feeds.app import create_app
from feeds.catalog.publisher import Publisher
from feeds.catalog.store import catalog_path

from .conftest import write_config
from .tables import parse_here  # noqa: F401 - a fixture

START = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
LATER = datetime(2100, 1, 1, tzinfo=UTC).timestamp()
SECTIONS = ("world", "sport")
TAGS = ("red", "blue", "Blue", "green")  # "Blue" and "blue" share a slug
NAMES = tuple(f"s{n}" for n in range(6))


@dataclass(frozen=True)
class Step:
    """One thing a writer (or the clock) does."""

    kind: str
    name: str = ""
    other: str = ""
    section: str = ""
    days: int = 0
    tags: tuple[str, ...] = ()
    flag: bool = False


adds = st.builds(Step, kind=st.just("add"), name=st.sampled_from(NAMES),
                 section=st.sampled_from(SECTIONS), days=st.integers(-40, 3),
                 tags=st.lists(st.sampled_from(TAGS), max_size=3).map(tuple),
                 flag=st.booleans())
steps = st.one_of(
    adds,
    st.builds(Step, kind=st.just("edit"), name=st.sampled_from(NAMES),
              tags=st.lists(st.sampled_from(TAGS), max_size=3).map(tuple)),
    st.builds(Step, kind=st.just("redate"), name=st.sampled_from(NAMES),
              days=st.integers(-60, 3)),
    st.builds(Step, kind=st.just("rename"), name=st.sampled_from(NAMES),
              other=st.sampled_from(NAMES), section=st.sampled_from(SECTIONS)),
    st.builds(Step, kind=st.just("delete"), name=st.sampled_from(NAMES)),
    st.builds(Step, kind=st.just("same_id"), name=st.sampled_from(NAMES),
              other=st.sampled_from(NAMES)),
    st.builds(Step, kind=st.just("draft"), name=st.sampled_from(NAMES), flag=st.booleans()),
    st.builds(Step, kind=st.just("wait"), days=st.integers(1, 3)),
)


@dataclass
class History:
    """A site being written to, its publisher (with a clock the test moves) and one worker."""

    root: Path
    now: list[datetime] = field(default_factory=lambda: [START])
    files: dict[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.publisher = Publisher(self.root, processes=1, status=False,
                                   clock=lambda: self.now[0].timestamp(), write_ids=False)
        self.publisher.sync()
        self.app = create_app(self.root, follow=False)
        self.client: FlaskClient = self.app.test_client()

    def apply(self, step: Step) -> None:
        path = self.files.get(step.name)
        if step.kind == "add" and path is None:
            date = self.now[0] + timedelta(days=step.days)
            self._write(step.name, step.section, date, step.tags, f"urn:x:{step.name}",
                        draft=False, body="First words." if step.flag else "Other words.")
        elif step.kind == "edit" and path is not None:
            self._rewrite(path, tags=step.tags, body=f"Edited at {self.now[0]:%d %H}.")
        elif step.kind == "redate" and path is not None:
            self._rewrite(path, date=self.now[0] + timedelta(days=step.days))
        elif step.kind == "rename" and path is not None and step.other not in self.files:
            target = self.root / "content" / step.section / f"{step.other}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
            del self.files[step.name]
            self.files[step.other] = target
        elif step.kind == "delete" and path is not None:
            path.unlink()
            del self.files[step.name]
        elif step.kind == "same_id" and path is not None and step.other in self.files:
            self._rewrite(path, story_id=f"urn:x:{step.other}")
        elif step.kind == "draft" and path is not None:
            self._rewrite(path, draft=step.flag)
        elif step.kind == "wait":
            self.now[0] += timedelta(days=step.days)
        self.publisher.sync()
        self.worker.catch_up()

    @property
    def worker(self):  # type: ignore[no-untyped-def]
        return self.app.extensions["feeds"]

    def _write(self, name: str, section: str, date: datetime, tags: tuple[str, ...],
               story_id: str, draft: bool, body: str) -> None:
        path = self.root / "content" / section / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_story(name, date, tags, story_id, draft, body))
        self.files[name] = path

    def _rewrite(self, path: Path, **changes: object) -> None:
        fields = _fields(path.read_text())
        fields.update(changes)
        path.write_text(_story(**fields))  # type: ignore[arg-type]
        bump = path.stat().st_mtime_ns + 1_000_000  # a second save within one tick still counts
        os.utime(path, ns=(bump, bump))


def _story(name: str, date: datetime, tags: tuple[str, ...], story_id: str, draft: bool,
           body: str) -> str:
    tag_list = ", ".join(tags)
    return (f"---\ntitle: Story {name}\nid: \"{story_id}\"\ndate: {date.isoformat()}\n"
            f"tags: [{tag_list}]\ndraft: {'true' if draft else 'false'}\n---\n\n{body}\n")


def _fields(text: str) -> dict[str, object]:
    front, _, body = text.partition("\n---\n\n")
    values = dict(line.split(": ", 1) for line in front.splitlines()[1:])
    return {
        "name": values["title"].removeprefix("Story "),
        "date": datetime.fromisoformat(values["date"]),
        "tags": tuple(t for t in values["tags"].strip("[]").split(", ") if t),
        "story_id": values["id"].strip('"'),
        "draft": values["draft"] == "true",
        "body": body.strip(),
    }


def documents(client: FlaskClient) -> Iterator[str]:
    """Yield every path worth comparing: feeds, archives, listings, story pages, 404s."""
    yield from ("/", "/page/2/", "/feeds.opml", "/nowhere/", "/world", "/tags/")
    opml = client.get("/feeds.opml").data.decode()
    bases = {"/"} | {url.split("/", 3)[3].rsplit("/", 1)[0] for url in
                     re.findall(r'htmlUrl="([^"]+)"', opml)}
    for base in sorted(bases):
        base = "/" + base.strip("/") + "/" if base.strip("/") else "/"
        for name in ("rss.xml", "atom.xml", "feed.json"):
            yield base + name
        yield from (f"{base}archive/{n}.xml" for n in range(1, 5))
        yield from (base, f"{base}page/2/")
    for section in SECTIONS:
        yield from (f"/{section}/{name}/" for name in NAMES)


def snapshot(client: FlaskClient) -> dict[str, tuple[int, bytes, str | None, str | None]]:
    """Get every document; the clock is set far ahead, so Last-Modified shows the catalogue's
    own second (a second still ahead of the clock is sent as now, RFC 9110 8.8.2.1, which
    would make two snapshots a second apart differ for no fault of the catalogue)."""
    found = {}
    with mock.patch("feeds.web.responses.time.time", return_value=LATER):
        for path in documents(client):
            response = client.get(path)
            found[path] = (response.status_code, response.data, response.headers.get("ETag"),
                           response.headers.get("Last-Modified"))
    return found


def _bytes_only(found: dict[str, tuple[int, bytes, str | None, str | None]]
                ) -> dict[str, tuple[int, bytes]]:
    return {path: (status, body) for path, (status, body, _, _) in found.items()}


def _neutral(db_path: Path) -> bool:
    """Tell whether the history left nothing a fresh build could not know from the files."""
    db = sqlite3.connect(db_path)
    try:
        removed = db.execute("SELECT count(*) FROM stories WHERE live = 0").fetchone()[0]
        left = db.execute("SELECT count(*) FROM members WHERE live = 0").fetchone()[0]
        contested = db.execute("SELECT count(*) FROM files WHERE state = 'refused'").fetchone()[0]
        order = [s for (s,) in db.execute("SELECT s.source FROM stories s ORDER BY s.seq")]
        by_date = [s for (s,) in db.execute(
            "SELECT s.source FROM stories s JOIN files f ON f.source = s.source "
            "ORDER BY f.date, f.source")]
        joined = db.execute("SELECT m.grp, s.source FROM members m JOIN stories s ON s.id = m.id "
                            "ORDER BY m.grp, m.pos").fetchall()  # a group's order: who joined
        joined_by_date = db.execute(  # first (a story tagged later comes later), and by date
            "SELECT m.grp, s.source FROM members m JOIN stories s ON s.id = m.id "
            "JOIN files f ON f.source = s.source ORDER BY m.grp, f.date, f.source").fetchall()
        scheduled = db.execute("SELECT count(*) FROM files WHERE state = 'scheduled'").fetchone()[0]
        moved = db.execute("SELECT count(*) FROM paths p JOIN stories s ON s.id = p.id "
                           "WHERE p.path != s.path").fetchone()[0]  # old addresses redirect
    finally:
        db.close()
    return (not removed and not left and not contested and not scheduled and not moved
            and order == by_date and joined == joined_by_date)


def _build(factory: pytest.TempPathFactory, root: Path, now: datetime,
           at_once: bool, history: bool = False) -> dict[str, tuple[int, bytes]]:
    """Publish a copy of the folder in a new catalogue: as a first build (with the site's
    history, or without), or by adding every file at once to a catalogue first built empty;
    return every document."""
    copy = factory.mktemp("fresh")
    shutil.copy(root / "config.yaml", copy / "config.yaml")
    (copy / "content").mkdir()
    if history and (root / "history").exists():  # (nothing published: no history yet)
        shutil.copytree(root / "history", copy / "history")
    if at_once:
        shutil.copytree(root / "content", copy / "content", dirs_exist_ok=True)
    publisher = Publisher(copy, processes=1, status=False, write_ids=False,
                          clock=lambda: now.timestamp())
    try:
        publisher.sync()
        if not at_once:
            shutil.copytree(root / "content", copy / "content", dirs_exist_ok=True)
            publisher.sync()
        return _bytes_only(snapshot(create_app(copy, follow=False).test_client()))
    finally:
        publisher.close()


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=st.tuples(st.lists(adds, min_size=2, max_size=5),
                         st.lists(steps, max_size=12)).map(lambda pair: pair[0] + pair[1]),
       seen=st.integers(0, 2**16))
@example(history=[  # a story tagged after a later one was: the tag's order is who joined first
    Step("add", "s0", section="world"), Step("add", "s1", section="world", tags=("red",)),
    Step("edit", "s0", tags=("red",))], seen=0)
@pytest.mark.usefixtures("parse_here")  # what is decided and served, not the parse children
def test_random_histories_keep_every_promise(tmp_path_factory: pytest.TempPathFactory,
                                             history: list[Step], seen: int) -> None:
    root = tmp_path_factory.mktemp("site")
    (root / "content").mkdir()
    write_config(root, feed_size=2, page_size=2)
    site = History(root)
    try:
        paths = list(documents(site.client))
        for number, step in enumerate(history):
            site.apply(step)
            for index, path in enumerate(paths):  # warm some documents, so drops are tested
                if (seen >> ((number + index) % 16)) & 1:
                    site.client.get(path)
        followed = snapshot(site.client)

        # 1. A worker started now agrees with the one that followed every step.
        cold = create_app(root, follow=False).test_client()
        assert snapshot(cold) == followed

        # 3. A fresh build of the final folder, where nothing but the files matters.
        neutral = _neutral(catalog_path(root))
        event(f"neutral history: {neutral}; stories at the end: {min(len(site.files), 4)}")
        at_once = _build(tmp_path_factory, root, site.now[0], at_once=True)
        if neutral:
            assert at_once == _bytes_only(followed)

        # 4. The same folder through the incremental path, into an empty catalogue.
        assert _build(tmp_path_factory, root, site.now[0], at_once=False) == at_once

        # 5. Whatever the history: a new catalogue from the folder and its history (a new
        # server, .feeds/ deleted) serves every document as the one that followed it.
        assert _build(tmp_path_factory, root, site.now[0], at_once=True, history=True) == \
            _bytes_only(followed)

        # 2. Deciding every file again against the same ledger changes no document.
        site.publisher.db.execute("UPDATE files SET mtime_ns = -1")
        site.publisher.sync()
        site.worker.catch_up()
        assert _bytes_only(snapshot(site.client)) == _bytes_only(followed)
    finally:
        site.worker.stop()
        site.publisher.close()
