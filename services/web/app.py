"""The web service: live state over SSE and JSON, pages, and the recorder.

Routes:

* ``GET /api/status``: the current state of every scope key, as JSON.
* ``GET /api/stream``: server-sent events; a ``snapshot`` first (or the missed
  ``update`` events after ``Last-Event-ID``), then an ``update`` per change.
* ``GET /``: the dashboard page.
* ``GET /health``: whether the live feed and the recorder are working.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from schemas.settings import CommonSettings, env_int
from schemas.topics import topic_names
from services.web.hub import Hub, follow_indicators
from services.web.recorder import Recorder

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class WebSettings:
    common: CommonSettings
    client_queue: int = 256
    replay: int = 10_000
    recorder: bool = True

    @classmethod
    def from_env(cls) -> WebSettings:
        return cls(
            common=CommonSettings.from_env(),
            client_queue=env_int("WEB_CLIENT_QUEUE", 256),
            replay=env_int("WEB_REPLAY", 10_000),
            recorder=os.environ.get("SERVICENORM_WEB_RECORDER", "on") != "off",
        )


def create_app(settings: WebSettings | None = None) -> Starlette:
    settings = settings or WebSettings.from_env()
    topics = topic_names(settings.common.topic_prefix)
    hub = Hub(queue_size=settings.client_queue, replay_size=settings.replay)
    recorder = Recorder(settings.common.kafka_bootstrap, settings.common.database_url, topics)

    async def status(request: Request) -> Response:
        return JSONResponse({"epoch": hub.epoch, "sequence": hub.sequence,
                             "last_update": hub.last_update,
                             "items": list(hub.state.values())})

    async def stream(request: Request) -> Response:
        last_event_id = request.headers.get("last-event-id") or request.query_params.get(
            "last_event_id")
        return EventSourceResponse(hub.subscribe(last_event_id), ping=15,
                                   headers={"Cache-Control": "no-store"})

    async def health(request: Request) -> Response:
        ok = hub.kafka_ok and (recorder.healthy or not settings.recorder)
        return JSONResponse({"live_feed": hub.kafka_ok, "state_loaded": hub.ready.is_set(),
                             "recorder": recorder.healthy, "clients": len(hub.clients)},
                            status_code=200 if ok else 503)

    async def index(request: Request) -> Response:
        return HTMLResponse((HERE / "static" / "index.html").read_text(encoding="utf-8"))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log.info("web starting: %s, client queue %d, replay %d", settings.common.describe(),
                 settings.client_queue, settings.replay)
        tasks = [asyncio.create_task(follow_indicators(hub, settings.common.kafka_bootstrap,
                                                       topics.indicators))]
        if settings.recorder:
            tasks.append(asyncio.create_task(recorder.run()))
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        log.info("web stopped")

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/api/status", status),
            Route("/api/stream", stream),
            Route("/health", health),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.recorder = recorder
    return app


def serve(host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(create_app(), host=host, port=port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=3)
