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

from eventcodec.edit.expr import FilterError
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet
from eventcodec.web.jobs import BusyError, Job, JobManager
from eventcodec.web.middleware import ApiMethods, BodyLimit, CrossSiteCheck, HostCheck, SecurityHeaders, error
from eventcodec.web.security import Limits, check_event_count
from eventcodec.web.sessions import FullError, NotFoundError, SessionStore
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
        check_event_count(self.limits, events)
        session.reset(events)
        job.n_events = len(events)

    def close(self) -> None:
        self.jobs.close()
        self.sessions.close()


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
        return error(404, str(e))

    @app.exception_handler(TooLargeError)
    async def too_large(_: Request, e: TooLargeError) -> JSONResponse:
        return error(413, str(e))

    @app.exception_handler(BusyError)
    async def busy(_: Request, e: BusyError) -> JSONResponse:
        return error(429, str(e))

    @app.exception_handler(DroppedError)
    async def dropped(_: Request, e: DroppedError) -> JSONResponse:
        return error(400, str(e))

    @app.exception_handler(FullError)
    async def full(_: Request, e: FullError) -> JSONResponse:
        return error(503, str(e), {"Retry-After": "60"})

    @app.exception_handler(FilterError)
    async def bad_filter(_: Request, e: FilterError) -> JSONResponse:
        return error(400, str(e))

    @app.exception_handler(EventCodecError)
    async def usererror(_: Request, e: EventCodecError) -> JSONResponse:
        return error(422, str(e))

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error(422, f"{where}: {first.get('msg', 'invalid request')}" if where else "invalid request")

    app.include_router(router)
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="static")
    app.add_middleware(ApiMethods)
    app.add_middleware(BodyLimit, upload_bytes=studio.limits.max_upload_bytes)
    app.add_middleware(CrossSiteCheck)
    app.add_middleware(HostCheck, allowed_hosts=list(allowed_hosts))
    app.add_middleware(SecurityHeaders)
    return app

