"""Helpers the fault tests share: waiting for lag, reading the final indicator state."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import orjson

from bench.kafkautil import GroupLag, end_offsets, read_all
from bench.stack import Deployment
from schemas.topics import topic_names

log = logging.getLogger(__name__)


async def wait_lag_zero(deployment: Deployment, topic: str, timeout: float) -> float | None:
    """Seconds until the evaluator's group committed everything on ``topic``; None on time-out."""
    t0 = time.monotonic()
    bootstrap = deployment.cluster.bootstrap
    async with GroupLag(bootstrap, deployment.app_id, topic) as lag:
        while time.monotonic() - t0 < timeout:
            end = sum((await end_offsets(bootstrap, topic)).values())
            if await lag.committed() >= end:
                return time.monotonic() - t0
            await asyncio.sleep(0.5)
    return None


async def indicator_state(deployment: Deployment) -> dict[str, dict[str, Any]]:
    """The last snapshot per scope key on the compacted indicators topic."""
    state: dict[str, dict[str, Any]] = {}

    def keep(record: Any) -> None:
        if record.value is not None:
            snapshot = orjson.loads(record.value)
            state[snapshot["scope_key"]] = snapshot

    await read_all(deployment.cluster.bootstrap, topic_names(deployment.prefix).indicators, keep)
    return state


async def recorded_observations(dsn: str) -> dict[str, str]:
    connection = await asyncpg.connect(dsn)
    try:
        return {r["id"]: r["op"] for r in await connection.fetch("SELECT id, op FROM observations")}
    finally:
        await connection.close()


async def settle(check: Callable[[], Awaitable[tuple[bool, Any]]], timeout: float,
                 every: float = 2.0) -> tuple[float | None, Any]:
    """Call ``check`` until it reports success; seconds it took (None on time-out), last answer."""
    t0 = time.monotonic()
    answer: Any = None
    while time.monotonic() - t0 < timeout:
        ok, answer = await check()
        if ok:
            return time.monotonic() - t0, answer
        await asyncio.sleep(every)
    return None, answer
