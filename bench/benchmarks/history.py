"""History: the trend query over a month of per-minute indicator values.

A fresh database gets a month of minutes (43,200 rows) for a few scope keys in
``indicator_minutes``, written with COPY, plus a day for many other keys, as
the recorder would have left them. The query is the trend a page would draw:
one scope key, one month, averaged per hour. Baselines in the same run: a
round trip (``SELECT 1``) and fetching the month's rows without aggregating.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime, timedelta

import asyncpg

from bench.context import Bench, Result
from bench.measure import Latency, Sampler

log = logging.getLogger(__name__)

COMMAND = "python -m bench --only history"
MINUTES_PER_MONTH = 30 * 24 * 60
COLUMNS = ("scope_key", "minute", "norm", "indicator", "status", "value", "count",
           "today_value", "today_count")

TREND_QUERY = """
SELECT date_trunc('hour', minute) AS hour,
       avg(value) AS value,
       max(count) AS count,
       count(*) FILTER (WHERE status = 'red') AS red_minutes
FROM indicator_minutes
WHERE scope_key = $1 AND minute >= $2 AND minute < $3
GROUP BY 1
ORDER BY 1
"""
RAW_QUERY = """
SELECT minute, value FROM indicator_minutes
WHERE scope_key = $1 AND minute >= $2 AND minute < $3
ORDER BY minute
"""
ROUND_TRIP = "SELECT 1"


def _rows(key: str, start: datetime, minutes: int, rng: random.Random):  # type: ignore[no-untyped-def]
    norm, indicator = key.split(":")[1:3]
    for m in range(minutes):
        value = 80 + 20 * rng.random()
        status = "green" if value > 90 else ("orange" if value > 85 else "red")
        yield (key, start + timedelta(minutes=m), norm, indicator, status, value,
               rng.randint(0, 50), value, rng.randint(0, 500))


async def _fill(connection: asyncpg.Connection, keys: list[str], others: list[str],
                start: datetime) -> int:
    rng = random.Random(42)
    total = 0
    for key in keys:
        rows = list(_rows(key, start, MINUTES_PER_MONTH, rng))
        await connection.copy_records_to_table("indicator_minutes", records=rows,
                                               columns=COLUMNS)
        total += len(rows)
    day_start = start + timedelta(days=29)
    for key in others:
        rows = list(_rows(key, day_start, 24 * 60, rng))
        await connection.copy_records_to_table("indicator_minutes", records=rows,
                                               columns=COLUMNS)
        total += len(rows)
    await connection.execute("ANALYZE indicator_minutes")
    return total


async def _time(connection: asyncpg.Connection, query: str, args_for, runs: int  # type: ignore[no-untyped-def]
                ) -> tuple[Latency, int]:
    latency, rows = Latency(), 0
    for n in range(runs):
        args = args_for(n)
        t0 = time.monotonic()
        found = await connection.fetch(query, *args)
        latency.record(time.monotonic() - t0)
        rows = len(found)
    return latency, rows


async def run(bench: Bench) -> Result:
    result = Result("history trend query", COMMAND)
    deployment = bench.deployment("history")
    keys = [f"indicator:balie-wachttijd-inloop:binnen-norm:location.loc{i}" for i in range(5)]
    others = [f"indicator:email-beantwoording:binnen-termijn:team.t{i}" for i in range(40)]
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    start = end - timedelta(minutes=MINUTES_PER_MONTH)
    runs = bench.size(400, 100)
    connection = await asyncpg.connect(deployment.dsn)
    sampler = Sampler({"postgres": bench.cluster.postgres_pid})
    try:
        t0 = time.monotonic()
        rows = await _fill(connection, keys, others, start)
        fill_s = time.monotonic() - t0
        plan = "\n".join(r[0] for r in await connection.fetch(
            "EXPLAIN (ANALYZE, BUFFERS) " + TREND_QUERY, keys[0], start, end))
        with sampler:
            trend, hours = await _time(connection, TREND_QUERY,
                                       lambda n: (keys[n % len(keys)], start, end), runs)
            raw, raw_rows = await _time(connection, RAW_QUERY,
                                        lambda n: (keys[n % len(keys)], start, end), runs)
            trip, _ = await _time(connection, ROUND_TRIP, lambda n: (), runs)
    finally:
        await connection.close()
    result.processes = sampler.summary()
    result.figures.update({
        "rows": rows, "fill_s": round(fill_s, 1), "fill_rows_per_s": round(rows / fill_s),
        "queries": runs, "hours_returned": hours, "raw_rows_returned": raw_rows,
        "trend": trend.summary(), "trend_p50_ms": trend.percentile_ms(50),
        "trend_p95_ms": trend.percentile_ms(95), "raw_month_p95_ms": raw.percentile_ms(95),
        "round_trip_p95_ms": trip.percentile_ms(95), "plan": plan,
    })
    result.target("trend query p95 ms (one key, one month, per hour)", "<=", 50,
                  result.figures["trend_p95_ms"])
    deployment.stop_all()
    return result
