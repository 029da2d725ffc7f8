"""Small pure parts: number formatting, window words, the hub's heartbeat and listeners."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from services.web import i18n
from services.web.context import clock, format_number, window_words
from services.web.hub import Hub


@pytest.mark.parametrize(("value", "lang", "expected"), [
    (87.5, "nl", "87,5"), (87.5, "en", "87.5"), (90.0, "nl", "90"), (1234.5, "nl", "1.234,5"),
    (1234.5, "en", "1,234.5"), (0.0, "nl", "0"), (None, "nl", "\u2013")])
def test_numbers_read_as_people_write_them(value: float | None, lang: str,
                                           expected: str) -> None:
    assert format_number(value, lang) == expected


@pytest.mark.parametrize(("seconds", "expected"), [
    (3600, "afgelopen 60 minuten"), (7 * 86400, "afgelopen 7 dagen"),
    (8 * 3600, "afgelopen 8 uur"), (30, "afgelopen 1 minuten")])
def test_window_in_words(seconds: int, expected: str) -> None:
    assert window_words(seconds, i18n.translator("nl")) == expected


def test_clock_is_amsterdam_time() -> None:
    assert clock(0) == ""
    assert clock(1767225600) == "01:00:00"  # 2026-01-01T00:00Z is 01:00 in Amsterdam


async def test_quiet_stream_sends_heartbeats_without_an_id() -> None:
    hub = Hub()
    hub.kafka_ok = True
    frames = hub.subscribe(heartbeat=0.05)
    first = await anext(frames)
    assert first.startswith(b"id: ")
    beat = await asyncio.wait_for(anext(frames), 2)
    assert beat.startswith(b"event: heartbeat")
    assert orjson.loads(beat.split(b"data: ", 1)[1])["live"] is True
    hub.apply({"scope_key": "norm:x", "status": "green"})
    update = await asyncio.wait_for(anext(frames), 2)
    assert b"event: update" in update
    await frames.aclose()


def test_listeners_see_changes_and_removals() -> None:
    hub = Hub()
    seen: list[tuple[str, object]] = []
    hub.listeners.append(lambda key, snapshot: seen.append((key, snapshot)))
    hub.apply({"scope_key": "norm:x", "status": "red"})
    hub.remove("norm:x")
    assert seen == [("norm:x", {"scope_key": "norm:x", "status": "red"}), ("norm:x", None)]


def test_a_fed_hub_reports_its_upstream_feed() -> None:
    upstream = Hub()
    public = Hub(upstream=upstream)
    assert public.live is False
    upstream.kafka_ok = True
    assert public.live is True


def _ids(chunk: bytes) -> list[str]:
    return [line[4:] for line in chunk.decode().split("\r\n") if line.startswith("id: ")]


async def test_a_batch_reaches_each_client_as_one_chunk_with_every_id() -> None:
    hub = Hub()
    everything = hub.subscribe()
    only_green = hub.subscribe(visible=lambda s: s["status"] == "green")
    await anext(everything)  # the snapshots
    await anext(only_green)
    with hub.batch():
        hub.apply({"scope_key": "norm:a", "status": "green"})
        hub.apply({"scope_key": "norm:b", "status": "red"})
        hub.apply({"scope_key": "norm:c", "status": "green"})
        assert all(c.queue.empty() for c in hub.clients)  # nothing leaves before the end
    chunk = await asyncio.wait_for(anext(everything), 2)
    assert _ids(chunk) == [f"{hub.epoch}-1", f"{hub.epoch}-2", f"{hub.epoch}-3"]
    green = await asyncio.wait_for(anext(only_green), 2)
    assert _ids(green) == [f"{hub.epoch}-1", f"{hub.epoch}-3"]
    assert b"norm:b" not in green
    await everything.aclose()
    await only_green.aclose()


async def test_a_slow_reader_gets_what_waited_in_one_write() -> None:
    hub = Hub()
    frames = hub.subscribe()
    await anext(frames)
    for n in range(5):  # five separate changes while the client was not reading
        hub.apply({"scope_key": f"norm:{n}", "status": "green"})
    chunk = await asyncio.wait_for(anext(frames), 2)
    assert len(_ids(chunk)) == 5
    await frames.aclose()


async def test_replay_after_reconnect_keeps_to_what_the_client_may_see() -> None:
    hub = Hub()
    hub.apply({"scope_key": "norm:shown", "status": "green"})
    last_seen = f"{hub.epoch}-{hub.sequence}"
    hub.apply({"scope_key": "norm:hidden", "status": "red"})
    hub.apply({"scope_key": "norm:shown", "status": "orange"})
    frames = hub.subscribe(last_seen, visible=lambda s: s["scope_key"] == "norm:shown")
    replayed = await anext(frames)
    assert _ids(replayed) == [f"{hub.epoch}-3"]
    assert b"norm:hidden" not in replayed
    await frames.aclose()


async def test_a_fed_hub_batches_with_its_upstream() -> None:
    upstream, fed = Hub(), Hub()
    upstream.listeners.append(lambda key, snapshot: fed.apply(snapshot) if snapshot else None)
    upstream.downstream.append(fed)
    frames = fed.subscribe()
    await anext(frames)
    with upstream.batch():
        upstream.apply({"scope_key": "norm:a", "status": "green"})
        upstream.apply({"scope_key": "norm:b", "status": "green"})
        assert fed.clients and all(c.queue.empty() for c in fed.clients)
    assert len(_ids(await asyncio.wait_for(anext(frames), 2))) == 2
    await frames.aclose()


def test_recorder_group_is_one_per_deployment() -> None:
    from schemas.topics import topic_names
    from services.web.recorder import group_id

    assert group_id(topic_names()) == "servicenorm-recorder"
    assert group_id(topic_names("a")) != group_id(topic_names("b"))
