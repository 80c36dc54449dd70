"""Take the README's screenshots of the sample site: ``python -m tools.screenshots``.

Serves a copy of the sample site with the real server, then has headless
Chromium draw the front page and a story page in the light and dark schemes
into ``docs/``.
"""

from __future__ import annotations

from pathlib import Path

from tests.browser import screenshot
from tests.conftest import copy_sample_site, free_port, start_server

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = {"front": "/", "story": "/security/microsoft-fsb-isps-embassy-attacks/"}


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        port = free_port()
        server = start_server(copy_sample_site(Path(work), port), port)
        try:
            for name, path in PAGES.items():
                for scheme in ("light", "dark"):
                    target = DOCS / f"{name}-{scheme}.png"
                    screenshot(server.base + path, target, scheme, width=1100, height=1400)
                    print(target.relative_to(DOCS.parent))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
