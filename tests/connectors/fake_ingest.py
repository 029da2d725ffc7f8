"""A small, real ingest stand-in for the connector tests: Starlette under uvicorn.

It runs in a thread with its own event loop on a free port of 127.0.0.1, records
every request, and answers from a script (status, headers, body) before falling
back to 202, so that tests can play an unavailable broker or a refused batch.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

STARTUP_TIMEOUT_SECONDS = 10.0


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


@dataclass
class Posted:
    content_type: str
    events: list[dict[str, Any]]
    at: float


@dataclass
class FakeIngest:
    url: str
    script: list[Answer] = field(default_factory=list)
    posted: list[Posted] = field(default_factory=list)
    accepted: list[Posted] = field(default_factory=list)
    max_batch: int | None = None

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event of every accepted batch, in order."""
        return [event for batch in self.accepted for event in batch.events]

    def answer(self, events: list[dict[str, Any]]) -> Answer:
        if self.max_batch is not None and len(events) > self.max_batch:
            return Answer(413, body={"title": "Batch too large", "status": 413})
        return self.script.pop(0) if self.script else Answer(202, body={"accepted": len(events)})


def make_app(state: FakeIngest) -> Starlette:
    async def post_events(request: Request) -> Response:
        events = orjson.loads(await request.body())
        state.posted.append(Posted(request.headers.get("content-type", ""), events,
                                   time.monotonic()))
        answer = state.answer(events)
        if answer.status == 202:
            state.accepted.append(state.posted[-1])
        media = "application/problem+json" if answer.status >= 400 else "application/json"
        return Response(orjson.dumps(answer.body or {}), status_code=answer.status,
                        headers=answer.headers, media_type=media)

    return Starlette(routes=[Route("/events", post_events, methods=["POST"])])


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def start_server(sock: socket.socket, app: Starlette) -> tuple[uvicorn.Server, threading.Thread]:
    config = uvicorn.Config(app, lifespan="off", log_level="warning", ws="none",
                            http="h11", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test ingest did not start")
        time.sleep(0.01)
    return server, thread


def stop_server(server: uvicorn.Server, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(STARTUP_TIMEOUT_SECONDS)
