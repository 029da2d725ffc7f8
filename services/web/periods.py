"""Results per calendar period (month, quarter, year), computed in SQL from recorded items.

These are the figures a municipality is accountable for, so they come from the
recorded observations and facts in PostgreSQL, not from the live stream: the
plain recomputation that can catch a wrong stream rather than repeat it.

* share-within: finished items in the period, and the share that was within
  the limit (the ``within`` flag the evaluator set with the norm's calendar);
* mean: average duration of the finished items, in the indicator's unit
  (only for units of time up to hours: durations of working-day norms are
  wall-clock seconds and would mislead as an average of days);
* reported: average of the reported values;
* ratio: 100 x numerator events / denominator events.

Periods are calendar periods in Europe/Amsterdam. A figure from fewer items
than the indicator's ``min_items`` (and never from none) is not published: the
row says so instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from schemas.norms import IndicatorDefinition, NormDefinition

ZONE = "Europe/Amsterdam"
AMSTERDAM = ZoneInfo(ZONE)
GRAINS = ("month", "quarter", "year")
PERIOD_KINDS = frozenset({"share-within", "mean", "reported", "ratio"})
SECONDS_PER_UNIT = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}

# $1 norms, $2 grain ('month', 'quarter' or 'year'), $3 from, $4 until (timestamptz).
OBSERVATION_PERIODS = """
SELECT norm,
       date_trunc($2, ended_at AT TIME ZONE 'Europe/Amsterdam')::date AS period,
       count(*)                          AS items,
       count(*) FILTER (WHERE within)    AS within_items,
       avg(duration_s)                   AS mean_seconds
FROM observations
WHERE op = 'done' AND norm = ANY($1::text[]) AND ended_at >= $3 AND ended_at < $4
GROUP BY norm, period
ORDER BY norm, period
"""
FACT_PERIODS = """
SELECT norm, indicator, coalesce(role, '') AS role,
       date_trunc($2, at AT TIME ZONE 'Europe/Amsterdam')::date AS period,
       count(*)    AS items,
       avg(value)  AS mean_value
FROM facts
WHERE norm = ANY($1::text[]) AND at >= $3 AND at < $4
GROUP BY norm, indicator, role, period
ORDER BY norm, indicator, period
"""


@dataclass(frozen=True, slots=True)
class Figure:
    """One indicator over one period: ``value`` is None when not publishable."""

    norm: str
    indicator: str
    grain: str
    period: date
    items: int
    value: float | None
    status: str  # green, orange, red, or 'too-few' when below min_items

    def as_dict(self) -> dict[str, Any]:
        return {"norm": self.norm, "indicator": self.indicator, "grain": self.grain,
                "period": self.period.isoformat(), "label": period_label(self.grain, self.period),
                "items": self.items, "value": self.value, "status": self.status}


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """Start of ``year`` and of the next, in Amsterdam time."""
    return (datetime(year, 1, 1, tzinfo=AMSTERDAM), datetime(year + 1, 1, 1, tzinfo=AMSTERDAM))


def period_label(grain: str, start: date) -> str:
    """A language-neutral label: '2026-03', '2026-Q1', '2026'."""
    if grain == "month":
        return f"{start.year}-{start.month:02d}"
    if grain == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def period_indicators(norm: NormDefinition) -> list[IndicatorDefinition]:
    """The indicators of ``norm`` that have calendar-period figures."""
    return [i for i in norm.indicators
            if i.kind in PERIOD_KINDS and any(p in GRAINS for p in i.periods)
            and (i.kind != "mean" or i.unit in SECONDS_PER_UNIT)]


async def figures(connection: Any, norms: Iterable[NormDefinition], year: int
                  ) -> list[Figure]:
    """Every period figure of ``norms`` in ``year``: months, quarters and the year."""
    chosen = {n.norm: n for n in norms}
    start, end = year_bounds(year)
    out: list[Figure] = []
    for grain in GRAINS:
        observed = await connection.fetch(OBSERVATION_PERIODS, list(chosen), grain, start, end)
        counted = await connection.fetch(FACT_PERIODS, list(chosen), grain, start, end)
        out.extend(build_figures(chosen, grain, [dict(r) for r in observed],
                                 [dict(r) for r in counted]))
    return out


def build_figures(norms: Mapping[str, NormDefinition], grain: str,
                  observed: list[dict[str, Any]], counted: list[dict[str, Any]]
                  ) -> list[Figure]:
    """Turn the grouped rows into figures, applying bands and the ``min_items`` floor."""
    facts: dict[tuple[str, str, date], dict[str, dict[str, Any]]] = {}
    for row in counted:
        facts.setdefault((row["norm"], row["indicator"], row["period"]), {})[row["role"]] = row
    out: list[Figure] = []
    for norm_id, norm in norms.items():
        for indicator in period_indicators(norm):
            if grain not in indicator.periods:
                continue
            if indicator.kind in ("share-within", "mean"):
                rows = [r for r in observed if r["norm"] == norm_id]
                out.extend(_from_observations(norm_id, indicator, grain, rows))
            else:
                keys = sorted(k for k in facts if k[0] == norm_id and k[1] == indicator.id)
                out.extend(_from_facts(norm_id, indicator, grain, k[2], facts[k]) for k in keys)
    return out


def _from_observations(norm_id: str, indicator: IndicatorDefinition, grain: str,
                       rows: list[dict[str, Any]]) -> list[Figure]:
    out = []
    for row in rows:
        items = int(row["items"])
        if indicator.kind == "share-within":
            value = 100.0 * int(row["within_items"]) / items if items else None
        else:
            mean = row["mean_seconds"]
            value = None if mean is None else float(mean) / SECONDS_PER_UNIT[indicator.unit]
        out.append(_figure(norm_id, indicator, grain, row["period"], items, value))
    return out


def _from_facts(norm_id: str, indicator: IndicatorDefinition, grain: str, period: date,
                roles: Mapping[str, Mapping[str, Any]]) -> Figure:
    if indicator.kind == "ratio":
        numerator = int((roles.get("numerator") or {}).get("items") or 0)
        items = int((roles.get("denominator") or {}).get("items") or 0)
        value = 100.0 * numerator / items if items else None
    else:
        row = roles.get("") or {}
        items = int(row.get("items") or 0)
        mean = row.get("mean_value")
        value = None if mean is None else float(mean)
    return _figure(norm_id, indicator, grain, period, items, value)


def _figure(norm_id: str, indicator: IndicatorDefinition, grain: str, period: date,
            items: int, value: float | None) -> Figure:
    if value is None or items < max(indicator.min_items, 1):
        return Figure(norm_id, indicator.id, grain, period, items, None, "too-few")
    rounded = round(value, 1)
    return Figure(norm_id, indicator.id, grain, period, items, rounded,
                  indicator.band.colour(rounded))


def current_year() -> int:
    return datetime.now(AMSTERDAM).year
