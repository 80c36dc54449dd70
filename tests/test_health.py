"""/healthz: the status for anyone; file names and messages only for those who run the site,
and never megabytes of them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from feeds.errors import ConfigError
from feeds.site.config import load_settings
from feeds.web.health import LISTED, MAX_BYTES

from .conftest import Published, Server, free_port, story_text, write_config, write_story

TOKEN = "s3cret-token-for-the-desk-only"
SECRET = "acme-to-acquire-globex-embargoed"


@pytest.fixture
def embargoed(site: Path, publish: Callable[..., Published]) -> Published:
    write_config(site, admin_token=TOKEN)
    write_story(site, "world/a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    write_story(site, f"world/{SECRET}.md", "---\ntitle: Acme to acquire Globex\n---\n")
    return publish(site)


def _get(published: Published, address: str, **headers: str) -> dict[str, object]:
    response = published.client.get("/healthz", headers=headers,
                                     environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    found: dict[str, object] = json.loads(response.data)
    return found


@pytest.mark.parametrize("address, headers", [
    ("203.0.113.7", {}),  # a stranger
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.7"}),  # a stranger through nginx, Varnish
    ("127.0.0.1", {"Forwarded": "for=203.0.113.7"}),
    ("::1", {"Via": "1.1 varnish"}),
    ("127.0.0.1", {"X-Real-IP": "203.0.113.7"}),
    ("203.0.113.7", {"Authorization": "Bearer not-the-token-at-all"}),
    ("203.0.113.7", {"Authorization": f"Basic {TOKEN}"}),
])
def test_the_public_and_proxies_get_the_status_alone(embargoed: Published, address: str,
                                                      headers: dict[str, str]) -> None:
    response = embargoed.client.get("/healthz", headers=headers,
                                    environ_base={"REMOTE_ADDR": address})
    assert json.loads(response.data) == {"status": "problems"}
    assert SECRET.encode() not in response.data


@pytest.mark.parametrize("address, headers", [
    ("127.0.0.1", {}),
    ("::1", {}),
    ("::ffff:127.0.0.1", {}),
    ("203.0.113.7", {"Authorization": f"Bearer {TOKEN}"}),
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.7", "Authorization": f"bearer {TOKEN}"}),
])
def test_loopback_and_the_token_get_the_details(embargoed: Published, address: str,
                                                headers: dict[str, str]) -> None:
    report = _get(embargoed, address, **headers)
    assert report["status"] == "problems"
    assert report["stories"] == 1
    files = [p["file"] for p in report["problems"]]  # type: ignore[attr-defined]
    assert f"content/world/{SECRET}.md" in files  # (and .feeds: no publisher runs here)
    assert report["problems_count"] == len(files)


def test_the_token_can_come_from_the_environment(site: Path, publish: Callable[..., Published],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(site, admin_token="${FEEDS_TEST_ADMIN_TOKEN}")
    monkeypatch.setenv("FEEDS_TEST_ADMIN_TOKEN", TOKEN)
    published = publish(site)
    assert "worker" in _get(published, "203.0.113.7", Authorization=f"Bearer {TOKEN}")
    assert list(_get(published, "203.0.113.7",
                     Authorization="Bearer ${FEEDS_TEST_ADMIN_TOKEN}")) == ["status"]
    monkeypatch.delenv("FEEDS_TEST_ADMIN_TOKEN")  # unset: nobody but loopback
    assert list(_get(published, "203.0.113.7", Authorization="Bearer ")) == ["status"]


@pytest.mark.parametrize("token", ["short", "sixteen chars but spaces"])
def test_a_weak_token_is_refused(site: Path, token: object) -> None:
    write_config(site, admin_token=token)
    with pytest.raises(ConfigError, match="admin_token: use at least 16 characters"):
        load_settings(site)


def test_thousands_of_problems_are_capped(site: Path, publish: Callable[..., Published]) -> None:
    write_config(site)
    long = "x" * 180
    for n in range(600):
        write_story(site, f"broken/{n:04d}-{long}.md", "no front matter\n")
    published = publish(site)
    response = published.client.get("/healthz")
    assert len(response.data) <= MAX_BYTES
    report = json.loads(response.data)
    assert report["problems_count"] == 601  # (and .feeds: no publisher runs here)
    assert 0 < len(report["problems"]) <= LISTED
    assert report["problems"][0]["file"].startswith("content/broken/0000-")


def test_the_real_server_tells_a_proxied_request_the_status_alone(
        site: Path, serve: Callable[..., Server]) -> None:
    port = free_port()
    write_config(site, base_url=f"http://127.0.0.1:{port}/")
    write_story(site, f"{SECRET}.md", "---\ntitle: Acme\n---\n")
    server = serve(site, port=port)
    status, _, body = server.get("/healthz", {"X-Forwarded-For": "198.51.100.4"})
    assert (status, json.loads(body)) == (200, {"status": "problems"})
    status, _, body = server.get("/healthz")
    assert SECRET in body.decode()
