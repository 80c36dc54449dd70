"""What the ``feeds import`` tests share: a new site to move into, and an import run."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from feeds.importer.run import Importer
from feeds.site.config import load_settings

from .conftest import write_config


def new_site(tmp_path: Path, name: str = "new") -> Path:
    root = tmp_path / name
    (root / "content").mkdir(parents=True)
    write_config(root, base_url="http://127.0.0.1:8799/", timezone="UTC")
    return root


def run_import(root: Path, *sources: str | Path, **options: Any) -> tuple[int, str]:
    """Import ``sources`` into the site at ``root``; return the exit status and the report."""
    out = io.StringIO()
    status = Importer(root, load_settings(root), out=out, **options).run(
        [str(s) for s in sources])
    return status, out.getvalue()
