"""What every request passes before a route sees it: the Host check, the token, the size cap.

- Host: a page on another site can make a browser talk to 127.0.0.1 by pointing
  its own name at it (DNS rebinding); such a request still carries that name in
  its Host header, so only the bound host and the loopback names are served.
  A server bound to every interface relies on its token instead.
- Token: with one set, every path but ``/`` and ``/health`` needs
  ``Authorization: Bearer TOKEN``, compared in constant time.
- Size: request bodies (uploads) are cut off past the cap, before they are spooled.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OPEN_PATHS = frozenset({"/", "/health"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})


class UploadTooLarge(HTTPException):
    """A request body went past the cap (an HTTPException so body parsing passes it on)."""

    def __init__(self, cap: int) -> None:
        super().__init__(413, f"the upload is larger than {cap // (1024 * 1024)} MB")


@dataclass(frozen=True)
class GuardRules:
    bound_host: str
    token: str | None
    max_body_bytes: int

    def host_allowed(self, host_header: str) -> bool:
        if self.bound_host in WILDCARD_HOSTS:
            return True
        name = _host_name(host_header)
        return name in LOOPBACK_NAMES or name == self.bound_host.strip("[]").lower()

    def token_accepted(self, authorization: str) -> bool:
        if self.token is None:
            return True
        scheme, _, given = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), self.token.encode()
        )


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


class Guard:
    """Pure ASGI middleware (no response buffering, so downloads and events still stream)."""

    def __init__(self, app: ASGIApp, rules: GuardRules) -> None:
        self.app, self.rules = app, rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, self._capped(receive), send)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> JSONResponse | None:
        if not self.rules.host_allowed(headers.get("host", "")):
            return _error(400, "this server answers only to its own address (Host header refused)")
        if scope["path"] not in OPEN_PATHS and not self.rules.token_accepted(
            headers.get("authorization", "")
        ):
            response = _error(401, "missing or wrong token: send Authorization: Bearer TOKEN")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.rules.max_body_bytes:
            return _error(413, UploadTooLarge(self.rules.max_body_bytes).detail)
        return None

    def _capped(self, receive: Receive) -> Receive:
        cap, seen = self.rules.max_body_bytes, 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise UploadTooLarge(cap)
            return message

        return counted


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail, "status_code": status}, status_code=status)
