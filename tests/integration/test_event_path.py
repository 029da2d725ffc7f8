"""One event path on the real broker: ingest → Kafka → evaluator → status topic → SSE client."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer

pytestmark = pytest.mark.integration

BATCH = "application/cloudevents-batch+json"
NORM = "balie-wachttijd-inloop"


def ticket(subject: str, drawn: datetime, called: datetime, location: str) -> list[dict[str, Any]]:
    common = {"specversion": "1.0", "source": "/test/queue", "subject": subject}
    return [
        {**common, "id": uuid.uuid4().hex, "type": "nl.servicenorm.queue.ticket.drawn",
         "time": drawn.isoformat(),
         "data": {"location": location, "service": "paspoort", "appointment": False}},
        {**common, "id": uuid.uuid4().hex, "type": "nl.servicenorm.queue.ticket.called",
         "time": called.isoformat(), "data": {"location": location, "desk": "balie-1"}},
    ]


def late_tickets(location: str, count: int, wait_minutes: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    events: list[dict[str, Any]] = []
    for _ in range(count):
        drawn = now - timedelta(minutes=wait_minutes + 1)
        events += ticket(f"t-{uuid.uuid4().hex[:10]}", drawn,
                         drawn + timedelta(minutes=wait_minutes), location)
    return events


async def read_sse(url: str, until: Any, timeout: float) -> list[tuple[str, dict[str, Any]]]:
    """Collect SSE events until ``until(events)`` holds or the timeout passes."""
    seen: list[tuple[str, dict[str, Any]]] = []
    async with httpx.AsyncClient(timeout=None) as client, client.stream("GET", url) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = ""
        async with asyncio.timeout(timeout):
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    seen.append((name, orjson.loads(line.split(":", 1)[1])))
                    if until(seen):
                        return seen
    return seen


def is_red_for(location: str) -> Any:
    key = f"indicator:{NORM}:binnen-norm:location.{location}"

    def check(seen: list[tuple[str, dict[str, Any]]]) -> bool:
        for name, data in seen:
            items = data["items"] if name == "snapshot" else [data]
            if any(i["scope_key"] == key and i["status"] == "red" for i in items):
                return True
        return False

    return check


@pytest.fixture(scope="module")
def running(product: Any) -> Any:
    for name in ("ingest", "evaluator", "web"):
        product.start(name)
    for name in ("ingest", "evaluator"):
        product.wait_ready(name)
    return product


async def test_events_reach_status_topic_and_sse_client(running: Any) -> None:
    location = f"loc-{uuid.uuid4().hex[:6]}"
    status_consumer = AIOKafkaConsumer(
        f"{running.prefix}.status", bootstrap_servers=running.infra.kafka.bootstrap,
        group_id=None, auto_offset_reset="latest")
    await status_consumer.start()
    try:
        # 1. An SSE client is connected before anything happens.
        sse = asyncio.create_task(read_sse(running.url("web", "/api/public/stream"),
                                           is_red_for(location), timeout=90))
        await asyncio.sleep(1.0)
        # 2. Six walk-in visitors waited 15 minutes: far beyond the 10-minute limit.
        started = time.monotonic()
        async with httpx.AsyncClient() as client:
            response = await client.post(running.url("ingest", "/events"),
                                         content=orjson.dumps(late_tickets(location, 6, 15)),
                                         headers={"content-type": BATCH})
        assert response.status_code == 202, response.text
        assert response.json() == {"accepted": 12}
        # 3. The status topic carries the change to red for that location.
        change = await _wait_for_change(status_consumer, location, timeout=90)
        assert change["type"] == "nl.servicenorm.status.changed"
        assert change["data"]["status"] == "red"
        assert change["data"]["norm"] == NORM
        # 4. The SSE client saw it too.
        seen = await sse
        assert is_red_for(location)(seen), f"no red update for {location} in {len(seen)} events"
        assert seen[0][0] == "snapshot"
        assert time.monotonic() - started < 90
    finally:
        await status_consumer.stop()


async def _wait_for_change(consumer: AIOKafkaConsumer, location: str,
                           timeout: float) -> dict[str, Any]:
    key = f"indicator:{NORM}:binnen-norm:location.{location}"
    async with asyncio.timeout(timeout):
        while True:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    event = orjson.loads(record.value)
                    if event["subject"] == key and event["data"]["status"] == "red":
                        return event


async def test_status_endpoint_returns_current_state(running: Any) -> None:
    location = f"loc-{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient() as client:
        response = await client.post(running.url("ingest", "/events"),
                                     content=orjson.dumps(late_tickets(location, 5, 2)),
                                     headers={"content-type": BATCH})
        assert response.status_code == 202
        key = f"indicator:{NORM}:binnen-norm:location.{location}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            response = await client.get(running.url("web", "/api/status"),
                                        auth=running.basic_auth)
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            found = [i for i in items if i["scope_key"] == key]
            if found and found[0]["status"] == "green":
                # Five visitors, each called after 2 minutes: all within 10 minutes.
                assert found[0]["value"] == 100.0
                assert found[0]["count"] == 5
                return
            await asyncio.sleep(0.5)
    raise AssertionError(f"{key} never became green")


async def test_changed_definition_applies_without_restart(running: Any, tmp_path: Any) -> None:
    """Loading a definition with another target changes the colour; nothing restarts."""
    import pathlib

    location = f"loc-{uuid.uuid4().hex[:6]}"
    key = f"indicator:{NORM}:binnen-norm:location.{location}"
    # 1. Six of eight visitors within 10 minutes: 75 %, below the grenswaarde 80 → red.
    events = late_tickets(location, 2, 15) + late_tickets(location, 6, 4)
    async with httpx.AsyncClient() as client:
        response = await client.post(running.url("ingest", "/events"),
                                     content=orjson.dumps(events),
                                     headers={"content-type": BATCH})
        assert response.status_code == 202
    evaluator_pid = running.processes["evaluator"].proc.pid
    assert await _status_of(running, key, "red", min_items=8) == 75.0
    # 2. The organisation lowers its streefwaarde to 70 and grenswaarde to 60 (version 2).
    charter = pathlib.Path(__file__).resolve().parents[2] / "deploy" / "charter" / "voorbeeldstad"
    text = (charter / f"{NORM}.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1", "version: 2", 1)
    text = text.replace("    target: 90\n    limit: 80\n", "    target: 70\n    limit: 60\n", 1)
    (tmp_path / f"{NORM}.yaml").write_text(text, encoding="utf-8")
    done = running.run("norms", "load", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    # 3. Same value, new colour, same evaluator process.
    assert await _status_of(running, key, "green", min_items=8) == 75.0
    assert running.processes["evaluator"].proc.pid == evaluator_pid
    assert running.processes["evaluator"].alive()


async def _status_of(product: Any, key: str, status: str, min_items: int) -> float:
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            response = await client.get(product.url("web", "/api/status"),
                                        auth=product.basic_auth)
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            found = [i for i in items if i["scope_key"] == key]
            if found and found[0]["status"] == status and found[0]["count"] >= min_items:
                return float(found[0]["value"])
            await asyncio.sleep(0.5)
    raise AssertionError(f"{key} never became {status}")
