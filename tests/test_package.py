"""feeds as a newsroom installs it: a wheel, built from the sdist, in a fresh venv outside the
checkout, running every command a new site needs from a folder that has never seen this
repository.

Built once per session (the venv takes a while). Nothing is fetched: the dependencies come
from the wheelhouse that ``make test``'s install step keeps (``.venv/wheelhouse``), so the
test sends no packet off loopback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from feeds import __version__

from .conftest import REPO, free_port, stop_group, story_text

pytestmark = pytest.mark.e2e  # real processes (see SERVER_FIXTURES in conftest.py)

WHEELHOUSE = Path(sys.prefix) / "wheelhouse"
STEP_TIMEOUT = 300


@dataclass
class Installed:
    """A wheel of feeds installed into its own venv, and a work folder outside the checkout."""

    wheel: Path
    checkout_wheel: Path
    sdist: Path
    venv: Path
    work: Path

    def feeds(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Run the installed ``feeds`` (never the checkout's) and return what it did."""
        return subprocess.run([str(self.venv / "bin" / "feeds"), *args], cwd=cwd or self.work,
                              env=_clean_env(), capture_output=True, text=True,
                              timeout=STEP_TIMEOUT)


def _clean_env() -> dict[str, str]:
    """The environment without anything that could point Python or pip at the checkout or at a
    package index: only the wheelhouse may be read."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "PIP_", "FEEDS_", "VIRTUAL_ENV"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(WHEELHOUSE),
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, env=env or _clean_env(), capture_output=True,
                          text=True, timeout=STEP_TIMEOUT)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    if not any(WHEELHOUSE.glob("*.whl")):
        pytest.fail(f"no wheelhouse in {WHEELHOUSE}: make test's install step builds it "
                    "(rm .venv/.installed and run make test again)")
    base = tmp_path_factory.mktemp("installed")
    dist, straight = base / "dist", base / "straight"
    # The sdist first, then the wheel built from the sdist (what build does with no option):
    # a file left out of the sdist is missing from this wheel.
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)], base)
    # setuptools builds a path in its build/ folder and keeps it: a module deleted since the
    # last build would still be in this wheel (and in a user's pip install of a checkout).
    shutil.rmtree(REPO / "build", ignore_errors=True)
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(straight), str(REPO)], base)
    shutil.rmtree(REPO / "build", ignore_errors=True)
    (wheel,) = dist.glob("feeds-*.whl")
    (sdist,) = dist.glob("feeds-*.tar.gz")
    (checkout_wheel,) = straight.glob("feeds-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], base)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-index",
          "--find-links", str(WHEELHOUSE), str(wheel)], base)
    work = base / "work"
    work.mkdir()
    yield Installed(wheel, checkout_wheel, sdist, venv, work)


def _names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if ".dist-info/" not in name}


def test_the_wheel_holds_every_module_template_and_static_file(installed: Installed) -> None:
    package = REPO / "feeds"
    wanted = {f"feeds/{p.relative_to(package).as_posix()}" for p in package.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    assert {"feeds/templates/story.html", "feeds/static/style.css",
            "feeds/catalog/ledger.py"} <= wanted
    assert _names(installed.wheel) == wanted
    assert _names(installed.checkout_wheel) == wanted  # the sdist lost nothing on the way


def test_the_installed_package_is_not_the_checkout(installed: Installed) -> None:
    done = subprocess.run([str(installed.venv / "bin" / "python"), "-c",
                           "import feeds, flask; print(feeds.__file__)"],
                          cwd=installed.work, env=_clean_env(), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    where = Path(done.stdout.strip())
    assert where.is_relative_to(installed.venv) and not where.is_relative_to(REPO)
    assert installed.feeds("--version").stdout.strip() == f"feeds {__version__}"


def test_pipx_installs_a_feeds_that_starts_a_site(installed: Installed) -> None:
    """``pipx install`` of the wheel, as the README says, with pipx's folders in a temporary
    home: its own venv, a ``feeds`` on its bin folder, which makes and checks a site."""
    home = installed.work.parent / "pipx"
    env = {**_clean_env(), "PIPX_HOME": str(home / "venvs"), "PIPX_BIN_DIR": str(home / "bin"),
           "PIPX_MAN_DIR": str(home / "man"), "HOME": str(home)}
    _run([sys.executable, "-m", "pipx", "install", str(installed.wheel)], installed.work,
         env=env)
    feeds = home / "bin" / "feeds"
    assert feeds.resolve().is_relative_to(home / "venvs")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(feeds), *args], cwd=installed.work, env=env,
                              capture_output=True, text=True, timeout=STEP_TIMEOUT)

    assert run("--version").stdout.strip() == f"feeds {__version__}"
    assert run("init", "piped", "--title", "Piped News").returncode == 0
    checked = run("check", "--root", "piped")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_site_started_by_the_installed_feeds_serves_checks_and_builds(
        installed: Installed) -> None:
    port = free_port()
    made = installed.feeds("init", "news", "--title", "Harbour News", "--base-url",
                           f"http://127.0.0.1:{port}/", "--timezone", "Europe/Lisbon")
    assert made.returncode == 0, made.stderr
    site = installed.work / "news"
    checked = installed.feeds("check", cwd=site)
    assert (checked.returncode, checked.stdout) == (0, ""), checked.stderr
    assert "1 stories published, 0 problems" in checked.stderr

    log = open(installed.work / "serve.log", "wb")  # noqa: SIM115 - kept for the process
    server = subprocess.Popen([str(installed.venv / "bin" / "feeds"), "serve", "--port",
                               str(port)], cwd=site, env=_clean_env(), stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        feed = _wait_for(base + "/rss.xml", lambda body: b"Welcome to Harbour News" in body)
        assert b"<title>Harbour News</title>" in feed
        assert b"/static/style.css" in _wait_for(base + "/welcome/", lambda body: True)
        assert b"font" in _wait_for(base + "/static/style.css", lambda body: True)
        (site / "content" / "world").mkdir()
        (site / "content" / "world" / "harbour.md").write_text(
            story_text("The harbour reopens", "2026-01-05T09:00", id='"urn:x:harbour"'))
        _wait_for(base + "/world/rss.xml", lambda body: b"The harbour reopens" in body)
        assert (site / "history").is_dir()  # the publication history, beside content/
    finally:
        stop_group(server)
        log.close()
    built = installed.feeds("build", cwd=site)
    assert built.returncode == 0, built.stderr
    assert b"The harbour reopens" in (site / "public" / "world" / "rss.xml").read_bytes()
    assert (site / "public" / "world" / "rss.xml.gz").exists()


def _wait_for(url: str, ready: object, timeout: float = 60.0) -> bytes:
    """GET ``url`` until it answers 200 with a body ``ready`` accepts (bounded); return it."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body: bytes = response.read()
                if ready(body):  # type: ignore[operator]
                    return body
                last = body[:200]
        except OSError as error:
            last = error
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer as expected within {timeout} s: {last!r}")
