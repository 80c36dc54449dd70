"""Make a migration fixture: a catalogue written by a release of feeds, and what it served.

Run with an unpacked copy of that release (``git archive <commit> | tar -x -C DIR``):

    python -m tools.release_fixture --release DIR --out tests/data/release-1

It serves a small site with that release's own code (``PYTHONPATH=DIR``), publishes a
history a rebuild from the files alone would lose (stories first published in one
order and dated in another, a backdated story, a renamed story, a removed one), stops
the server, and writes into ``--out``: the site's files (``site/``), the catalogue as a
text SQL dump (``catalog.sql``, sqlite3's ``iterdump``), and what readers were served
(``served.json``: status, Location and body of each document). The migration test
loads the dump under the current code and compares.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PATHS = [
    "/rss.xml", "/atom.xml", "/feed.json", "/archive/1.xml", "/archive/2.xml",
    "/world/atom.xml", "/world/archive/1.xml", "/world/archive/2.xml", "/tags/harbour/atom.xml",
    "/tags/harbour/archive/1.xml", "/authors/desk/atom.xml", "/authors/desk/archive/1.xml",
    "/world/first/", "/world/second/", "/world/second-renamed/", "/world/third/",
    "/world/backdated/", "/2019/old-first/", "/world/fifth/", "/world/sixth/",
]


def _story(title: str, date: str, story_id: str, tags: str, extra: str = "") -> str:
    return (f"---\ntitle: {title}\nid: \"{story_id}\"\ndate: {date}\ntags: {tags}\n{extra}"
            f"---\n\nThe {title.lower()} story, with *emphasis*.\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(base: str, path: str) -> tuple[int, str | None, bytes]:
    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(base + path, timeout=10) as response:
            return response.status, response.headers.get("Location"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location"), error.read()


def _until(base: str, path: str, check: object, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if check(*_get(base, path)):  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"gave up waiting for {what}")


def make(release: Path, out: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="feeds-fixture-"))
    site = work / "site"
    port = _free_port()
    world = site / "content" / "world"
    world.mkdir(parents=True)
    (site / "config.yaml").write_text(
        f"title: Harbour Times\nbase_url: http://127.0.0.1:{port}/\ntimezone: Europe/Lisbon\n"
        "author: Desk\nfeed_size: 2\npage_size: 2\n", encoding="utf-8")
    for name, date, tags, extra in (
            ("first", "2026-03-01T09:00", "[harbour]", "aliases: [/2019/old-first/]\n"),
            ("second", "2026-03-02T09:00", "[harbour, boats]", ""),
            ("third", "2026-03-03T09:00", "[boats]", "")):
        (world / f"{name}.md").write_text(
            _story(name.title(), date, f"urn:x:{name}", tags, extra), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(release)}
    log = open(work / "serve.log", "wb")  # noqa: SIM115 - kept for the process
    # (run from the work folder: ``-m`` puts the current folder first on the path, and a
    # checkout's own feeds would be imported instead of the release's)
    server = subprocess.Popen([sys.executable, "-m", "feeds", "serve", "--root", str(site),
                               "--port", str(port)], env=env, stdout=log, cwd=work,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _until(base, "/healthz", lambda s, _l, b: s == 200 and b'"publisher":"running"' in b,
               "the first build")
        # A backdated story: published fourth, dated before every other.
        (world / "backdated.md").write_text(_story(
            "Backdated", "2026-01-15T09:00", "urn:x:backdated", "[harbour]"), encoding="utf-8")
        _until(base, "/world/backdated/", lambda s, _l, _b: s == 200, "the backdated story")
        for name, date in (("fifth", "2026-03-05T09:00"), ("sixth", "2026-03-06T09:00")):
            (world / f"{name}.md").write_text(_story(
                name.title(), date, f"urn:x:{name}", "[boats]"), encoding="utf-8")
            _until(base, f"/world/{name}/", lambda s, _l, _b: s == 200, name)
        (world / "second.md").rename(world / "second-renamed.md")  # its old page: 301
        _until(base, "/world/second/", lambda s, _l, _b: s == 301, "the rename")
        (world / "third.md").unlink()  # a tombstone, and 410
        _until(base, "/world/third/", lambda s, _l, _b: s == 410, "the removal")
        time.sleep(1.5)  # the status board's next beat: every change committed and served
        served = {}
        for path in PATHS:
            status, location, body = _get(base, path)
            served[path] = {"status": status, "location": location,
                            "body": base64.b64encode(body).decode()}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(site, out / "site", ignore=shutil.ignore_patterns(".feeds"))
    db = sqlite3.connect(site / ".feeds" / "catalog.sqlite3")
    try:
        (out / "catalog.sql").write_text("\n".join(db.iterdump()) + "\n", encoding="utf-8")
        clock = int(db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()[0])
    finally:
        db.close()
    (out / "served.json").write_text(json.dumps(
        {"port": port, "clock": clock, "documents": served}, indent=1) + "\n", encoding="utf-8")
    shutil.rmtree(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--release", type=Path, required=True,
                        help="an unpacked copy of the release whose catalogue is wanted")
    parser.add_argument("--out", type=Path, required=True, help="the fixture folder to write")
    args = parser.parse_args()
    make(args.release.resolve(), args.out.resolve())


if __name__ == "__main__":
    main()
