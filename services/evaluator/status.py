"""Status of indicators, norms and locations: bands, debounce and roll-up (pure code).

Statuses: ``green``, ``orange``, ``red`` from the bands of the norm card, plus
``no-data`` (too few items to judge) and ``stale`` (no news for too long). The
last two are never shown as green.

Departures from the obvious:

1. A colour change is shown only after it held for the debounce time, unless the
   value crossed the band edge by at least the margin: small wobbles around an
   edge do not flap, a clear jump shows at once.
2. Changes to and from ``no-data`` and ``stale`` are shown at once: hiding that
   data stopped would show an old green.
3. A roll-up takes the worst of its parts, where ``no-data`` parts are ignored
   unless every part is ``no-data``: one quiet desk does not hide a red one.
4. A norm whose headline indicator (its first, the promise itself) has no data is
   ``no-data``, not green, even when a side indicator is green: "no letter is
   overdue" does not show that the promise is kept. A side indicator that is
   orange, red or stale still shows, since it is a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemas.norms import Band, IndicatorDefinition, StatusRules

GREEN, ORANGE, RED, NO_DATA, STALE = "green", "orange", "red", "no-data", "stale"
COLOURS = (GREEN, ORANGE, RED)
# Higher is worse; used for roll-ups (3).
SEVERITY = {NO_DATA: 0, GREEN: 1, STALE: 2, ORANGE: 3, RED: 4}


@dataclass(frozen=True, slots=True)
class Judgement:
    status: str
    score: float | None


def judge(indicator: IndicatorDefinition, value: float | None, count: int,
          stale: bool) -> Judgement:
    """The raw status of one measurement, before debounce."""
    if stale:
        return Judgement(STALE, None)
    needs_items = indicator.kind not in ("open-count", "open-oldest", "open-over-limit", "count")
    if value is None or (needs_items and count < indicator.min_items):
        return Judgement(NO_DATA, None)
    return Judgement(indicator.band.colour(value), indicator.band.score(value))


def margin_crossed(band: Band, value: float, colour: str, margin: float) -> bool:
    """Did ``value`` pass the edge into ``colour`` by at least ``margin``?"""
    sign = 1.0 if band.direction == "higher-is-better" else -1.0
    if colour == GREEN:
        return sign * (value - band.target) >= margin
    if colour == RED:
        return sign * (band.limit - value) >= margin
    # Orange lies between the edges: count the distance to the nearer one.
    return min(sign * (band.target - value), sign * (value - band.limit)) >= margin


@dataclass(slots=True)
class Tracker:
    """The status shown for one scope key, with its pending candidate (1)."""

    shown: str | None = None
    previous: str | None = None
    since: float = 0.0
    candidate: str | None = None
    candidate_since: float = 0.0

    def update(self, raw: str, value: float | None, band: Band | None, rules: StatusRules,
               now: float) -> bool:
        """Feed the raw status; True when the shown status changed (``previous`` holds the old)."""
        if raw == self.shown:
            self.candidate = None
            return False
        immediate = (
            self.shown is None
            or raw in (NO_DATA, STALE) or self.shown in (NO_DATA, STALE)  # 2
            or (band is not None and value is not None
                and margin_crossed(band, value, raw, rules.margin))
        )
        if not immediate:
            if self.candidate != raw:
                self.candidate, self.candidate_since = raw, now
            if now - self.candidate_since < rules.debounce_seconds:
                return False
        self.previous = self.shown
        self.shown, self.since, self.candidate = raw, now, None
        return True


def worst(statuses: Iterable[str]) -> str:
    """Roll-up of several statuses (3)."""
    parts = list(statuses)
    with_data = [s for s in parts if s != NO_DATA]
    if not with_data:
        return NO_DATA
    return max(with_data, key=SEVERITY.__getitem__)


def norm_status(indicator_statuses: list[str]) -> str:
    """Roll-up of a norm's indicators, the headline (first) one leading (3, 4)."""
    overall = worst(indicator_statuses)
    if indicator_statuses and indicator_statuses[0] == NO_DATA and overall == GREEN:
        return NO_DATA
    return overall
