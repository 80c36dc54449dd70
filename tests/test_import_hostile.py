"""``feeds import`` against sources written to hurt: addresses inside this machine, feeds
that never end, zip bombs, names that climb out, huge fields, entity bombs, JSON nested
without end, symlinks out of a site folder.

No packet leaves this machine: where an address outside is needed, the resolver is
replaced (a test name resolves to a public address) and so is the connection, which
is recorded and then made to a server on loopback.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feeds.importer import archive, feedsource, netguard, reading, xmlstream
from feeds.importer.netguard import refusal

from . import exports
from .importing import new_site, run_import
from .sources import Answer, OldSite, rss

PUBLIC = "93.184.216.34"  # a public address: never connected to (see ``network``)


@pytest.fixture
def old_site() -> Iterator[OldSite]:
    site = OldSite()
    yield site
    site.stop()


def stories(root: Path) -> list[Path]:
    return sorted((root / "content").rglob("*.md"))


# Where an import may connect (issue 17, case 10) -------------------------------------------


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.0.9", "192.168.1.1",
    "169.254.169.254",  # AWS, GCP, Azure metadata
    "100.100.100.200",  # Alibaba's metadata (shared address space)
    "fd00:ec2::254",  # AWS' IPv6 metadata
    "fe80::1", "0.0.0.0", "224.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "192.0.0.192",  # Oracle's metadata
])
def test_addresses_inside_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", [PUBLIC, "2606:4700:4700::1111", "8.8.8.8"])
def test_public_addresses_are_not(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


class Network:
    """A resolver that says what the test wants, and connections that are recorded and then
    made to the old site on loopback: the import's decisions can be watched, and nothing
    leaves this machine."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, site: OldSite):
        self.names: dict[str, list[str]] = {}  # host -> the addresses of each next lookup
        self.lookups: list[str] = []
        self.connections: list[str] = []
        port = site.server.server_address[1]
        real = socket.create_connection

        def resolve(host: str, _: int) -> list[str]:
            self.lookups.append(host)
            found = self.names.get(host)
            if not found:
                return ["127.0.0.1"] if host == "127.0.0.1" else []
            return [found.pop(0) if len(found) > 1 else found[0]]

        def connect(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
            self.connections.append(address[0])
            assert address[0] == PUBLIC or address[0] == "127.0.0.1", address
            return real(("127.0.0.1", port), *args, **kwargs)

        monkeypatch.setattr(netguard, "resolve", resolve)
        monkeypatch.setattr(netguard.socket, "create_connection", connect)


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch, old_site: OldSite) -> Network:
    return Network(monkeypatch, old_site)


def test_a_loopback_source_is_refused_before_connecting(tmp_path: Path,
                                                       old_site: OldSite) -> None:
    old_site.answers["/feed/"] = Answer(body=rss([{"title": "t", "guid": "g"}]))
    root = new_site(tmp_path)
    status, report = run_import(root, f"{old_site.base}/feed/")
    assert status == 1
    assert "127.0.0.1 is 127.0.0.1, a loopback address (this machine): refused" in report
    assert "add --allow-private if you mean it" in report
    assert old_site.requests == []  # decided before connecting
    assert run_import(root, f"{old_site.base}/feed/", allow_private=True)[0] == 0


def test_redirects_archive_links_and_media_inside_are_refused_at_every_hop(
        tmp_path: Path, old_site: OldSite, network: Network) -> None:
    network.names.update({"news.test": [PUBLIC], "metadata.test": ["169.254.169.254"],
                          "intranet.test": ["10.0.0.7"]})
    item = {"title": "An episode", "guid": "https://news.test/e/1",
            "link": "https://news.test/e/1",
            "xml": '<enclosure url="http://metadata.test/latest/meta-data/iam.mp3" '
                   'length="9" type="audio/mpeg"/>'}
    old_site.answers.update({
        "/feed/": Answer(body=rss([item])),
        "/moved/": Answer(302, location="http://127.0.0.1:9/latest/meta-data/"),
        "/history/": Answer(body=rss([item], extra=(
            '<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="prev-archive" '
            'href="http://intranet.test/archive/1.xml"/>'))),
    })
    root = new_site(tmp_path)
    status, report = run_import(root, "http://news.test/feed/", download_media=True)
    assert status == 0, report
    assert ("metadata.test is 169.254.169.254, a link-local address (where cloud metadata "
            "services answer): refused") in report  # the enclosure stays a link
    assert "http://metadata.test/latest/meta-data/iam.mp3" in stories(root)[0].read_text()
    status, report = run_import(new_site(tmp_path / "2"), "http://news.test/moved/")
    assert status == 1 and "127.0.0.1 is 127.0.0.1, a loopback address" in report
    status, report = run_import(new_site(tmp_path / "3"), "http://news.test/history/")
    assert status == 1 and "page 2 of its history (http://intranet.test/archive/1.xml)" \
        in report and "10.0.0.7, a private network address" in report
    assert set(network.connections) == {PUBLIC}  # nothing inside was ever connected to
    assert old_site.hosts and all(h == "news.test" for h in old_site.hosts)


def test_a_name_that_rebinds_is_pinned_to_the_address_that_was_checked(
        tmp_path: Path, old_site: OldSite, network: Network) -> None:
    # The first lookup says public, every later one says loopback (DNS rebinding): the
    # connection goes to the address checked, and the next connection is checked again.
    network.names["news.test"] = [PUBLIC, "127.0.0.1"]
    old_site.answers["/feed/"] = Answer(body=rss([{"title": "t", "guid": "urn:x:1"}], extra=(
        '<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="prev-archive" '
        'href="http://news.test/archive/1.xml"/>')))
    status, report = run_import(new_site(tmp_path), "http://news.test/feed/")
    assert status == 1 and "news.test is 127.0.0.1, a loopback address" in report
    assert network.lookups == ["news.test", "news.test"]  # once per connection, no more
    assert network.connections == [PUBLIC]
    assert old_site.requests == ["/feed/"]


# A feed that never ends (issue 17, case 12) -------------------------------------------------


def test_a_paged_feed_that_keeps_giving_new_items_stops_with_nothing_imported(
        tmp_path: Path, old_site: OldSite, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feedsource, "MAX_HISTORY_ITEMS", 2_000)
    monkeypatch.setattr(reading, "PROGRESS_EVERY", 1_000)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    wordpress = "<generator>https://wordpress.org/?v=6.5</generator>"

    def page(path: str) -> Answer | None:
        number = int(path.partition("paged=")[2] or 1)
        return Answer(body=rss([{"title": f"Item {number}.{i}", "guid": f"urn:x:{number}.{i}",
                                 "description": "x"} for i in range(200)], extra=wordpress))

    old_site.fallback = lambda path: page(path) if path.startswith("/feed/") else None
    root = new_site(tmp_path)
    status, report = run_import(root, f"{old_site.base}/feed/", allow_private=True)
    assert status == 1
    assert f"reading    {old_site.base}/feed/: 5 pages, 1,000 items so far" in report
    assert "its history runs past 2,000 items (11 pages), so nothing of it is imported" in report
    assert len(old_site.requests) == 11 and stories(root) == []
    assert not list(tmp_path.glob("feeds-import-*"))  # the spool is gone


# Hostile files ------------------------------------------------------------------------------


def test_zip_bombs_encrypted_members_and_names_that_climb_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = new_site(tmp_path)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("export.xml", exports.wxr(exports.posts(1)) + b" " * (30 << 20))
    status, report = run_import(root, bomb)
    assert status == 1 and "inflates" in report and "zip bomb" in report
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 4096)  # a budget lying sizes cannot pass
    small = tmp_path / "small.zip"
    with zipfile.ZipFile(small, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("export.xml", exports.wxr(exports.posts(3)))
    status, report = run_import(root, small)
    assert status == 1 and "inflates past what an export holds" in report
    monkeypatch.undo()
    climbing = tmp_path / "climbing.zip"
    with zipfile.ZipFile(climbing, "w") as out:
        out.writestr("../../../../tmp/evil.xml", exports.wxr(exports.posts(1)))
        out.writestr("posts.csv", "post_id,post_date,is_published,type,audience,title\n"
                                  "1.x/../../../../etc/passwd,2024-01-01,true,newsletter,"
                                  "everyone,T\n")
    status, report = run_import(root, climbing, old_base_url="https://old.substack.com")
    assert status == 0 and "left out: 1 post without text" in report
    assert stories(root) == [] and not Path("/tmp/evil.xml").exists()
    encrypted = tmp_path / "encrypted.zip"
    data = bytearray(small.read_bytes())
    data[6] |= 1  # the local header's "encrypted" flag, and the central directory's
    data[data.rfind(b"PK\x01\x02") + 8] |= 1
    encrypted.write_bytes(bytes(data))
    status, report = run_import(root, encrypted)
    assert status == 1 and "is encrypted: export it again without a password" in report


def test_huge_csv_fields_entity_bombs_and_endless_nesting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = new_site(tmp_path)
    huge = tmp_path / "substack.zip"
    with zipfile.ZipFile(huge, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("posts.csv", "post_id,post_date,is_published,type,audience,title,subtitle\n"
                                  "1.a,2024-01-01,true,newsletter,everyone,A," + "x" * 300_000
                                  + "\n")
    status, report = run_import(root, huge, old_base_url="https://old.substack.com")
    assert status == 1 and "posts.csv line 2: field larger than field limit" in report
    blogger = tmp_path / "blog.xml"
    blogger.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;'
        b'&a;&a;&a;&a;&a;">]><feed xmlns="http://www.w3.org/2005/Atom" '
        b'xmlns:blogger="http://schemas.google.com/blogger/2018"><id>tag:blogger.com,1999:'
        b"blog-1</id><title>&b;</title></feed>")
    status, report = run_import(root, blogger)
    assert status == 1 and "declares XML entities or a DTD, which a Blogger export never" \
        in report
    ghost = tmp_path / "ghost.json"
    ghost.write_bytes(b'{"db":[{"data":{"posts":[{"id":"1","x":' + b"[" * 100_000
                      + b"]" * 100_000 + b"}]}}]}")
    status, report = run_import(root, ghost)
    assert status == 1 and "nested more than 64 deep" in report
    items = exports.posts(1)
    for post in items:
        post.status, post.audience = "published", "public"
    deep = exports.ghost_export(items, editor="lexical").replace(
        b'"lexical": "{', b'"lexical": "' + b"[" * 5000 + b"{")
    (tmp_path / "deep.json").write_bytes(deep)
    status, report = run_import(root, tmp_path / "deep.json")
    assert status == 0 and "its editor document is not valid JSON" in report
    monkeypatch.setattr(xmlstream, "MAX_RECORD_BYTES", 1 << 20)
    big = exports.posts(2)
    big[0].html = "<p>" + "words " * 300_000 + "</p>"
    (tmp_path / "big.xml").write_bytes(exports.wxr(big))
    status, report = run_import(root, tmp_path / "big.xml")
    assert status == 1 and "one record (a post, an entry) is larger than 1 MB" in report


def test_a_site_folder_cannot_lead_the_import_out_of_it(tmp_path: Path) -> None:
    source = exports.hugo_site(tmp_path / "old", exports.posts(2))
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwords.md").write_text("---\ntitle: Secret\ndate: 2024-01-01\n---\nno\n")
    (secret / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    os.symlink(secret, source / "content" / "posts" / "elsewhere")
    os.symlink(secret / "passwords.md", source / "content" / "posts" / "pw.md")
    post = source / "content" / "posts" / "story-1.md"
    post.write_text(post.read_text() + "\n![x](../../../secret/photo.png)\n"
                    "![y](/../../secret/photo.png)\n")
    (source / "content" / "posts" / "bomb.md").write_text(
        '---\ntitle: &a ["x", "x"]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\ndate: 2024-01-01\n'
        "---\nbody\n")
    root = new_site(tmp_path)
    status, report = run_import(root, source)
    assert status == 0, report
    assert "left out: 1 list page, 2 symlinks out of the site" in report
    assert f"skipped    {source / 'content/posts/bomb.md'}:1: its front matter uses YAML " \
           "aliases" in report
    assert [p.name for p in stories(root)] == ["story-1.md", "story-2.md"]
    assert not list((root / "content").rglob("*.png"))  # nothing from outside was copied


def test_an_item_cannot_claim_a_path_the_site_answers_itself(tmp_path: Path,
                                                             old_site: OldSite) -> None:
    # (issue 17, case 7: an imported item linking .../healthz wrote content/healthz.md)
    old_site.answers["/feed/"] = Answer(body=rss([
        {"title": "Health", "guid": "urn:x:1", "link": "https://old.example/healthz"},
        {"title": "Feed", "guid": "urn:x:2", "link": "https://old.example/rss.xml"}]))
    root = new_site(tmp_path)
    status, report = run_import(root, f"{old_site.base}/feed/", allow_private=True)
    assert status == 0, report
    assert [p.name for p in stories(root)] == ["healthz-2.md", "rss.md"]
    assert "its old address /rss.xml is one the site answers itself" in report
    assert "aliases" not in (root / "content" / "healthz-2.md").read_text()
