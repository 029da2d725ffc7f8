"""What a source system needs to feed the dashboard: build valid events, post them to ingest.

A connector is meant to be a short module::

    factory = EventFactory("/voorbeeldstad/wachtrij", seed="export-2026-03-02")
    async with IngestClient("http://127.0.0.1:8081/events") as client:
        for row in rows:
            await client.send(factory.make(
                "nl.servicenorm.queue.ticket.drawn", subject=row.ticket, time=row.drawn_at,
                data={"location": "stadhuis", "service": "paspoort", "appointment": False}))

Departures from the obvious, numbered so the code can point back:

1. Event ids are derived from (source, seed, counter) or (source, seed, key) when the
   caller gives a seed, instead of being random. A replay of the same export then
   produces the same ids, and the evaluator, which counts an event once per
   (source, id), does not count it twice.
2. The client keeps a batch until ingest answers 202. A 503 (broker unavailable),
   429, 502, 504 or a broken connection means "not stored": the same batch is sent
   again, after the Retry-After the server asked for or else after a growing pause.
   A time-out after sending may mean the batch was stored after all; sending it again
   is safe because of 1.
3. Any other 4xx is a mistake in the events or the request, and sending it again
   cannot help: the client raises :class:`IngestRejected` with the problem document
   and drops that batch, so that the rest can still go out.
4. A 413 (batch too large for this ingest) halves the batch size for this and every
   later batch, so that a connector need not know the server's limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson

from schemas.contract import SPECVERSION, validate

log = logging.getLogger(__name__)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"
DEFAULT_BATCH_SIZE = 500
DEFAULT_LINGER_SECONDS = 0.2
DEFAULT_TIMEOUT_SECONDS = 10.0
BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0
MAX_RETRY_AFTER_SECONDS = 300.0
ID_DIGEST_BYTES = 16

HTTP_TOO_LARGE = 413
HTTP_TOO_MANY_REQUESTS = 429
RETRIABLE_STATUS = frozenset({HTTP_TOO_MANY_REQUESTS, 502, 503, 504})


# --- building events -------------------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """RFC 3339 with the Europe/Amsterdam offset, e.g. ``2026-03-02T10:15:00+01:00``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"event time must be timezone-aware, got naive {moment.isoformat()!r}; "
                         "attach a zone, e.g. ZoneInfo('Europe/Amsterdam')")
    local = moment.astimezone(AMSTERDAM)
    spec = "seconds" if local.microsecond == 0 else "milliseconds"
    return local.isoformat(timespec=spec)


class EventFactory:
    """Builds CloudEvents for one source and checks each against the contract.

    With ``seed`` the ids are reproducible (1); without it they are random UUIDs.
    """

    def __init__(self, source: str, *, seed: int | str | None = None,
                 validate_events: bool = True) -> None:
        if not source:
            raise ValueError("source must be a URI reference such as '/voorbeeldstad/wachtrij', "
                             "got an empty string")
        self.source = source
        self.seed = seed
        self.validate_events = validate_events
        self.count = 0

    def next_id(self, key: str | None = None) -> str:
        """A new event id: from ``key`` when given, else from the running counter."""
        self.count += 1
        if self.seed is None and key is None:
            return str(uuid.uuid4())
        name = key if key is not None else f"#{self.count}"
        material = "\x1f".join((self.source, str(self.seed), name)).encode()
        return hashlib.blake2b(material, digest_size=ID_DIGEST_BYTES).hexdigest()

    def make(self, type: str, subject: str, time: datetime,
             data: Mapping[str, Any], *, key: str | None = None) -> dict[str, Any]:
        """One event of ``type`` about ``subject`` at ``time``; ContractError if it is invalid."""
        event: dict[str, Any] = {
            "specversion": SPECVERSION,
            "id": self.next_id(key),
            "source": self.source,
            "type": type,
            "time": format_time(time),
            "subject": subject,
            "datacontenttype": "application/json",
            "data": dict(data),
        }
        if self.validate_events:
            validate(event)
        return event


# --- sending events --------------------------------------------------------------------------


class IngestError(Exception):
    """Root of the client's errors; ``retriable`` says whether sending again can help."""

    retriable = False


class IngestRejected(IngestError):
    """Ingest refused a batch (3). Fix the events; the batch is not sent again."""

    def __init__(self, status: int, problem: dict[str, Any] | None,
                 events: list[dict[str, Any]], body: str = "") -> None:
        self.status = status
        self.problem = problem
        self.events = events
        super().__init__(_describe_refusal(status, problem, len(events), body))


class IngestUnavailable(IngestError):
    """Ingest could not be reached within ``max_attempts``; the events are still buffered."""

    retriable = True


def _describe_refusal(status: int, problem: dict[str, Any] | None, count: int,
                      body: str) -> str:
    text = f"ingest refused a batch of {count} events with HTTP {status}"
    if problem is None:
        return f"{text}: {body[:200]!r}" if body else text
    text += f": {problem.get('title', '')}: {problem.get('detail', '')}"
    errors = problem.get("errors") or []
    shown = [f"event {e.get('index', '?')} {e.get('field', '/')}: expected {e.get('expected')}"
             for e in errors[:3] if isinstance(e, dict)]
    if shown:
        text += "; " + "; ".join(shown)
    if len(errors) > len(shown):
        text += f" (and {len(errors) - len(shown)} more)"
    return text


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if absent."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        log.warning("ignoring Retry-After %r: expected seconds or an HTTP date", value)
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _problem_of(response: httpx.Response) -> dict[str, Any] | None:
    try:
        document = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None


@dataclass(slots=True)
class ClientStats:
    """Counts for logging; never event contents."""

    events_sent: int = 0
    batches_sent: int = 0
    retries: int = 0
    events_rejected: int = 0


class IngestClient:
    """Batches events and posts them to ingest's ``/events``; see 2-4 for failures.

    ``send`` returns once the event is buffered; a batch goes out when it holds
    ``batch_size`` events or when ``linger`` seconds passed since its first event.
    ``max_attempts=None`` retries for as long as it takes. ``close`` flushes.
    A failure of a background send is raised by the next call to send, flush or close;
    a ``send`` that raises has not taken its event.
    """

    def __init__(self, url: str, *, batch_size: int = DEFAULT_BATCH_SIZE,
                 linger: float = DEFAULT_LINGER_SECONDS,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS, max_attempts: int | None = None,
                 backoff_first: float = BACKOFF_FIRST_SECONDS,
                 backoff_max: float = BACKOFF_MAX_SECONDS,
                 http: httpx.AsyncClient | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if max_attempts is not None and max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1 or None, got {max_attempts}")
        self.url = url
        self.batch_size = batch_size
        self.linger = linger
        self.max_attempts = max_attempts
        self.backoff_first = backoff_first
        self.backoff_max = backoff_max
        self.stats = ClientStats()
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._limit = batch_size
        self._buffer: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()
        self._linger_task: asyncio.Task[None] | None = None
        self._failure: IngestError | None = None

    @property
    def pending(self) -> int:
        """Events accepted by ``send`` and not yet confirmed by ingest."""
        return len(self._buffer)

    async def __aenter__(self) -> IngestClient:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self.close()

    async def send(self, event: dict[str, Any]) -> None:
        """Buffer one event; waits only when a full batch has to go out first."""
        self._raise_failure()
        self._buffer.append(event)
        if len(self._buffer) >= self.batch_size:
            await self.flush()
        elif self._linger_task is None:
            self._linger_task = asyncio.create_task(self._linger())

    async def send_many(self, events: Iterable[dict[str, Any]]) -> None:
        for event in events:
            await self.send(event)

    async def flush(self) -> None:
        """Post everything buffered, in order, and return when ingest has confirmed it."""
        self._raise_failure()
        async with self._lock:
            while self._buffer:
                batch = self._buffer[: self._limit]
                try:
                    delivered = await self._deliver(batch)
                except IngestRejected:
                    del self._buffer[: len(batch)]
                    raise
                if delivered:
                    del self._buffer[: len(batch)]

    async def close(self, timeout: float | None = None) -> None:
        """Flush and release the connection.

        Raises :class:`IngestUnavailable` when events are left undelivered: ingest
        stayed unreachable for ``max_attempts`` or past ``timeout`` seconds.
        """
        try:
            async with asyncio.timeout(timeout):
                await self.flush()
        except (TimeoutError, IngestUnavailable) as exc:
            log.error("closing with %d events not delivered to %s", self.pending, self.url)
            raise IngestUnavailable(f"{self.pending} events were not delivered to {self.url} "
                                    "before closing") from exc
        finally:
            await self._stop_linger()
            if self._own_http:
                await self._http.aclose()

    # -- internals --

    def _raise_failure(self) -> None:
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    async def _linger(self) -> None:
        await asyncio.sleep(self.linger)
        self._linger_task = None
        try:
            await self.flush()
        except IngestError as exc:
            self._failure = exc

    async def _stop_linger(self) -> None:
        task, self._linger_task = self._linger_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver(self, batch: list[dict[str, Any]]) -> bool:
        """Post one batch until ingest confirms it (2); False when it was too large (4)."""
        body = orjson.dumps(batch)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._http.post(
                    self.url, content=body, headers={"Content-Type": BATCH_CONTENT_TYPE})
            except httpx.TransportError as exc:
                reason, wait = f"{type(exc).__name__}: {exc}", None
            else:
                if response.is_success:
                    self.stats.events_sent += len(batch)
                    self.stats.batches_sent += 1
                    return True
                if response.status_code == HTTP_TOO_LARGE and len(batch) > 1:
                    self._limit = len(batch) // 2
                    log.info("ingest at %s finds a batch of %d events too large; "
                             "sending at most %d per batch from now on",
                             self.url, len(batch), self._limit)
                    return False
                if response.status_code not in RETRIABLE_STATUS:
                    self.stats.events_rejected += len(batch)
                    raise IngestRejected(response.status_code, _problem_of(response), batch,
                                         response.text)
                reason = f"HTTP {response.status_code}"
                wait = retry_after_seconds(response.headers.get("retry-after"))
            await self._pause(batch, attempt, reason, wait)

    async def _pause(self, batch: list[dict[str, Any]], attempt: int, reason: str,
                     wait: float | None) -> None:
        if self.max_attempts is not None and attempt >= self.max_attempts:
            raise IngestUnavailable(f"ingest at {self.url} did not accept {len(batch)} events "
                                    f"after {attempt} attempts (last: {reason}); they are kept")
        delay = wait if wait is not None else self._backoff(attempt)
        log.warning("ingest at %s did not take %d events (%s); attempt %d, retrying in %.1fs",
                    self.url, len(batch), reason, attempt, delay)
        self.stats.retries += 1
        await asyncio.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_first * 2 ** (attempt - 1), self.backoff_max)
        return random.uniform(ceiling / 2, ceiling)
