"""The exception family: every problem a user can cause, with where and how to fix it."""

from __future__ import annotations

from pathlib import Path


class FeedsError(Exception):
    """Base of every error the product raises on purpose.

    ``path`` and ``line`` say where the problem is, when that is known, so the
    command line can print ``path:line: message`` and the web layer can list it.
    """

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def location(self) -> str:
        """Return ``path:line`` (or ``path``, or an empty string) for messages."""
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class ConfigError(FeedsError):
    """``config.yaml`` is missing, unreadable, or has an unknown or mistyped key."""

    def __init__(
        self,
        message: str,
        path: Path | str | None = None,
        line: int | None = None,
        key: str | None = None,
    ):
        super().__init__(message, path, line)
        self.key = key


class StoryError(FeedsError):
    """A story file cannot be published as it stands."""
