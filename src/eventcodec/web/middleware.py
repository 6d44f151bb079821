"""The studio's ASGI middleware: security headers on every answer, Host and cross-site checks, body limits,
and 404/405 answers for /api paths that agree with the OpenAPI schema.

Each refuses a request with a one-line JSON `{"detail": ...}` before any route runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eventcodec.web.security import SECURITY_HEADERS, allowed_host_names, host_of

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def error(status: int, text: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape of the studio: `{"detail": text}`."""
    return JSONResponse({"detail": text}, status_code=status, headers=headers)


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == name]
    return values[0] if len(values) == 1 else None


class SecurityHeaders:
    """Adds the strict CSP and friends to every HTTP response, an unexpected exception's 500 included.

    It runs inside starlette's ServerErrorMiddleware, whose own 500 page would carry none of them, so it
    answers a route's exception itself (when nothing was sent yet) and re-raises it for the log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k for k, _ in self.headers}
                message["headers"] = [h for h in message.get("headers", []) if h[0] not in names] + self.headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if started:
                raise
            await error(500, "internal error: the studio failed on this request (see the server log)")(
                scope, receive, send_with_headers)
            raise


class HostCheck:
    """Refuses a Host header outside `allowed_hosts` (any port; "*" allows any): 400.

    This stops DNS-rebinding pages. It parses the header itself (`security.host_of`): starlette's
    TrustedHostMiddleware cut "[::1]:8000" at its first ':' before version 1.x, so IPv6 hosts failed.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.allow_any = "*" in allowed_hosts
        self.allowed = allowed_host_names(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self.allow_any:
            host = _header(scope, b"host")
            if host is None or host_of(host) not in self.allowed:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    await error(400, "invalid Host header")(scope, receive, send)
                return
        await self.app(scope, receive, send)


def is_cross_site(method: str, host: str | None, origin: str | None, fetch_site: str | None) -> bool:
    """True for a state-changing request that another site's page made (to be refused).

    Args:
        method: HTTP method; GET, HEAD and OPTIONS change nothing and always pass.
        host: the Host header.
        origin: the Origin header, if the client sent one ("null" from sandboxed or file pages).
        fetch_site: the Sec-Fetch-Site header, if sent: only "same-origin" and "none" (typed by the user)
            pass; "same-site" is refused too, since another port on localhost is another program.
    """
    if method.upper() in SAFE_METHODS:
        return False
    if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
        return True
    if origin is None:
        return False  # not a browser, or an old one: the Host check still applies
    parts = urlsplit(origin.strip().lower())
    netloc = parts.netloc.removesuffix(":80") if parts.scheme == "http" else parts.netloc.removesuffix(":443")
    own = (host or "").strip().lower()
    own = own.removesuffix(":80") if parts.scheme == "http" else own.removesuffix(":443")
    return parts.scheme not in ("http", "https") or not netloc or netloc != own


class CrossSiteCheck:
    """Refuses state-changing requests from another site's page (`is_cross_site`): 403.

    A page elsewhere may POST to 127.0.0.1 without reading the answer; this stops it creating, filling,
    editing or closing sessions.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_cross_site(scope["method"], _header(scope, b"host"),
                                                     _header(scope, b"origin"), _header(scope, b"sec-fetch-site")):
            await error(403, "cross-site request refused: use the studio's own page")(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuses oversized bodies up front: raw uploads up to `upload_bytes`, others 1 MiB.

    Upload routes also count the bytes they stream (a client may send no Content-Length); other routes
    must declare their length when they send a body.
    """

    def __init__(self, app: ASGIApp, upload_bytes: int) -> None:
        self.app = app
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            path: str = scope.get("path", "")
            is_upload = path.endswith(("/audio", "/evc"))
            limit = self.upload_bytes if is_upload else 2**20
            length = _header(scope, b"content-length") or ""
            if length.isdigit() and int(length) > limit:
                await error(413, f"request body too large: the limit is {limit // 2**20} MiB")(scope, receive, send)
                return
            if not is_upload and not length and "chunked" in (_header(scope, b"transfer-encoding") or ""):
                await error(411, "send a Content-Length with this request")(scope, receive, send)
                return
        await self.app(scope, receive, send)


class ApiMethods:
    """Lets through only /api requests whose path and method the OpenAPI schema lists; others get 405 with an
    `Allow` of the schema's methods for that path (no HEAD, no OPTIONS), or 404. Without it they would reach
    the static files' mount at "/", which answers "Allow: GET, HEAD" for any path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.paths: list[tuple[re.Pattern[str], frozenset[str]]] | None = None  # built on the first request

    def _allowed(self, scope: Scope, path: str) -> frozenset[str] | None:
        if self.paths is None:
            spec = scope["app"].openapi()["paths"]
            self.paths = [(re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(p)) + "$"),
                           frozenset(m.upper() for m in ops)) for p, ops in spec.items()]
        found = [methods for pattern, methods in self.paths if pattern.match(path)]
        return frozenset().union(*found) if found else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        allowed = self._allowed(scope, path)
        if allowed is None:
            await error(404, "no such API path")(scope, receive, send)
        elif scope["method"] not in allowed:
            methods = ", ".join(sorted(allowed))
            await error(405, f"method not allowed here: use {methods}", {"Allow": methods})(scope, receive, send)
        else:
            await self.app(scope, receive, send)
