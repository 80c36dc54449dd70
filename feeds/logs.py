"""How feeds writes its log: one format for every process, saying which process and module.

``feeds serve`` runs a supervisor, the publisher and the serving workers; each line
names its process (``serve``, ``publisher``, ``worker``) and pid, and the module that
wrote it, so a line in the journal says which worker and which file it came from.
Problems about a story carry ``path:line`` in the message itself.
"""

from __future__ import annotations

import logging
import os
from typing import Any

FORMAT = "%(asctime)s %(role)s[%(process)d] %(levelname)s %(name)s: %(message)s"
_role = "feeds"
_pid = 0  # the process that set the role (a forked worker inherits the role, not the pid)


class Formatter(logging.Formatter):
    """The house format, with the process's role."""

    def __init__(self, fmt: str | None = None, datefmt: str | None = None) -> None:
        super().__init__(fmt or FORMAT, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        record.role = self.role()
        return super().format(record)

    def role(self) -> str:
        return _role


class WorkerFormatter(Formatter):
    """The format granian sets up in each serving worker, and in ``feeds serve`` itself."""

    def role(self) -> str:
        return _role if os.getpid() == _pid else "worker"


def configure(role: str, level: int) -> None:
    """Send this process's log to standard error in the house format."""
    global _role, _pid
    _role, _pid = role, os.getpid()
    handler = logging.StreamHandler()
    handler.setFormatter(Formatter())
    logging.basicConfig(level=level, handlers=[handler])  # (a no-op where logging is set up)


def worker_config(level: int, access: bool) -> dict[str, Any]:
    """Return the logging set-up of the serving workers (a ``logging.config`` dictionary, which
    granian applies in each worker): the house format on standard error, and with ``access``
    the access log's lines as they are on standard output."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "house": {"()": f"{__name__}.WorkerFormatter"},
            "generic": {"()": f"{__name__}.WorkerFormatter"},  # granian's own lines
            "access": {"format": "%(message)s"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "house"},
            "access": {"class": "logging.StreamHandler", "formatter": "access",
                       "stream": "ext://sys.stdout"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
            # A worker's own lines (started, stopping) come from granian's Rust threads, which
            # must take the GIL to log: at a SIGTERM, one did so while the signal handler held
            # it and waited for that thread, and the worker never stopped. Only with -v.
            "_granian.serve": {"handlers": ["console"], "level": level, "propagate": False},
            "granian.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "feeds.access": {"handlers": ["access"], "level": "INFO" if access else "CRITICAL",
                             "propagate": False},
        },
    }
