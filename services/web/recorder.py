"""The recorder: writes observations, facts, indicator history and status changes to PostgreSQL.

It is its own consumer group, apart from the live feed, so that a database
outage only delays history: live screens keep running from Kafka, and the
recorder catches up when the database returns.

Guarantees, in order of the loop below:

1. Offsets are committed only after the batch is in the database, so nothing
   consumed is lost when the process or the database fails.
2. Every write is an upsert by a natural id, so a batch written twice (after a
   failure between write and commit) leaves the same rows.
3. A failed write is retried with backoff, holding the batch; the consumer
   fetches nothing new meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from schemas.topics import Topics

log = logging.getLogger(__name__)


def group_id(topics: Topics) -> str:
    """The recorder's consumer group: one per deployment, so that two deployments on one
    broker (under different topic prefixes) never share a group and block each other's
    rebalances. The default deployment's group is ``servicenorm-recorder``."""
    return f"{topics.prefix}-recorder"


UPSERT_OBSERVATION = """
INSERT INTO observations (id, norm, item, op, started_at, ended_at, duration_s, within, scope)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
ON CONFLICT (id) DO UPDATE SET
    op = EXCLUDED.op, started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at,
    duration_s = EXCLUDED.duration_s, within = EXCLUDED.within, scope = EXCLUDED.scope,
    recorded_at = now()
WHERE observations.op <> 'done' OR EXCLUDED.op = 'done'
"""
UPSERT_FACT = """
INSERT INTO facts (id, norm, indicator, role, value, at, scope)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
ON CONFLICT (id) DO NOTHING
"""
UPSERT_MINUTE = """
INSERT INTO indicator_minutes (scope_key, minute, norm, indicator, status, value, count,
                               today_value, today_count)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (scope_key, minute) DO UPDATE SET
    status = EXCLUDED.status, value = EXCLUDED.value, count = EXCLUDED.count,
    today_value = EXCLUDED.today_value, today_count = EXCLUDED.today_count
"""
UPSERT_LATEST = """
INSERT INTO indicator_latest (scope_key, snapshot, updated_at) VALUES ($1, $2::jsonb, $3)
ON CONFLICT (scope_key) DO UPDATE SET snapshot = EXCLUDED.snapshot,
    updated_at = EXCLUDED.updated_at
WHERE indicator_latest.updated_at <= EXCLUDED.updated_at
"""
INSERT_STATUS = """
INSERT INTO status_changes (id, scope_key, at, previous, status, event)
VALUES ($1, $2, $3, $4, $5, $6::jsonb)
ON CONFLICT (id) DO NOTHING
"""


def _ts(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(float(seconds), UTC)


def _minute(iso_text: str) -> datetime:
    moment = datetime.fromisoformat(iso_text)
    return moment.replace(second=0, microsecond=0)


def rows_for(topics: Topics, records: Iterable[Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Turn Kafka records into rows per statement (pure, so it can be tested alone)."""
    rows: dict[str, list[tuple[Any, ...]]] = {
        UPSERT_OBSERVATION: [], UPSERT_FACT: [], UPSERT_MINUTE: [], UPSERT_LATEST: [],
        INSERT_STATUS: []}
    for record in records:
        if record.value is None:
            continue
        value = orjson.loads(record.value)
        if record.topic == topics.observations:
            scope = orjson.dumps(value.get("scope") or {}).decode()
            if value["op"] in ("count", "value"):
                rows[UPSERT_FACT].append((value["id"], value["norm"], value["indicator"],
                                          value.get("role"), value.get("value"),
                                          _ts(value["start"]), scope))
            else:
                rows[UPSERT_OBSERVATION].append((
                    value["id"], value["norm"], value["item"], value["op"], _ts(value["start"]),
                    _ts(value.get("end")), value.get("duration"), value.get("within"), scope))
        elif record.topic == topics.indicators:
            updated = datetime.fromisoformat(value["updated_at"])
            today = value.get("today") or {}
            rows[UPSERT_MINUTE].append((value["scope_key"], _minute(value["updated_at"]),
                                        value.get("norm"), value.get("indicator"),
                                        value["status"], value.get("value"), value.get("count"),
                                        today.get("value"), today.get("count")))
            rows[UPSERT_LATEST].append((value["scope_key"], record.value.decode(), updated))
        elif record.topic == topics.status:
            data = value["data"]
            rows[INSERT_STATUS].append((value["id"], data["scope_key"],
                                        datetime.fromisoformat(value["time"]),
                                        data.get("previous"), data["status"],
                                        record.value.decode()))
    return rows


def _last_per_key(rows: Sequence[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    """Keep the last row per primary key: one statement may not touch a row twice."""
    last: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for row in rows:
        last[row[:width]] = row
    return list(last.values())


class Recorder:
    def __init__(self, bootstrap: str, dsn: str, topics: Topics, batch_size: int = 2000) -> None:
        self.bootstrap, self.dsn, self.topics, self.batch_size = bootstrap, dsn, topics, batch_size
        self.pool: asyncpg.Pool | None = None
        self.written = 0
        self.healthy = False

    async def write(self, records: list[Any]) -> None:
        rows = rows_for(self.topics, records)
        rows[UPSERT_MINUTE] = _last_per_key(rows[UPSERT_MINUTE], 2)
        rows[UPSERT_LATEST] = _last_per_key(rows[UPSERT_LATEST], 1)
        rows[UPSERT_OBSERVATION] = _last_per_key(rows[UPSERT_OBSERVATION], 1)
        if self.pool is None:
            self.pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=2)
        async with self.pool.acquire() as connection, connection.transaction():
            for statement, batch in rows.items():
                if batch:
                    await connection.executemany(statement, batch)
        self.written += len(records)

    async def run(self) -> None:
        group = group_id(self.topics)
        consumer = AIOKafkaConsumer(
            self.topics.observations, self.topics.indicators, self.topics.status,
            bootstrap_servers=self.bootstrap, group_id=group,
            enable_auto_commit=False, auto_offset_reset="earliest",
            max_poll_records=self.batch_size)
        while True:
            try:
                await consumer.start()
                break
            except KafkaError as exc:
                log.warning("recorder cannot reach Kafka (%s); retrying", exc)
                await asyncio.sleep(2)
        log.info("recorder started (group %s)", group)
        try:
            # An empty write proves the database works, so health is good before the first
            # batch (after a restart with nothing new to record there may be none for long).
            await self._write_until_done([])
            while True:
                batch = await consumer.getmany(timeout_ms=500, max_records=self.batch_size)
                records = [r for rs in batch.values() for r in rs]
                if not records:
                    continue
                await self._write_until_done(records)
                await consumer.commit()  # 1
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()
            if self.pool is not None:
                await self.pool.close()

    async def _write_until_done(self, records: list[Any]) -> None:
        delay = 0.5
        while True:
            try:
                await self.write(records)
                if not self.healthy:
                    log.info("recorder writing to PostgreSQL")
                self.healthy = True
                return
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:  # 3
                self.healthy = False
                log.warning("recorder cannot write %d records (%s); retrying in %.1fs",
                            len(records), type(exc).__name__, delay)
                if self.pool is not None:
                    with contextlib.suppress(Exception):
                        self.pool.terminate()
                    self.pool = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
