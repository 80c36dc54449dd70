"""Drive Debian's Chromium headless: a page's DOM after its scripts ran, and screenshots."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--mute-audio",
]
SCHEMES = {"light": "1", "dark": "0"}  # Blink's preferredColorScheme: 0 is dark


def chromium() -> str:
    """Return the Chromium command; the test setup (make test) installs it where missing."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("Chromium is not installed: run `apt-get install -y chromium` "
                       "(make test does this itself when it runs as root)")


def _run(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="feeds-chromium-") as profile:  # a fresh profile
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True, text=True, timeout=90, check=True,
        )


def dom(url: str) -> str:
    """Return the page's DOM, serialised after it loaded and ran its scripts."""
    return _run(url, "--virtual-time-budget=2000", "--dump-dom").stdout


def screenshot(url: str, path: Path, scheme: str = "light", width: int = 1280,
               height: int = 1600) -> Path:
    """Save a PNG of the page as a browser window of that size shows it."""
    _run(url, f"--window-size={width},{height}", f"--screenshot={path}",
         f"--blink-settings=preferredColorScheme={SCHEMES[scheme]}")
    return path
