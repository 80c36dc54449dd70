"""One file is one story however many names it has: a hard link or a symlink to a story is
left out with a problem naming the file that holds it, and takes over when that name goes."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Server, free_port, story_text, write_config, write_story
from .test_live import eventually, every_worker, titles


def _problems(server: Server) -> dict[str, str]:
    report = json.loads(server.get("/healthz")[2])
    return {p["file"]: p["message"] for p in report["problems"]}


@pytest.mark.parametrize("link", [os.link, lambda target, name: os.symlink(
    os.path.relpath(target, os.path.dirname(name)), name)], ids=["hard link", "symlink"])
def test_a_second_name_of_a_story_file_is_left_out(
        site: Path, serve: Callable[..., Server], link: Callable[[Path, Path], None]) -> None:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    shared = write_story(site, "world/shared.md", story_text("Shared", "2025-11-05T10:00"))
    server = serve(site, port=port)
    eventually(lambda: shared.read_text().startswith("---\nid: "))  # its id written
    (site / "content/mirror").mkdir()
    mirror = site / "content/mirror/shared.md"
    link(shared, mirror)
    every_worker(server, lambda r: "content/mirror/shared.md" in {
        p["file"] for p in r["problems"]})  # type: ignore[attr-defined]
    assert "another name of the file content/world/shared.md" in _problems(server)[
        "content/mirror/shared.md"]
    assert server.get("/world/shared/")[0] == 200
    assert server.get("/mirror/shared/")[0] == 404
    assert titles(server) == ["Shared"]
    server.stop()
    server = serve(site, port=port)  # what went wrong: after a restart, 410 for the first
    assert server.get("/world/shared/")[0] == 200
    assert titles(server) == ["Shared"]
    shared.unlink()  # the holding name goes: the other takes the story over
    if mirror.is_symlink():
        mirror.unlink()
        write_story(site, "mirror/shared.md", story_text("Shared", "2025-11-05T10:00"))
    else:
        eventually(lambda: server.get("/mirror/shared/")[0] == 200)
        assert server.get("/world/shared/")[:2][0] == 301  # the same id: a move
    every_worker(server, lambda r: r["status"] == "ok")


def test_names_of_one_file_made_before_a_first_start(site: Path,
                                                    serve: Callable[..., Server]) -> None:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    first = write_story(site, "b/same.md", story_text("Same", "2025-11-05T10:00",
                                                      id='"urn:x:same"'))
    (site / "content/a").mkdir()
    os.link(first, site / "content/a/same.md")
    server = serve(site, port=port)
    assert titles(server) == ["Same"]
    assert "content/b/same.md" in _problems(server)  # the first by path holds it
    assert server.get("/a/same/")[0] == 200
