"""A replayed day: the stream's figures for the day equal SQL over the recorded observations.

A simulated working day is posted to ingest; the evaluator runs on event time, so
"today" is the simulated day. When the recorder has written every observation, each
indicator of each norm is recomputed in SQL for the day and compared with the
stream's value, at the organisation and at the first drill-down level.
"""

from __future__ import annotations

import asyncio
import math
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import orjson
import pytest

from connectors.simulator.day import simulate_day
from schemas.norms import load_folder

pytestmark = pytest.mark.integration

AMS = ZoneInfo("Europe/Amsterdam")
DAY = date(2026, 3, 3)  # a Tuesday
CHARTER_KINDS = {"share-within", "mean", "maximum", "count", "open-count"}
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "percent": 1,
                "count": 1}

# The figures of one norm for one day, plain: per first-level scope value and in total.
DAY_FIGURES = """
SELECT scope->>$4 AS node,
       count(*) FILTER (WHERE op = 'done')                          AS done,
       100.0 * avg(within::int) FILTER (WHERE op = 'done')          AS share,
       avg(duration_s) FILTER (WHERE op = 'done')                   AS mean_s,
       max(duration_s) FILTER (WHERE op = 'done')                   AS max_s,
       count(*) FILTER (WHERE op = 'open')                          AS open,
       count(*) FILTER (WHERE op = 'open' AND started_at >= $2)     AS open_today
FROM observations
WHERE norm = $1
  AND ((op = 'done' AND ended_at >= $2 AND ended_at < $3) OR op = 'open')
GROUP BY ROLLUP (scope->>$4)
"""
COUNT_OBSERVATIONS = "SELECT count(*) FROM observations"


def day_events() -> list[dict[str, Any]]:
    end = datetime(DAY.year, DAY.month, DAY.day, tzinfo=AMS) + timedelta(days=1)
    # Answers that fall on later days are left out: the replay is of one day.
    return [e for e in simulate_day(DAY, seed=7) if datetime.fromisoformat(e["time"]) < end]


@pytest.fixture(scope="module")
def replayed(product: Any) -> Any:
    product.start("ingest")
    product.start("web")
    product.start("evaluator", extra_env={"SERVICENORM_EVALUATOR_CLOCK": "event",
                                          "SERVICENORM_EVALUATOR_ALLOWED_LATENESS_SECONDS":
                                              str(2 * 86400),
                                          # Finished items leave the item table at once:
                                          # the figures must not depend on them.
                                          "SERVICENORM_EVALUATOR_ITEM_RETENTION_SECONDS": "0"})
    product.wait_ready("ingest")
    product.wait_ready("evaluator")
    events = day_events()
    with httpx.Client(timeout=60) as client:
        for start in range(0, len(events), 500):
            response = client.post(product.url("ingest", "/events"),
                                   content=orjson.dumps(events[start:start + 500]),
                                   headers={"content-type": "application/cloudevents-batch+json"})
            assert response.status_code == 202, response.text
    return product, len(events)


def expected_value(kind: str, unit: str, row: asyncpg.Record) -> float | None:
    if kind == "share-within":
        return None if row["done"] == 0 else float(row["share"])
    if kind == "mean":
        return None if row["done"] == 0 else row["mean_s"] / UNIT_SECONDS[unit]
    if kind == "maximum":
        return None if row["done"] == 0 else row["max_s"] / UNIT_SECONDS[unit]
    if kind == "count":
        return float(row["done"] + row["open_today"])
    return float(row["open"])


async def stream_today(product: Any) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        response = await client.get(product.url("web", "/api/status"), auth=product.basic_auth)
        assert response.status_code == 200, response.text
        items = response.json()["items"]
    return {i["scope_key"]: i for i in items}


async def compare(product: Any, connection: asyncpg.Connection) -> tuple[float, int, list[str]]:
    start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=AMS)
    end = start + timedelta(days=1)
    snapshots = await stream_today(product)
    largest, compared, mismatches = 0.0, 0, []
    for norm in load_folder(product_charter()):
        if norm.item is None or not norm.scope:
            continue
        level = norm.scope[0]
        rows = await connection.fetch(DAY_FIGURES, norm.norm, start, end, level)
        for row in rows:
            node = "" if row["node"] is None else f":{level}.{row['node']}"
            for indicator in norm.indicators:
                if indicator.kind not in CHARTER_KINDS:
                    continue
                want = expected_value(indicator.kind, indicator.unit, row)
                snapshot = snapshots.get(f"indicator:{norm.norm}:{indicator.id}{node}")
                got = None if snapshot is None else snapshot["today"]["value"]
                compared += 1
                if want is None or got is None:
                    if want != got and not (want == 0 and got is None):
                        mismatches.append(f"{norm.norm}/{indicator.id}{node}: {got} != {want}"
                                          f" ({snapshot})")
                    continue
                difference = abs(got - want)
                largest = max(largest, difference)
                if not math.isclose(got, want, abs_tol=0.0006):
                    mismatches.append(f"{norm.norm}/{indicator.id}{node}: {got} != {want}")
    return largest, compared, mismatches


def product_charter() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "deploy" / "charter" / "voorbeeldstad"


async def test_day_figures_equal_sql_recomputation(replayed: Any) -> None:
    product, sent = replayed
    assert sent > 1000, "the simulated day is too small to mean much"
    connection = await asyncpg.connect(product.dsn)
    try:
        deadline = time.monotonic() + 150
        result: tuple[float, int, list[str]] = (0.0, 0, ["nothing compared yet"])
        while time.monotonic() < deadline:
            await asyncio.sleep(3)
            if await connection.fetchval(COUNT_OBSERVATIONS) == 0:
                continue
            result = await compare(product, connection)
            if not result[2] and result[1] > 0:
                break
        largest, compared, mismatches = result
        print(f"\nreplayed day {DAY}: {sent} events, {compared} figures compared, "
              f"largest difference {largest:.6f}")
        assert compared >= 20
        if mismatches:
            on_topic = await _indicator_topic(product)
            mismatches += [f"on topic: {k} -> {v}" for k, v in on_topic.items()
                           if "afspraak:binnen-norm:location.stadhuis" in k]
            mismatches.append(product.log("evaluator")[-3000:])
        assert not mismatches, "\n".join(mismatches[:40])
    finally:
        await connection.close()


async def _indicator_topic(product: Any) -> dict[str, Any]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(f"{product.prefix}.indicators",
                                bootstrap_servers=product.infra.kafka.bootstrap,
                                group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    found: dict[str, Any] = {}
    try:
        batch = await consumer.getmany(timeout_ms=5000, max_records=100000)
        for records in batch.values():
            for record in records:
                value = orjson.loads(record.value)
                found[value["scope_key"]] = (value["updated_at"], value.get("today"))
    finally:
        await consumer.stop()
    return found
