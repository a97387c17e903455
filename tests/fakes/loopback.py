"""A small HTTP/1.1 server on 127.0.0.1 that fakes of remote services build on.

Each fake names its routes, answers them in ``handle`` and gets, for free:
request recording (visible to the test before the client sees the answer),
scripted faults per route (status codes, connection resets, lost answers,
truncated bodies, delays) and per-route latency. Stdlib only, so the fakes
add no dependency to the project.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_HOP_HEADERS = frozenset({"authorization"})


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour for the next request to a route.

    ``status`` answers with that code (``body``/``text`` or the service's
    default error body); ``reset`` closes the socket without an answer;
    ``lose_response`` handles the request normally (side effects happen) but
    resets instead of answering; ``truncate`` sends the headers and half the
    body, then hangs up; ``delay`` sleeps first. Flags combine with ``delay``.
    """

    status: int | None = None
    body: Any = None
    text: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    reset: bool = False
    lose_response: bool = False
    truncate: bool = False
    delay: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    route: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Lower-cased names; the Authorization header is left out."""
    json: Any
    body_size: int
    status: int
    """Status answered; 0 when the connection was closed without an answer."""


class Exchange:
    """One request and the means to answer it, wrapped around the stdlib handler."""

    def __init__(self, handler: _Handler, body: bytes) -> None:
        self._handler = handler
        parts = urlsplit(handler.path)
        self.method = handler.command
        self.path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        self.body = body
        self.status = 0
        self.truncate = False
        self.lose_response = False
        self.chunk_size = 0
        self.chunk_delay = 0.0
        self.on_status: Callable[[int], None] | None = None

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode("utf-8")
        self.send_bytes(status, data, "application/json", headers)

    def send_text(self, status: int, text: str, content_type: str = "text/html") -> None:
        self.send_bytes(status, text.encode("utf-8"), content_type)

    def send_bytes(
        self,
        status: int,
        data: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._mark(status)
        if self.lose_response:
            self.reset()
            return
        h = self._handler
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        if self.method == "HEAD":
            return
        self._write_body(data)

    def _write_body(self, data: bytes) -> None:
        if self.truncate:
            self._handler.wfile.write(data[: len(data) // 2])
            self._handler.wfile.flush()
            self._hang_up()
            return
        step = self.chunk_size or len(data) or 1
        for start in range(0, len(data), step):
            self._handler.wfile.write(data[start : start + step])
            self._handler.wfile.flush()
            if self.chunk_delay and start + step < len(data):
                time.sleep(self.chunk_delay)

    def reset(self) -> None:
        """Close the connection at once with a TCP RST, answering nothing."""
        if self.status == 0:
            self._mark(0)
        conn = self._handler.connection
        try:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        except OSError:
            pass
        self._handler.close_connection = True

    def _hang_up(self) -> None:
        """Close cleanly (FIN, not RST) so the client sees a short body, not a reset."""
        with contextlib.suppress(OSError):
            self._handler.connection.shutdown(socket.SHUT_RDWR)
        self._handler.close_connection = True

    def _mark(self, status: int) -> None:
        self.status = status
        if self.on_status is not None:
            self.on_status(status)


class LoopbackService:
    """Base of the fakes: a ThreadingHTTPServer on 127.0.0.1:<free port> in a thread.

    Subclasses set ``routes`` and implement ``route_of``, ``authorized``,
    ``handle``, ``deny`` and ``fault_body``. Use as a context manager or call
    ``close()``.
    """

    routes: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._records: list[RecordedRequest] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._latency: dict[str, float] = {}
        self._connections: set[socket.socket] = set()
        handler = type("BoundHandler", (_Handler,), {"service": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval keeps close() (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        # Hang up kept-alive connections too, so no handler thread outlives the fake.
        with self._lock:
            open_connections = list(self._connections)
        for conn in open_connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- scripting -----------------------------------------------------------------
    def script(self, route: str, *faults: Fault, times: int = 1) -> None:
        """Queue ``faults`` (each repeated ``times``) for the next requests to ``route``."""
        self._check_route(route)
        with self._lock:
            for fault in faults:
                self._faults[route].extend([fault] * times)

    def set_latency(self, route: str, seconds: float) -> None:
        """Delay every request to ``route`` by ``seconds`` (0 removes it)."""
        self._check_route(route)
        with self._lock:
            self._latency[route] = seconds

    def pending_faults(self, route: str) -> int:
        with self._lock:
            return len(self._faults[route])

    # -- recording -----------------------------------------------------------------
    def requests(self, route: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self._records if route is None or r.route == route]

    def count(self, route: str, status: int | None = None) -> int:
        return sum(1 for r in self.requests(route) if status is None or r.status == status)

    @property
    def counts(self) -> dict[str, int]:
        with self._lock:
            result = dict.fromkeys(sorted(self.routes), 0)
            for record in self._records:
                result[record.route] = result.get(record.route, 0) + 1
            return result

    # -- hooks for subclasses ------------------------------------------------------
    def route_of(self, ex: Exchange) -> str | None:
        raise NotImplementedError

    def authorized(self, route: str, ex: Exchange) -> bool:
        raise NotImplementedError

    def handle(self, route: str, ex: Exchange) -> None:
        raise NotImplementedError

    def deny(self, route: str, ex: Exchange) -> None:
        raise NotImplementedError

    def fault_body(self, route: str, fault: Fault) -> Any:
        raise NotImplementedError

    def not_found(self, ex: Exchange) -> None:
        ex.send_json(404, {"detail": "Not Found"})

    # -- dispatch ------------------------------------------------------------------
    def _check_route(self, route: str) -> None:
        if route not in self.routes:
            raise ValueError(f"unknown route {route!r}; known: {sorted(self.routes)}")

    def dispatch(self, ex: Exchange) -> None:
        route = self.route_of(ex)
        index = self._record(route or "unknown", ex)
        ex.on_status = lambda status: self._set_status(index, status)
        if route is None:
            self.not_found(ex)
            return
        with self._lock:
            fault = self._faults[route].popleft() if self._faults[route] else None
            latency = self._latency.get(route, 0.0)
        delay = latency + (fault.delay if fault else 0.0)
        if delay:
            time.sleep(delay)
        if fault is not None and self._apply(route, fault, ex):
            return
        if not self.authorized(route, ex):
            self.deny(route, ex)
            return
        self.handle(route, ex)

    def _apply(self, route: str, fault: Fault, ex: Exchange) -> bool:
        """Carry out ``fault``; True when it answered (or dropped) the request itself."""
        ex.truncate = fault.truncate
        ex.lose_response = fault.lose_response
        if fault.reset:
            ex.reset()
            return True
        if fault.status is None:
            return False
        headers = dict(fault.headers)
        if fault.text is not None:
            ex.send_bytes(fault.status, fault.text.encode("utf-8"), "text/html", headers)
        else:
            body = fault.body if fault.body is not None else self.fault_body(route, fault)
            ex.send_json(fault.status, body, headers)
        return True

    def _record(self, route: str, ex: Exchange) -> int:
        try:
            parsed = ex.json()
        except ValueError:
            parsed = None
        record = RecordedRequest(
            route=route,
            method=ex.method,
            path=ex.path,
            query=dict(ex.query),
            headers={k: v for k, v in ex.headers.items() if k not in _HOP_HEADERS},
            json=parsed,
            body_size=len(ex.body),
            status=0,
        )
        with self._lock:
            self._records.append(record)
            return len(self._records) - 1

    def _set_status(self, index: int, status: int) -> None:
        with self._lock:
            self._records[index] = replace(self._records[index], status=status)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    service: LoopbackService

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; requests are recorded instead

    def _serve(self) -> None:
        body = self._read_body()
        ex = Exchange(self, body)
        try:
            self.service.dispatch(ex)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # a bug in a fake must not hang the client
            if ex.status == 0:
                ex.send_json(500, {"detail": f"fake server error: {exc!r}"})
            raise

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def setup(self) -> None:
        super().setup()
        with self.service._lock:
            self.service._connections.add(self.connection)

    def finish(self) -> None:
        with self.service._lock:
            self.service._connections.discard(self.connection)
        with contextlib.suppress(OSError, ValueError):  # the socket was reset on purpose
            super().finish()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve
