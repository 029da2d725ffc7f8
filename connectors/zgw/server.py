"""The callback endpoint for the Notificaties API, and the optional polling beside it.

``POST /callbacks`` takes a notification as the Notificaties API delivers it to a
subscription (abonnement): ``kanaal``, ``hoofdObject``, ``resource``, ``resourceUrl``,
``actie``, ``aanmaakdatum``, ``kenmerken``. The subscription's ``auth`` value comes
back in the Authorization header; when a token is configured, anything else is
refused with 401. The answer is 204 once the events are with ingest, 503 when the
Zaken API or ingest is unreachable (the Notificaties API then tries again), 400 for a
notification that can never be used, and 422 when the Zaken API or ingest refused the
work (a zaak that is gone, a mapping ingest does not accept): trying again cannot
help, and the connector's log says why. ``GET /health`` answers 200.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.sdk import IngestError
from connectors.zgw.client import Secret, ZgwError
from connectors.zgw.sync import Connector, NotificationError

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"


def _problem(status: int, title: str, detail: str) -> Response:
    return JSONResponse({"title": title, "status": status, "detail": detail},
                        status_code=status, media_type=PROBLEM)


def _authorised(request: Request, token: Secret | None) -> bool:
    if token is None:
        return True
    given = request.headers.get("authorization", "")
    return hmac.compare_digest(given.encode(), token.value.encode())


async def poll_forever(connector: Connector, interval: float) -> None:
    """Poll every ``interval`` seconds; faults that may pass are logged and retried."""
    while True:
        try:
            await connector.poll_once()
        except (ZgwError, IngestError) as error:
            if not error.retriable:
                raise
            log.warning("poll failed, trying again in %.0fs: %s", interval, error)
        await asyncio.sleep(interval)


def make_app(connector: Connector, token: Secret | None = None,
             poll_interval: float | None = None) -> Starlette:
    async def callbacks(request: Request) -> Response:
        if not _authorised(request, token):
            return _problem(401, "Unauthorized", "the Authorization header does not match the "
                                                 "subscription's auth value")
        try:
            body: Any = orjson.loads(await request.body())
            report = await connector.handle_notification(body)
        except (orjson.JSONDecodeError, NotificationError) as error:
            return _problem(400, "Unusable notification", str(error))
        except (ZgwError, IngestError) as error:
            if not error.retriable:
                log.error("notification about %s not processed: %s", body.get("hoofdObject"),
                          error)
                return _problem(422, "Refused upstream", str(error))
            log.warning("notification not processed, asking for a retry: %s", error)
            return _problem(503, "Try again later", str(error))
        return Response(status_code=204, headers={"X-Events-Sent": str(report.events)})

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(poll_forever(connector, poll_interval)) if (
            poll_interval) else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return Starlette(routes=[Route("/callbacks", callbacks, methods=["POST"]),
                             Route("/health", health, methods=["GET"])], lifespan=lifespan)
