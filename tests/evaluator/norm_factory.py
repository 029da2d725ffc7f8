"""Build small norm definitions for evaluator tests from YAML, through the real loader."""

from __future__ import annotations

from schemas.norms import NormDefinition, load_text

HEAD = """\
norm: {norm}
version: 1
organisation: teststad
title: {{nl: Test}}
promise: {{nl: Test.}}
method: {{nl: Test.}}
data_source: {{nl: Test.}}
owner: team-test
effective: {{from: 2026-01-01, until: null}}
publish: {{public: true, display: true}}
"""

QUEUE = HEAD + """\
scope: [location, service, desk]
calendar: calendar-days
item:
  start: [nl.servicenorm.queue.ticket.drawn]
  end: [nl.servicenorm.queue.ticket.called]
  cancel: [nl.servicenorm.queue.ticket.cancelled]
  where: {{appointment: false}}
limit: 10m
status: {{debounce: {debounce}, margin: {margin}, stale_after: 30m}}
indicators:
{indicators}
"""

INDICATOR = """\
  - id: {id}
    kind: {kind}
    title: {{nl: {id}}}
    unit: {unit}
    direction: {direction}
    target: {target}
    limit: {limit}
    window: {window}
    periods: [day]
    min_items: {min_items}
"""


def indicator(id: str, kind: str, unit: str, direction: str = "lower-is-better",
              target: float = 7, limit: float = 10, window: str = "60m", min_items: int = 0,
              extra: str = "") -> str:
    return INDICATOR.format(id=id, kind=kind, unit=unit, direction=direction, target=target,
                            limit=limit, window=window, min_items=min_items) + extra


def queue_norm(*indicators: str, norm: str = "balie", debounce: str = "2m",
               margin: float = 2) -> NormDefinition:
    return load_text(QUEUE.format(norm=norm, indicators="".join(indicators),
                                  debounce=debounce, margin=margin), f"{norm}.yaml")


PHONE = HEAD + """\
scope: [line]
calendar: calendar-days
item:
  start: [nl.servicenorm.phone.call.offered]
  end: [nl.servicenorm.phone.call.answered]
  cancel: [nl.servicenorm.phone.call.abandoned]
limit: 30s
indicators:
  - id: opgehangen
    kind: ratio
    title: {{nl: Opgehangen}}
    unit: percent
    direction: lower-is-better
    target: 5
    limit: 10
    window: 60m
    periods: [day]
    min_items: 1
    ratio:
      numerator: [nl.servicenorm.phone.call.abandoned]
      denominator: [nl.servicenorm.phone.call.offered]
"""

REPORTED = HEAD + """\
scope: [location]
calendar: calendar-days
indicators:
  - id: score
    kind: reported
    title: {{nl: Tevredenheid}}
    unit: score
    direction: higher-is-better
    target: 7.5
    limit: 6.5
    window: 60m
    periods: [day]
    min_items: 2
    reported: {{indicator: tevredenheid}}
"""


def phone_norm() -> NormDefinition:
    return load_text(PHONE.format(norm="telefoon"), "telefoon.yaml")


def reported_norm() -> NormDefinition:
    return load_text(REPORTED.format(norm="tevreden"), "tevreden.yaml")
