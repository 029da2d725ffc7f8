"""The HTTP front door: ``POST /events`` in the CloudEvents HTTP binding, structured mode.

A request is accepted (202) only after Kafka acknowledged every event in it,
written by an idempotent producer with ``acks=all``. Until then nothing is
promised, so a client that gets anything but 202 may safely send again.

Departures from the obvious, numbered so the code can point back:

1. A batch is all or nothing at validation: one bad event refuses the whole
   request, with every problem listed, and nothing of it is written. Partial
   acceptance would make clients track which events to resend.
2. The body is read in chunks and refused as soon as it passes the limit,
   rather than read whole and then measured, so a huge body costs no memory.
3. Events are keyed by ``subject`` (the item id), so that every event of one
   ticket, call or case lands on one partition, in order, for the evaluator.
4. The producer starts in the background: ingest answers 503 until the broker
   is reachable, instead of refusing to start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from schemas.contract import STATUS_CHANGED, ContractError, Problem, validate
from schemas.settings import CommonSettings, env_int
from schemas.topics import topic_names

log = logging.getLogger(__name__)

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
PROBLEM = "application/problem+json"
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True, slots=True)
class IngestSettings:
    common: CommonSettings
    max_body_bytes: int = 1024 * 1024
    max_batch: int = 1000
    send_timeout_seconds: int = 15

    @classmethod
    def from_env(cls) -> IngestSettings:
        return cls(
            common=CommonSettings.from_env(),
            max_body_bytes=env_int("INGEST_MAX_BODY_BYTES", 1024 * 1024),
            max_batch=env_int("INGEST_MAX_BATCH", 1000),
            send_timeout_seconds=env_int("INGEST_SEND_TIMEOUT_SECONDS", 15),
        )


class RequestProblem(Exception):
    """A client mistake, answered with a problem document."""

    def __init__(self, status: int, title: str, detail: str,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors


def problem(status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM, headers=headers)


class BrokerUnavailable(Exception):
    """Kafka did not acknowledge in time; the client should retry later."""


class Publisher:
    """Owns the Kafka producer; starts it in the background and reports readiness."""

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self.topic = topic_names(settings.common.topic_prefix).events
        self.producer: AIOKafkaProducer | None = None
        self._starter: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._starter = asyncio.create_task(self._connect())

    async def _connect(self) -> None:
        delay = 0.5
        while True:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.settings.common.kafka_bootstrap,
                enable_idempotence=True,  # implies acks=all and ordered retries
                acks="all",
                linger_ms=2,
                max_batch_size=256 * 1024,
                request_timeout_ms=self.settings.send_timeout_seconds * 1000,
            )
            try:
                await producer.start()
            except KafkaError as exc:
                log.warning("Kafka at %s not reachable (%s); retrying in %.1fs",
                            self.settings.common.kafka_bootstrap, exc, delay)
                with contextlib.suppress(Exception):
                    await producer.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            self.producer = producer
            log.info("producer connected to %s, writing to %s",
                     self.settings.common.kafka_bootstrap, self.topic)
            return

    async def stop(self) -> None:
        if self._starter is not None:
            self._starter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starter
        if self.producer is not None:
            await self.producer.stop()

    async def publish(self, events: list[dict[str, Any]]) -> None:
        """Write every event and return only when the broker acknowledged all of them."""
        if self.producer is None:
            raise BrokerUnavailable("not connected to Kafka yet")
        try:
            # The timeout covers both steps: with the broker gone, send() itself may wait.
            # An event still in flight when we give up may yet be written; the client
            # resends it after the 503 and the evaluator counts it once (by source and id).
            async with asyncio.timeout(self.settings.send_timeout_seconds):
                # 1. Hand every event to the producer's buffer (3: keyed by subject).
                futures = [
                    await self.producer.send(self.topic, orjson.dumps(event),
                                             key=event["subject"].encode())
                    for event in events
                ]
                # 2. Wait for the broker's acknowledgement of each one.
                await asyncio.gather(*futures)
        except (KafkaError, TimeoutError) as exc:
            raise BrokerUnavailable(str(exc) or type(exc).__name__) from exc


async def read_body(request: Request, limit: int) -> bytes:
    """Read at most ``limit`` bytes of body (2: refuse early, without buffering it all)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestProblem(413, "Body too large",
                             f"the body may be at most {limit} bytes, got {declared}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestProblem(413, "Body too large", f"the body may be at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_events(content_type: str, body: bytes, max_batch: int) -> list[dict[str, Any]]:
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in (STRUCTURED, BATCH):
        raise RequestProblem(
            415, "Unsupported media type",
            f"Content-Type must be {STRUCTURED} (one event) or {BATCH} (a JSON array of "
            f"events), got {media_type or 'nothing'!r}",
        )
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RequestProblem(400, "Invalid JSON", f"the body is not valid JSON: {exc}") from None
    if media_type == STRUCTURED:
        return [_check(document, None)]
    if not isinstance(document, list):
        raise RequestProblem(422, "Invalid batch",
                             "a batch must be a JSON array of events, got "
                             f"{type(document).__name__}",
                             [{"field": "/", "expected": "a JSON array of CloudEvents"}])
    if not document:
        raise RequestProblem(422, "Empty batch", "a batch must hold at least one event",
                             [{"field": "/", "expected": "at least one event"}])
    if len(document) > max_batch:
        raise RequestProblem(413, "Batch too large",
                             f"a batch may hold at most {max_batch} events, got {len(document)}")
    # 1: collect the problems of every event before refusing, so the client sees them all.
    errors: list[dict[str, Any]] = []
    for index, event in enumerate(document):
        try:
            _check(event, index)
        except RequestProblem as exc:
            errors.extend(exc.errors or [])
    if errors:
        raise RequestProblem(422, "Invalid events",
                             f"{len({e['index'] for e in errors})} of {len(document)} events do "
                             f"not match the contract; nothing was accepted", errors)
    return document


def _check(event: Any, index: int | None) -> dict[str, Any]:
    try:
        validate(event, index)
    except ContractError as exc:
        errors = [_error(p, index) for p in exc.problems]
        raise RequestProblem(422, "Invalid event", str(exc), errors) from None
    if event["type"] == STATUS_CHANGED:
        raise RequestProblem(422, "Invalid event",
                             "status changes are emitted by the evaluator, not ingested",
                             [_error(Problem("/type", "an event type of a source system"), index)])
    return event


def _error(p: Problem, index: int | None) -> dict[str, Any]:
    item = p.as_dict()
    if index is not None:
        item["index"] = index
    return item


def create_app(settings: IngestSettings | None = None) -> Starlette:
    settings = settings or IngestSettings.from_env()
    publisher = Publisher(settings)

    async def post_events(request: Request) -> Response:
        try:
            body = await read_body(request, settings.max_body_bytes)
            events = parse_events(request.headers.get("content-type", ""), body,
                                  settings.max_batch)
        except RequestProblem as exc:
            return problem(exc.status, exc.title, exc.detail, exc.errors)
        try:
            await publisher.publish(events)
        except BrokerUnavailable as exc:
            log.warning("refused %d events with 503: broker unavailable (%s)", len(events), exc)
            return problem(503, "Broker unavailable",
                           "the event store did not confirm the write; send the same events "
                           "again later", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        return JSONResponse({"accepted": len(events)}, status_code=202)

    async def health(request: Request) -> Response:
        ready = publisher.producer is not None
        return JSONResponse({"status": "ok" if ready else "starting", "kafka": ready},
                            status_code=200 if ready else 503)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log.info("ingest starting: %s, max body %d bytes, max batch %d",
                 settings.common.describe(), settings.max_body_bytes, settings.max_batch)
        await publisher.start()
        yield
        await publisher.stop()
        log.info("ingest stopped")

    app = Starlette(
        routes=[Route("/events", post_events, methods=["POST"]),
                Route("/health", health, methods=["GET"])],
        lifespan=lifespan,
    )
    app.state.publisher = publisher
    return app


def serve(host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(create_app(), host=host, port=port, log_level="warning", access_log=False,
                http="httptools", loop="uvloop")
