"""The network guard blocks every way out of loopback, at once, without sending a packet.

Each blocking test runs the guard on top of a tripwire standing in for the
real socket calls: if the guard ever let a non-loopback address through, the
tripwire fails the test instead of letting traffic leave the machine.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fal_client
import httpx
import openai
import pytest

from tests.fakes import network_guard
from tests.fakes.network_guard import NetworkBlockedError

OUTSIDE = ["10.255.255.1", "203.0.113.1"]


def _plainly_local(host: object) -> bool:
    # Deliberately independent of the guard's own address logic.
    text = host.decode() if isinstance(host, bytes) else str(host)
    return text in ("localhost", "::1", "") or text.startswith("127.")


class Tripwire:
    """Stand-ins for the socket functions that refuse anything non-local."""

    def __init__(self) -> None:
        self.reached: list[Any] = []
        self.real = {
            "connect": socket.socket.connect,
            "connect_ex": socket.socket.connect_ex,
            "create_connection": socket.create_connection,
            "getaddrinfo": socket.getaddrinfo,
        }

    def trip(self, target: Any) -> None:
        self.reached.append(target)
        raise AssertionError(f"the guard let {target!r} through")

    def connect(self, sock: socket.socket, address: Any) -> Any:
        if sock.family != socket.AF_UNIX and not _plainly_local(address[0]):
            self.trip(address)
        return self.real["connect"](sock, address)

    def connect_ex(self, sock: socket.socket, address: Any) -> Any:
        if sock.family != socket.AF_UNIX and not _plainly_local(address[0]):
            self.trip(address)
        return self.real["connect_ex"](sock, address)

    def create_connection(self, address: Any, *args: Any, **kwargs: Any) -> Any:
        if not _plainly_local(address[0]):
            self.trip(address)
        return self.real["create_connection"](address, *args, **kwargs)

    def getaddrinfo(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _plainly_local(host) and host not in OUTSIDE:
            self.trip(host)
        return self.real["getaddrinfo"](host, *args, **kwargs)


@pytest.fixture
def tripwire(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tripwire]:
    with network_guard.lifted():
        wire = Tripwire()  # inside lifted(): it must capture the real functions
        monkeypatch.setattr(socket.socket, "connect", lambda s, a: wire.connect(s, a))
        monkeypatch.setattr(socket.socket, "connect_ex", lambda s, a: wire.connect_ex(s, a))
        monkeypatch.setattr(socket, "create_connection", wire.create_connection)
        monkeypatch.setattr(socket, "getaddrinfo", wire.getaddrinfo)
        network_guard.install()
        try:
            yield wire
        finally:
            network_guard.uninstall()
            monkeypatch.undo()
    assert wire.reached == []


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    yield server
    server.close()


@pytest.mark.parametrize("host", OUTSIDE)
def test_create_connection_outside_loopback_is_blocked(tripwire: Tripwire, host: str) -> None:
    with pytest.raises(NetworkBlockedError, match=host):
        socket.create_connection((host, 80), timeout=30)


@pytest.mark.parametrize("host", OUTSIDE)
def test_raw_connect_and_connect_ex_outside_loopback_are_blocked(
    tripwire: Tripwire, host: str
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(NetworkBlockedError):
            sock.connect((host, 443))
        with pytest.raises(NetworkBlockedError):
            sock.connect_ex((host, 443))


def test_ipv6_outside_loopback_is_blocked(tripwire: Tripwire) -> None:
    with (
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock,
        pytest.raises(NetworkBlockedError),
    ):
        sock.connect(("2001:db8::1", 443, 0, 0))


def test_resolving_a_public_host_name_is_blocked(tripwire: Tripwire) -> None:
    with pytest.raises(NetworkBlockedError, match=r"queue\.fal\.run"):
        socket.getaddrinfo("queue.fal.run", 443)
    assert socket.getaddrinfo("localhost", 80)


def test_loopback_connections_still_work(tripwire: Tripwire, listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        assert sock.getpeername() == ("127.0.0.1", port)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        assert sock.connect_ex(("127.0.0.1", port)) == 0
    with socket.create_connection(("localhost", port), timeout=5):
        pass
    # Nothing listens on 127.0.0.2: the kernel refuses, the guard does not interfere.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", port), timeout=5)


def test_ipv6_loopback_still_works(tripwire: Tripwire) -> None:
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as server:
        server.bind(("::1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(("::1", port, 0, 0))
            assert sock.getpeername()[0] == "::1"


def test_unix_sockets_are_untouched(tripwire: Tripwire, tmp_path: Path) -> None:
    path = str(tmp_path / "s.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            assert sock.getpeername() == path


def test_http_clients_fail_at_once_instead_of_retrying(tripwire: Tripwire) -> None:
    with pytest.raises(NetworkBlockedError):
        httpx.get("http://10.255.255.1/", timeout=30)
    with pytest.raises(NetworkBlockedError):
        fal_client.SyncClient(key="k").submit("fal-ai/wan-i2v", {"prompt": "p"})


def test_openai_sdk_lets_the_block_through_unwrapped(tripwire: Tripwire) -> None:
    client = openai.OpenAI(api_key="sk-x", base_url="https://api.openai.com/v1", max_retries=2)
    with pytest.raises(NetworkBlockedError, match=r"api\.openai\.com"):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])


def test_loopback_rules_cover_mapped_and_named_forms() -> None:
    for host in ("127.0.0.1", "127.9.9.9", "::1", "[::1]", "::ffff:127.0.0.1", "localhost"):
        assert network_guard.is_loopback_host(host), host
    for host in ("10.255.255.1", "203.0.113.1", "::ffff:10.0.0.1", "0.0.0.0", "fal.run", None):
        assert not network_guard.is_loopback_host(host), host


def test_install_nests_so_an_inner_uninstall_keeps_the_guard() -> None:
    with network_guard.lifted():
        network_guard.install()
        network_guard.install()
        network_guard.uninstall()
        assert network_guard.is_installed()
        with pytest.raises(NetworkBlockedError):
            socket.getaddrinfo("example.com", 80)
        network_guard.uninstall()
        assert not network_guard.is_installed()


def test_uninstall_puts_the_socket_module_back_as_it_was() -> None:
    with network_guard.lifted():
        before = (socket.create_connection, socket.getaddrinfo, dict(vars(socket.socket)))
        network_guard.install()
        assert socket.create_connection is not before[0]
        network_guard.uninstall()
        after = (socket.create_connection, socket.getaddrinfo, dict(vars(socket.socket)))
    assert after == before
