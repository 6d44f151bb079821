"""The studio's FastAPI application: state, middleware, error mapping and the static front end."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet
from eventcodec.web.jobs import BusyError, Job, JobManager
from eventcodec.web.security import SECURITY_HEADERS, Limits, allowed_host_names, host_of
from eventcodec.web.sessions import NotFoundError, SessionStore
from eventcodec.web.uploads import DroppedError, TooLargeError

STATIC = Path(__file__).parent / "static"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
DEFAULT_EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "traveling_minstrels_8s.flac"


@dataclass
class Studio:
    """Everything one server holds: its limits, sessions and encode jobs."""

    limits: Limits
    encoder: str = "abs"
    example: Path | None = None
    sessions: SessionStore = field(init=False)
    jobs: JobManager = field(init=False)

    def __post_init__(self) -> None:
        self.jobs = JobManager(self.limits, self._finish)
        self.sessions = SessionStore(self.limits, on_delete=self.jobs.cancel_session)

    def _finish(self, job: Job) -> None:
        """Load a finished encode into its session (the .evc is read like any untrusted file)."""
        session = self.sessions.get(job.session_id)
        events = EventSet.from_bytes(job.out_path.read_bytes())
        meta = {k: v for k, v in events.meta.items() if k not in ("source", "path", "input")}
        events = events.replace(meta={**meta, "source": session.name})
        session.reset(events)
        job.n_events = len(events)

    def close(self) -> None:
        self.jobs.close()
        self.sessions.close()


class BodyLimit:
    """ASGI middleware refusing oversized bodies up front: raw uploads up to `upload_bytes`, others 1 MiB.

    Upload routes also count the bytes they stream (a client may send no Content-Length); other routes
    must declare their length when they send a body.
    """

    def __init__(self, app: ASGIApp, upload_bytes: int) -> None:
        self.app = app
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            headers = {k.lower(): v for k, v in scope.get("headers", [])}
            path: str = scope.get("path", "")
            is_upload = path.endswith(("/audio", "/evc"))
            limit = self.upload_bytes if is_upload else 2**20
            length = headers.get(b"content-length", b"")
            if length.isdigit() and int(length) > limit:
                await _error(413, f"request body too large: the limit is {limit // 2**20} MiB")(scope, receive, send)
                return
            if not is_upload and not length and b"chunked" in headers.get(b"transfer-encoding", b""):
                await _error(411, "send a Content-Length with this request")(scope, receive, send)
                return
        await self.app(scope, receive, send)


class HostCheck:
    """ASGI middleware refusing a Host header outside `allowed_hosts` (any port; "*" allows any): 400.

    This stops DNS-rebinding pages. It parses the header itself (`security.host_of`): starlette's
    TrustedHostMiddleware cut "[::1]:8000" at its first ':' before version 1.x, so IPv6 hosts failed.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.allow_any = "*" in allowed_hosts
        self.allowed = allowed_host_names(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self.allow_any:
            hosts = [v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"host"]
            if len(hosts) != 1 or host_of(hosts[0]) not in self.allowed:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    await _error(400, "invalid Host header")(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """ASGI middleware adding the strict CSP and friends to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in self.headers}
                message["headers"] = [h for h in message.get("headers", []) if h[0] not in names] + self.headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _error(status: int, text: str) -> JSONResponse:
    return JSONResponse({"detail": text}, status_code=status)


def create_app(limits: Limits | None = None, encoder: str = "abs", example: Path | None = DEFAULT_EXAMPLE,
               allowed_hosts: Sequence[str] = LOOPBACK_HOSTS) -> FastAPI:
    """The studio app; its state lives in `app.state.studio` and its files are removed at shutdown.

    Args:
        limits: upload/duration/session/job limits.
        encoder: name of the registered encoder to use ("abs").
        example: an audio file offered as the shipped example (None or missing: no example button).
        allowed_hosts: hosts served, any port (IPv6 with or without brackets; others get 400), which
            stops DNS-rebinding pages from talking to a studio on 127.0.0.1; "*" serves any.
    """
    from eventcodec.web.api import router

    studio = Studio(limits or Limits(), encoder, example if example and example.is_file() else None)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def sweep() -> None:
            while True:
                await asyncio.sleep(30)
                studio.sessions.sweep()

        task = asyncio.create_task(sweep())
        try:
            yield
        finally:
            task.cancel()
            studio.close()

    app = FastAPI(title="eventcodec studio", version="1", lifespan=lifespan,
                  description="Encode audio to events, see, play, edit and export them.",
                  docs_url=None, redoc_url=None)  # the docs pages load scripts from a CDN; the schema stays
    app.state.studio = studio

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, e: NotFoundError) -> JSONResponse:
        return _error(404, str(e))

    @app.exception_handler(TooLargeError)
    async def too_large(_: Request, e: TooLargeError) -> JSONResponse:
        return _error(413, str(e))

    @app.exception_handler(BusyError)
    async def busy(_: Request, e: BusyError) -> JSONResponse:
        return _error(429, str(e))

    @app.exception_handler(DroppedError)
    async def dropped(_: Request, e: DroppedError) -> JSONResponse:
        return _error(400, str(e))

    @app.exception_handler(EventCodecError)
    async def user_error(_: Request, e: EventCodecError) -> JSONResponse:
        return _error(422, str(e))

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return _error(422, f"{where}: {first.get('msg', 'invalid request')}" if where else "invalid request")

    app.include_router(router)
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="static")
    app.add_middleware(BodyLimit, upload_bytes=studio.limits.max_upload_bytes)
    app.add_middleware(HostCheck, allowed_hosts=list(allowed_hosts))
    app.add_middleware(SecurityHeaders)
    return app

