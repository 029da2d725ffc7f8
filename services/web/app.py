"""The web service: pages, the JSON API and live updates over SSE, and the recorder.

Routes (see ``staff.py``, ``cases.py``, ``public.py`` and ``admin.py`` for each):

* supervisors (viewer+): ``/``, ``/dashboard/<screen>``; internal API ``/api/status``,
  ``/api/stream``, ``/api/norms``, ``/api/history``, ``/api/open``,
  ``/api/cases`` (case deadlines) (session or Basic);
* hall displays (no login): ``/display/<screen>``, ``/api/display/status``,
  ``/api/display/stream`` (norms with ``display: true`` only);
* citizens (no login): ``/publiek``, ``/publiek/resultaten.csv|json``,
  ``/publiek/widget/<norm>``, ``/toegankelijkheid``, ``/api/public/status``,
  ``/api/public/stream``, ``/api/public/norms/<norm>`` (norms with ``public: true`` only);
* organisation: ``/login``, ``/logout``, ``/admin`` (editor+: screens, YAML
  export and import), ``/admin/accounts`` (admin);
* ``/health``: whether the live feed and the recorder are working.

Departures from the obvious:

1. Errors are answered in the form the client asked for: ``application/problem+json``
   under ``/api/`` and for downloads, a page elsewhere. A wrong parameter is a 400
   naming it; a database that is away is a 503 with ``Retry-After``. Nothing a
   client sends should give a 500.
2. Security headers are set by a small ASGI middleware, not ``BaseHTTPMiddleware``,
   which would buffer the event streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schemas.topics import topic_names
from services.web import admin, cases, public, staff
from services.web.context import (
    DB_ERRORS,
    BadParameter,
    Unavailable,
    Web,
    WebSettings,
    problem,
)
from services.web.hub import Hub, follow_indicators
from services.web.i18n import LanguageMiddleware
from services.web.recorder import Recorder

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
DEFINITIONS_REFRESH_SECONDS = 10.0
SESSION_COOKIE = "servicenorm_session"
SESSION_MAX_AGE = 12 * 3600
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")

# Re-exported for callers that built the settings themselves.
__all__ = ["WebSettings", "create_app", "serve"]


class SecurityHeaders:
    """Default security headers on every response that did not set its own (2)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in ((b"content-security-policy", CSP.encode()),
                                    (b"x-content-type-options", b"nosniff"),
                                    (b"referrer-policy", b"same-origin")):
                    if name not in present:
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.endswith((".csv", ".json", ".yaml"))


async def _bad_parameter(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadParameter)
    if _wants_json(request):
        return problem(400, str(exc))
    web: Web = request.app.state.web
    return web.page(request, "error.html", {"status": 400, "detail": str(exc)}, status=400)


async def _unavailable(request: Request, exc: Exception) -> Response:
    web: Web = request.app.state.web
    if isinstance(exc, DB_ERRORS):
        log.warning("database error on %s: %s", request.url.path, type(exc).__name__)
        await web.forget_pool()
    headers = {"Retry-After": "10"}
    if _wants_json(request):
        return problem(503, "the database cannot be reached now; try again shortly",
                       headers=headers)
    return web.page(request, "error.html", {"status": 503, "message_key": "error.unavailable"},
                    status=503, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _wants_json(request) or exc.status_code not in (404, 405):
        return problem(exc.status_code, str(exc.detail), headers=exc.headers)
    web: Web = request.app.state.web
    return web.page(request, "error.html", {"status": exc.status_code,
                                            "message_key": "error.not_found"},
                    status=exc.status_code)


async def _keep_definitions(web: Web) -> None:
    """Refresh definitions in the background and keep the public hub in step with them."""
    while True:
        before = {n: (d.version, d.public) for n, d in web.definitions.norms.items()}
        with contextlib.suppress(Unavailable, *DB_ERRORS):
            await web.definitions.refresh(await web.db(), force=True)
        after = {n: (d.version, d.public) for n, d in web.definitions.norms.items()}
        if after != before:
            public.sync_public(web)
        await asyncio.sleep(DEFINITIONS_REFRESH_SECONDS)


def create_app(settings: WebSettings | None = None) -> Starlette:
    settings = settings or WebSettings.from_env()
    topics = topic_names(settings.common.topic_prefix)
    hub = Hub(queue_size=settings.client_queue, replay_size=settings.replay)
    public_hub = Hub(queue_size=settings.client_queue, replay_size=settings.replay,
                     upstream=hub)
    web = Web(settings, hub, public_hub)
    public.feed_public(web)
    recorder = Recorder(settings.common.kafka_bootstrap, settings.common.database_url, topics)

    async def health(request: Request) -> Response:
        ok = hub.kafka_ok and (recorder.healthy or not settings.recorder)
        return JSONResponse({"live_feed": hub.kafka_ok, "state_loaded": hub.ready.is_set(),
                             "recorder": recorder.healthy, "clients": len(hub.clients),
                             "public_clients": len(public_hub.clients)},
                            status_code=200 if ok else 503)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log.info("web starting: %s, client queue %d, replay %d", settings.common.describe(),
                 settings.client_queue, settings.replay)
        # 1. Definitions first, so the public hub filters from the first change on.
        with contextlib.suppress(Unavailable, *DB_ERRORS):
            await web.definitions.refresh(await web.db(), force=True)
        # 2. The live feed, the definitions refresher and (optionally) the recorder.
        tasks = [asyncio.create_task(follow_indicators(hub, settings.common.kafka_bootstrap,
                                                       topics.indicators)),
                 asyncio.create_task(_keep_definitions(web))]
        if settings.recorder:
            tasks.append(asyncio.create_task(recorder.run()))
        yield
        # 3. Stop the tasks, then close the pool.
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if web.pool is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(web.pool.close(), 5)
        log.info("web stopped")

    app = Starlette(
        routes=[
            *staff.routes, *cases.routes, *public.routes, *admin.routes,
            Route("/health", health),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(LanguageMiddleware),
            Middleware(SessionMiddleware, secret_key=str(settings.secret_key),
                       session_cookie=SESSION_COOKIE, max_age=SESSION_MAX_AGE,
                       same_site="lax", https_only=settings.secure_cookie),
        ],
        exception_handlers={
            BadParameter: _bad_parameter,
            Unavailable: _unavailable,
            **{error: _unavailable for error in DB_ERRORS},
            HTTPException: _http_error,
        },
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.web = web
    app.state.recorder = recorder
    return app


def serve(host: str, port: int) -> None:
    import uvicorn

    # httptools and uvloop, not uvicorn's pure-Python fallbacks: with thousands of SSE
    # clients, h11's per-write state machine took nearly half of the process.
    uvicorn.run(create_app(), host=host, port=port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=3, http="httptools", loop="uvloop")
