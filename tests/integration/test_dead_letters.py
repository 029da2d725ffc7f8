"""Malformed records written straight to the events topic go to the dead letters; work goes on."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

pytestmark = pytest.mark.integration

HUGE = 1_500_000


def good_ticket(location: str) -> list[bytes]:
    now = datetime.now(UTC)
    subject = f"t-{uuid.uuid4().hex[:8]}"
    base = {"specversion": "1.0", "source": "/test/queue", "subject": subject}
    return [orjson.dumps({**base, "id": uuid.uuid4().hex,
                          "type": "nl.servicenorm.queue.ticket.drawn",
                          "time": (now - timedelta(minutes=3)).isoformat(),
                          "data": {"location": location, "service": "paspoort",
                                   "appointment": False}}),
            orjson.dumps({**base, "id": uuid.uuid4().hex,
                          "type": "nl.servicenorm.queue.ticket.called",
                          "time": now.isoformat(), "data": {"location": location,
                                                            "desk": "balie-1"}})]


RUBBISH: dict[str, bytes | None] = {
    "not-json": b"<xml>nee</xml>",
    "bad-utf8": b'{"specversion": "1.0", "id": "\xff\xfe"}',
    "wrong-schema": orjson.dumps({"specversion": "1.0", "id": "x", "source": "/s",
                                  "type": "nl.servicenorm.queue.ticket.drawn",
                                  "time": "2026-03-02T09:00:00+01:00", "subject": "t-x",
                                  "data": {"naam": "Jan"}}),
    "deep": b"[" * 5000 + b"]" * 5000,
    "empty": None,
    "huge": b'"' + b"a" * HUGE + b'"',
}


@pytest.fixture(scope="module")
def evaluating(product: Any) -> Any:
    product.start("evaluator")
    product.wait_ready("evaluator")
    return product


async def test_rubbish_is_dead_lettered_with_a_reason_and_good_events_still_count(
        evaluating: Any) -> None:
    product = evaluating
    topic = f"{product.prefix}.events"
    producer = AIOKafkaProducer(bootstrap_servers=product.infra.kafka.bootstrap,
                                max_request_size=2 * 1024 * 1024)
    dead = AIOKafkaConsumer(f"{product.prefix}.events.dead", group_id=None,
                            bootstrap_servers=product.infra.kafka.bootstrap,
                            auto_offset_reset="earliest", fetch_max_bytes=8 * 1024 * 1024,
                            max_partition_fetch_bytes=4 * 1024 * 1024)
    observations = AIOKafkaConsumer(f"{product.prefix}.observations", group_id=None,
                                    bootstrap_servers=product.infra.kafka.bootstrap,
                                    auto_offset_reset="earliest")
    await producer.start()
    await dead.start()
    await observations.start()
    location = f"loc-{uuid.uuid4().hex[:6]}"
    try:
        for name, value in RUBBISH.items():
            await producer.send_and_wait(topic, value, key=name.encode())
        for value in good_ticket(location):
            await producer.send_and_wait(topic, value, key=b"good")
        found: dict[str, dict[str, bytes]] = {}
        done_seen = False
        async with asyncio.timeout(90):
            while len(found) < len(RUBBISH) or not done_seen:
                for records in (await dead.getmany(timeout_ms=300)).values():
                    for record in records:
                        found[record.key.decode()] = {**dict(record.headers),
                                                      "size": str(len(record.value or b""))
                                                      .encode()}
                for records in (await observations.getmany(timeout_ms=300)).values():
                    for record in records:
                        message = orjson.loads(record.value)
                        done_seen |= (message["op"] == "done"
                                      and message["scope"].get("location") == location)
        assert set(found) == set(RUBBISH)
        assert all(headers["reason"] for headers in found.values())
        assert b"/data" in found["wrong-schema"]["reason"]
        assert found["huge"]["truncated"] == b"true"
        assert int(found["huge"]["original-size"]) == HUGE + 2
        assert int(found["huge"]["size"]) <= 512 * 1024
        assert product.processes["evaluator"].alive()
    finally:
        await producer.stop()
        await dead.stop()
        await observations.stop()
