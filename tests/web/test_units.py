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
