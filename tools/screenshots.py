"""Take the README's screenshots of the sample site: ``python -m tools.screenshots``.

Serves a copy of the sample site with the real server, then has headless
Chromium draw the front page and a story page in the light and dark schemes
into ``docs/``; and ``/stats/`` after a month of polls (``tools.statsdemo``).
"""

from __future__ import annotations

from pathlib import Path

from tests.browser import screenshot
from tests.conftest import copy_sample_site, free_port, start_server

from .statsdemo import TOKEN, replay

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = {"front": "/", "story": "/security/microsoft-fsb-isps-embassy-attacks/"}


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        port = free_port()
        root = copy_sample_site(Path(work), port)
        with open(root / "config.yaml", "a", encoding="utf-8") as config:
            config.write(f"stats_token: {TOKEN}\n")
        server = start_server(root, port)
        try:
            print(f"{replay(root)} polls replayed")
            pages = {**PAGES, "stats": f"/stats/?token={TOKEN}"}
            for name, path in pages.items():
                for scheme in ("light", "dark"):
                    target = DOCS / f"{name}-{scheme}.png"
                    screenshot(server.base + path, target, scheme, width=1100, height=1400)
                    print(target.relative_to(DOCS.parent))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
