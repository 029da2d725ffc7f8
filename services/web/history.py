"""Trend graphs and open items for the supervisor dashboard, read from PostgreSQL.

The recorder keeps the last snapshot of each minute per scope key in
``indicator_minutes``. A graph of a year at minute resolution would be half a
million points, so longer ranges are averaged into buckets server-side with
``date_bin``: every range comes back as at most about 800 points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.web.periods import AMSTERDAM

# $1 scope key, $2 bucket width, $3 from, $4 until.
TREND = """
SELECT date_bin($2::interval, minute, $3::timestamptz) AS bucket,
       avg(value)  AS value,
       max(count)  AS count,
       count(*)    AS minutes
FROM indicator_minutes
WHERE scope_key = $1 AND minute >= $3 AND minute < $4 AND value IS NOT NULL
GROUP BY bucket
ORDER BY bucket
"""
# $1 norm, $2 scope (jsonb the item's scope must contain), $3 how many.
OPEN_ITEMS = """
SELECT started_at, scope
FROM observations
WHERE op = 'open' AND norm = $1 AND scope @> $2::jsonb
ORDER BY started_at
LIMIT $3
"""
OPEN_COUNT = """
SELECT count(*) AS open, min(started_at) AS oldest
FROM observations
WHERE op = 'open' AND norm = $1 AND scope @> $2::jsonb
"""


@dataclass(frozen=True, slots=True)
class Range:
    name: str
    bucket: timedelta


RANGES = {
    "today": Range("today", timedelta(minutes=2)),
    "7d": Range("7d", timedelta(minutes=15)),
    "month": Range("month", timedelta(hours=1)),
    "quarter": Range("quarter", timedelta(hours=3)),
    "year": Range("year", timedelta(hours=12)),
}


def bounds(range_name: str, now: datetime) -> tuple[datetime, datetime]:
    """Start and end of a named range ending now; 'today' starts at Amsterdam midnight."""
    local = now.astimezone(AMSTERDAM)
    if range_name == "today":
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        days = {"7d": 7, "month": 31, "quarter": 92, "year": 366}[range_name]
        start = local - timedelta(days=days)
    return start, now + timedelta(minutes=1)


async def trend(connection: Any, scope_key: str, range_name: str, now: datetime
                ) -> dict[str, Any]:
    """Points of one scope key over a named range, bucketed for that range."""
    chosen = RANGES[range_name]
    start, end = bounds(range_name, now)
    rows = await connection.fetch(TREND, scope_key, chosen.bucket, start, end)
    return {
        "scope_key": scope_key, "range": range_name,
        "bucket_seconds": int(chosen.bucket.total_seconds()),
        "from": start.isoformat(), "until": end.isoformat(),
        "points": [[r["bucket"].timestamp(), _round(r["value"]), r["count"]] for r in rows],
    }


async def open_items(connection: Any, norm: str, scope: dict[str, str], limit: int,
                     now: datetime) -> dict[str, Any]:
    """How many items are open behind a norm at a scope, and the oldest ones' ages.

    Item ids are left out: they are opaque, but a supervisor needs the age and
    where, not the id, and less is shown than could be.
    """
    import orjson

    scope_json = orjson.dumps(scope).decode()
    summary = await connection.fetchrow(OPEN_COUNT, norm, scope_json)
    rows = await connection.fetch(OPEN_ITEMS, norm, scope_json, limit)
    items = []
    for row in rows:
        item_scope = row["scope"]
        if isinstance(item_scope, str):
            item_scope = orjson.loads(item_scope)
        items.append({"started_at": row["started_at"].isoformat(),
                      "age_seconds": max(0, int((now - row["started_at"]).total_seconds())),
                      "scope": item_scope})
    oldest = summary["oldest"]
    return {"norm": norm, "scope": scope, "open": summary["open"],
            "oldest_age_seconds": None if oldest is None
            else max(0, int((now - oldest).total_seconds())),
            "items": items}


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)
