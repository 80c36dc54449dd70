"""Where an import may connect: never inside this machine or its network, unless allowed.

A feed, an export or a redirect is written by a stranger, and each names addresses
the import then fetches (archive pages, images, enclosures). Pointed at
``http://169.254.169.254/latest/meta-data/`` or at a service on loopback, an import
would read what only this machine may read and publish it as an episode file.

So every connection, at every hop, is decided on the address the host name
resolves to *before* connecting: loopback, private, link-local (where cloud
metadata services answer), shared (carrier NAT, some metadata services), multicast
and reserved addresses are refused unless the user allows them
(``--allow-private``, for tests and intranets). The connection is then made to that
very address, not to the name again, so a DNS answer that changes between the
check and the connection (DNS rebinding) cannot move it. Proxies from the
environment are not used: a proxy would resolve the name itself.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.request
from collections.abc import Callable
from typing import Any

from ..errors import FeedsError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(FeedsError):
    """A host resolves to an address an import may not reach."""


def refusal(address: Address) -> str | None:
    """Say why ``address`` is not on the public internet, or None when it is."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return refusal(embedded)
    if any(address in network for network in _INSIDE):
        return "an address of the network's own services (cloud metadata answers there)"
    if address.is_loopback:
        return "a loopback address (this machine)"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services answer)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private network address"
    if not address.is_global:
        return "an address that is not on the public internet"
    return None


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Ranges no public site lives in that Python's ``is_global`` may count as global:
# IETF protocol assignments (Oracle Cloud's metadata is 192.0.0.192) and carrier NAT.
_INSIDE = (ipaddress.IPv4Network("192.0.0.0/24"), ipaddress.IPv4Network("100.64.0.0/10"))


def resolve(host: str, port: int) -> list[str]:
    """Return the addresses ``host`` resolves to (the one place names are resolved)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def checked_address(host: str, port: int, allow_private: bool) -> str:
    """Resolve ``host`` and return the address to connect to; raise ``AddressRefused`` when
    any address it resolves to is refused (a name that also points inside is not trusted)."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise OSError(f"cannot resolve {host} ({exc})") from None
    if not addresses:
        raise OSError(f"{host} resolves to no address")
    if not allow_private:
        for text in addresses:
            why = refusal(ipaddress.ip_address(text.partition("%")[0]))
            if why is not None:
                raise AddressRefused(
                    f"{host} is {text}, {why}: refused, so that nothing a source names can "
                    "reach inside this machine or its network (add --allow-private if you "
                    "mean it: a test, an intranet).")
    return addresses[0]


def _pinned(allow_private: bool) -> Callable[..., socket.socket]:
    def connect(address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
                source_address: Any = None) -> socket.socket:
        host, port = address
        return socket.create_connection((checked_address(host, port, allow_private), port),
                                        timeout, source_address)
    return connect


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._create_connection = _pinned(allow_private)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked address, with the certificate checked against the host name."""

    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._create_connection = _pinned(allow_private)


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool):
        super().__init__()
        self.allow_private = allow_private

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PinnedHTTP, req, allow_private=self.allow_private)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool):
        super().__init__(context=ssl.create_default_context())
        self.allow_private = allow_private

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PinnedHTTPS, req, allow_private=self.allow_private,
                            context=self._context)  # type: ignore[attr-defined]


def guarded_handlers(allow_private: bool) -> list[urllib.request.BaseHandler]:
    """The handlers of an opener whose every connection is checked and pinned."""
    return [urllib.request.ProxyHandler({}), _HTTPHandler(allow_private),
            _HTTPSHandler(allow_private)]
