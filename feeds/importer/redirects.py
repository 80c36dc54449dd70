"""Add ``redirects`` entries to ``config.yaml`` without disturbing what the owner wrote.

The file is the site owner's: its comments, order and layout stay. Entries are
added only where that is plainly safe (a ``redirects:`` block at the end of the
file, or none yet, which is then added at the end); otherwise the lines to add
are printed instead. The result is read back as settings before it replaces the
file, so an import never leaves a config the site refuses.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from ..errors import FeedsError
from ..site.config import CONFIG_NAME, SafeLoader, Settings, load_settings, old_address


def missing_redirects(settings: Settings, wanted: dict[str, str]) -> dict[str, str]:
    """Return the wanted redirects that config.yaml does not have yet (by old address)."""
    have = {old for old, _ in settings.redirects}
    return {old: new for old, new in sorted(wanted.items())
            if old_address(old) not in have and old_address(old) != old_address(new)}


def lines_for(entries: dict[str, str], indent: int = 2) -> str:
    dumped = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=1 << 20,
                            default_flow_style=False)
    return "".join(" " * indent + line + "\n" for line in dumped.splitlines())


def add_redirects(root: Path, entries: dict[str, str]) -> str | None:
    """Add ``entries`` to config.yaml; return None when done, or the text of what the owner
    should add by hand (the file's layout did not allow a safe edit)."""
    if not entries:
        return None
    path = Path(os.path.realpath(root / CONFIG_NAME))
    original = path.read_text(encoding="utf-8")
    edited = _edited(original, entries)
    if edited is None:
        return "redirects:\n" + lines_for(entries)
    _replace(path, edited)
    try:
        load_settings(root)
    except FeedsError:
        _replace(path, original)
        return "redirects:\n" + lines_for(entries)
    return None


def _edited(text: str, entries: dict[str, str]) -> str | None:
    try:
        node = yaml.compose(text, Loader=SafeLoader)
    except yaml.YAMLError:
        return None
    if node is not None and not isinstance(node, yaml.MappingNode):
        return None
    pairs = node.value if node is not None else []
    keys = [key.value for key, _ in pairs if isinstance(key, yaml.ScalarNode)]
    body = text if text.endswith("\n") or not text else text + "\n"
    if "redirects" not in keys:
        return body + "redirects:\n" + lines_for(entries)
    key, value = next(p for p in pairs if getattr(p[0], "value", None) == "redirects")
    last = pairs[-1][0] is key
    if not last or not isinstance(value, yaml.MappingNode) or value.flow_style or not value.value:
        return None
    indent = value.value[0][0].start_mark.column
    return body + lines_for(entries, indent)


def _replace(path: Path, text: str) -> None:
    """Write ``text`` over ``path`` whole or not at all, keeping its mode."""
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(prefix=".config-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
