"""The connector SDK: events built to the contract, and a client that never loses a batch."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from fake_ingest import Answer, FakeIngest, free_socket, make_app, start_server, stop_server

from connectors.sdk import (
    BATCH_CONTENT_TYPE,
    MAX_RETRY_AFTER_SECONDS,
    EventFactory,
    IngestClient,
    IngestRejected,
    IngestUnavailable,
    format_time,
    retry_after_seconds,
)
from schemas.contract import ContractError, problems

DRAWN = "nl.servicenorm.queue.ticket.drawn"
WINTER = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 9, 15, tzinfo=UTC)
TICKET = {"location": "stadhuis", "service": "paspoort", "appointment": False}
FAST = {"backoff_first": 0.01, "backoff_max": 0.02}


def tickets(count: int, seed: str = "test") -> list[dict]:
    factory = EventFactory("/test/wachtrij", seed=seed)
    return [factory.make(DRAWN, f"t-{n}", WINTER + timedelta(seconds=n), TICKET)
            for n in range(count)]


# --- EventFactory -----------------------------------------------------------------------------


def test_made_event_matches_the_contract_and_carries_the_amsterdam_offset() -> None:
    event = EventFactory("/test/wachtrij").make(DRAWN, "t-1", WINTER, TICKET)

    assert problems(event) == []
    assert event["time"] == "2026-03-02T10:15:00+01:00"
    assert event["source"] == "/test/wachtrij"
    assert event["data"] == TICKET


def test_summer_time_gets_plus_two_hours() -> None:
    assert format_time(SUMMER) == "2026-07-01T11:15:00+02:00"
    assert format_time(SUMMER.replace(microsecond=250_000)) == "2026-07-01T11:15:00.250+02:00"


def test_naive_time_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        EventFactory("/test").make(DRAWN, "t-1", datetime(2026, 3, 2, 9, 0), TICKET)


def test_event_that_breaks_the_contract_is_refused_before_sending() -> None:
    factory = EventFactory("/test/wachtrij")
    with pytest.raises(ContractError, match="/subject"):
        factory.make(DRAWN, "jan.jansen@example.nl", WINTER, TICKET)
    with pytest.raises(ContractError, match="/data/extra"):
        factory.make(DRAWN, "t-1", WINTER, {**TICKET, "extra": "x"})


def test_seeded_ids_repeat_on_replay_and_differ_between_seeds() -> None:
    first = [e["id"] for e in tickets(5, seed="a")]
    again = [e["id"] for e in tickets(5, seed="a")]
    other = [e["id"] for e in tickets(5, seed="b")]

    assert first == again
    assert len(set(first)) == 5
    assert not set(first) & set(other)


def test_ids_from_a_key_do_not_depend_on_order() -> None:
    one, two = EventFactory("/test", seed=1), EventFactory("/test", seed=1)
    two.next_id()  # a different position in the sequence

    assert one.next_id(key="row-9") == two.next_id(key="row-9")
    assert one.next_id(key="row-9") != EventFactory("/other", seed=1).next_id(key="row-9")


def test_unseeded_ids_are_random_uuids() -> None:
    factory = EventFactory("/test")
    ids = {factory.next_id() for _ in range(100)}

    assert len(ids) == 100
    assert all(uuid.UUID(i).version == 4 for i in ids)


# --- Retry-After --------------------------------------------------------------------------------


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=12), usegmt=True),
                               now=now) == pytest.approx(12.0)
    assert retry_after_seconds("999999") == MAX_RETRY_AFTER_SECONDS
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


# --- IngestClient against a real HTTP server ----------------------------------------------------


async def test_batches_are_posted_in_order_and_in_size(ingest: FakeIngest) -> None:
    events = tickets(1200)
    async with IngestClient(ingest.url, batch_size=500) as client:
        await client.send_many(events)

    assert [len(p.events) for p in ingest.posted] == [500, 500, 200]
    assert {p.content_type for p in ingest.posted} == {BATCH_CONTENT_TYPE}
    assert ingest.events == events
    assert client.stats.events_sent == 1200


async def test_a_partial_batch_goes_out_after_the_linger_time(ingest: FakeIngest) -> None:
    client = IngestClient(ingest.url, linger=0.05)
    await client.send_many(tickets(3))
    for _ in range(200):
        if ingest.accepted:
            break
        await asyncio.sleep(0.01)

    assert [len(p.events) for p in ingest.accepted] == [3]
    assert client.pending == 0
    await client.close()


async def test_503_is_retried_after_the_servers_retry_after(ingest: FakeIngest) -> None:
    ingest.script = [Answer(503, {"Retry-After": "1"}, {"title": "Broker unavailable"})]
    events = tickets(10)
    started = time.monotonic()
    async with IngestClient(ingest.url, **FAST) as client:
        await client.send_many(events)
        await client.flush()

    assert len(ingest.posted) == 2
    assert ingest.posted[1].at - ingest.posted[0].at >= 0.95
    assert time.monotonic() - started >= 0.95
    assert ingest.posted[0].events == ingest.posted[1].events == events
    assert ingest.events == events
    assert client.stats.retries == 1


async def test_422_raises_with_the_problem_and_is_not_retried(ingest: FakeIngest) -> None:
    problem = {"type": "about:blank", "title": "Invalid events", "status": 422,
               "detail": "1 of 2 events do not match the contract; nothing was accepted",
               "errors": [{"field": "/data/location", "expected": "a value", "index": 1}]}
    ingest.script = [Answer(422, body=problem)]
    client = IngestClient(ingest.url, **FAST)
    await client.send_many(tickets(2))

    with pytest.raises(IngestRejected) as caught:
        await client.flush()
    await client.close()

    assert caught.value.status == 422
    assert caught.value.problem == problem
    assert "event 1 /data/location" in str(caught.value)
    assert not caught.value.retriable
    assert len(ingest.posted) == 1
    assert client.pending == 0


async def test_a_refusal_in_the_background_surfaces_on_the_next_call(ingest: FakeIngest) -> None:
    ingest.script = [Answer(400, body={"title": "Invalid JSON", "detail": "no"})]
    client = IngestClient(ingest.url, linger=0.01)
    await client.send_many(tickets(1))
    for _ in range(200):
        if ingest.posted:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)

    with pytest.raises(IngestRejected, match="HTTP 400"):
        await client.send(tickets(1)[0])
    assert client.pending == 0  # the refused batch is dropped, the raising send took nothing
    await client.close()
    assert len(ingest.posted) == 1


async def test_too_large_batches_are_halved(ingest: FakeIngest) -> None:
    ingest.max_batch = 120
    events = tickets(500)
    async with IngestClient(ingest.url, batch_size=500) as client:
        await client.send_many(events)

    assert ingest.events == events
    assert max(len(p.events) for p in ingest.accepted) <= 120


async def test_unreachable_ingest_keeps_the_events() -> None:
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/events"
    sock.close()  # nobody listens on this port now
    client = IngestClient(url, max_attempts=3, **FAST)
    await client.send_many(tickets(4))

    with pytest.raises(IngestUnavailable, match="after 3 attempts") as caught:
        await client.flush()
    assert caught.value.retriable
    assert client.pending == 4
    assert client.stats.retries == 2
    with pytest.raises(IngestUnavailable, match="4 events were not delivered"):
        await client.close(timeout=0.1)


async def test_connection_errors_are_retried_until_ingest_is_back() -> None:
    sock = free_socket()
    state = FakeIngest(f"http://127.0.0.1:{sock.getsockname()[1]}/events")
    events = tickets(7)
    client = IngestClient(state.url, **FAST)
    await client.send_many(events)
    flushing = asyncio.create_task(client.flush())
    await asyncio.sleep(0.3)
    assert not flushing.done()
    assert client.stats.retries >= 1

    server, thread = start_server(sock, make_app(state))  # the socket starts listening now
    try:
        await asyncio.wait_for(flushing, timeout=5)
        await client.close()
    finally:
        stop_server(server, thread)
        sock.close()
    assert state.events == events
    assert client.pending == 0
