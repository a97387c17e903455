"""Make any attempt to reach beyond loopback fail at once and loudly.

``install()`` patches ``socket.socket.connect``/``connect_ex``,
``socket.create_connection`` and ``socket.getaddrinfo``: connecting an
AF_INET/AF_INET6 socket anywhere but 127.0.0.0/8 or ::1 raises
``NetworkBlockedError`` before any packet leaves, and so does resolving a host
name other than localhost (a DNS query is traffic too). AF_UNIX is untouched.

``NetworkBlockedError`` is deliberately *not* an OSError: HTTP clients turn
OSErrors into connection errors and retry them (fal-client up to 10 times with
back-off), which would hide the leak behind a slow, quiet failure.

``install``/``uninstall`` nest (a counter), so a test may install and uninstall
inside a session-wide guard without lifting it.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
_state_lock = threading.Lock()
_depth = 0
_originals: dict[str, Any] = {}


class NetworkBlockedError(RuntimeError):
    """A test tried to reach a non-loopback address."""


def install() -> None:
    """Start blocking non-loopback connections (nests with ``uninstall``)."""
    global _depth
    with _state_lock:
        _depth += 1
        if _depth > 1:
            return
        _originals.update(
            connect=socket.socket.connect,
            connect_ex=socket.socket.connect_ex,
            create_connection=socket.create_connection,
            getaddrinfo=socket.getaddrinfo,
            own_connect="connect" in vars(socket.socket),
            own_connect_ex="connect_ex" in vars(socket.socket),
        )
        socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
        socket.create_connection = _guarded_create_connection
        socket.getaddrinfo = _guarded_getaddrinfo


def uninstall() -> None:
    """Undo one ``install``; the patches go when the last one is undone."""
    global _depth
    with _state_lock:
        if _depth == 0:
            return
        _depth -= 1
        if _depth > 0:
            return
        for name in ("connect", "connect_ex"):
            if _originals[f"own_{name}"]:
                setattr(socket.socket, name, _originals[name])
            else:
                delattr(socket.socket, name)  # back to the inherited C method
        socket.create_connection = _originals["create_connection"]
        socket.getaddrinfo = _originals["getaddrinfo"]
        _originals.clear()


@contextmanager
def lifted() -> Iterator[None]:
    """Take every install off for the block, then put them back (for testing the guard)."""
    with _state_lock:
        depth = _depth
    for _ in range(depth):
        uninstall()
    try:
        yield
    finally:
        for _ in range(depth):
            install()


def is_installed() -> bool:
    with _state_lock:
        return _depth > 0


def is_loopback_host(host: object) -> bool:
    """True for loopback IP literals (incl. IPv4-mapped ::ffff:127.x) and localhost names."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _is_ip_literal(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        ipaddress.ip_address(str(host).strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _check(family: int, address: Any) -> None:
    if family not in (socket.AF_INET, socket.AF_INET6):
        return
    host = address[0] if isinstance(address, tuple) and address else address
    if not is_loopback_host(host):
        raise NetworkBlockedError(
            f"network guard: connection to {address!r} blocked (tests may only reach 127.0.0.1)"
        )


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(self.family, address)
    return _originals["connect"](self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(self.family, address)
    return _originals["connect_ex"](self, address)


def _guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
    _check(socket.AF_INET, address)
    return _originals["create_connection"](address, *args, **kwargs)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host not in (None, "", b"") and not is_loopback_host(host) and not _is_ip_literal(host):
        raise NetworkBlockedError(
            f"network guard: resolving {host!r} blocked (tests may only reach 127.0.0.1)"
        )
    return _originals["getaddrinfo"](host, *args, **kwargs)
