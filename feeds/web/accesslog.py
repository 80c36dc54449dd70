"""One line per request in the Combined Log Format, when ``feeds serve --access-log`` asks.

The format Apache and nginx write by default (``combined``), so every log tool reads
it: ``host - - [time] "request line" status bytes "referer" "user agent"``. The
line is written once the body has been sent, with the bytes actually sent, to the
logger ``feeds.access`` (the server sends it to standard output). A ``token`` in the
query (``/stats/?token=``) is written as ``[hidden]``: logs are kept, copied and read by
more people than the secret is meant for. Off by default:
the fast path answers a poll in microseconds, and a log line costs about as much.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

log = logging.getLogger("feeds.access")

ACCESS_VARIABLE = "FEEDS_ACCESS_LOG"  # set by feeds serve --access-log for its workers
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
SECRET = re.compile(r"([?&;]token=)[^&;#]*", re.IGNORECASE)  # /stats/?token=...


def _quoted(text: str) -> str:
    r"""Escape a field as nginx does: quotes, backslashes and control bytes as ``\xHH``, so a
    request cannot forge a line or a field."""
    return "".join(c if " " <= c < "\x7f" and c not in '"\\' else f"\\x{ord(c) & 0xff:02X}"
                   for c in text)


def _request_line(environ: dict[str, Any]) -> str:
    path = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not path:
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        path = path.encode("latin-1", "replace").decode("utf-8", "replace")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
    path = SECRET.sub(r"\1[hidden]", path)
    return f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"


def log_line(environ: dict[str, Any], status: str, sent: int, when: float) -> str:
    """Return the Combined Log Format line of one request."""
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(when))
    referer = environ.get("HTTP_REFERER", "-") or "-"
    agent = environ.get("HTTP_USER_AGENT", "-") or "-"
    return (f'{environ.get("REMOTE_ADDR", "-")} - - [{stamp}] "{_quoted(_request_line(environ))}"'
            f' {status.partition(" ")[0] or "-"} {sent or "-"} "{_quoted(referer)}"'
            f' "{_quoted(agent)}"')


class AccessLog:
    """WSGI middleware: log each request once its answer has been sent."""

    def __init__(self, app: WsgiApp):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        when = time.time()
        answer = {"status": "500"}

        def recording(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            answer["status"] = status
            return start_response(status, headers, *rest)

        body = self.app(environ, recording)
        if isinstance(body, list):  # (the fast path's answers: sent whole, as they are)
            log.info("%s", log_line(environ, answer["status"], sum(map(len, body)), when))
            return body
        return _Counted(body, lambda sent: log.info(
            "%s", log_line(environ, answer["status"], sent, when)))


class _Counted:
    """A response body that counts what it sends and reports the count when closed."""

    def __init__(self, body: Iterable[bytes], done: Callable[[int], None]):
        self.body = body
        self.done = done
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.body:
            self.sent += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.done(self.sent)
