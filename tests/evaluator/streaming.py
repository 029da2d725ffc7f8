"""Drive the evaluator's pure stages (pairing, then the engine) without Kafka."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from schemas.norms import NormDefinition
from services.evaluator.calendars import WorkingDayCalendar
from services.evaluator.engine import Engine
from services.evaluator.pairing import process

AMS = ZoneInfo("Europe/Amsterdam")


def at(text: str) -> datetime:
    """'2026-03-02 10:05' in Amsterdam time."""
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


def event(type_: str, subject: str, when: datetime, source: str = "/test",
          id_: str | None = None, **data: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": id_ or uuid.uuid4().hex, "source": source,
            "type": f"nl.servicenorm.{type_}", "time": when.isoformat(), "subject": subject,
            "data": data}


def run(norms: Iterable[NormDefinition], events: Iterable[Mapping[str, Any]], now: datetime,
        engine: Engine | None = None) -> dict[str, dict[str, Any]]:
    """Every snapshot the engine emits after seeing ``events`` in the given order."""
    norms = list(norms)
    engine = engine or Engine(allowed_lateness=10 * 24 * 3600)
    for norm in norms:
        engine.set_definition(norm)
    calendars = {n.norm: WorkingDayCalendar() for n in norms}
    states: dict[str, Any] = {}
    for e in events:
        states[e["subject"]], messages = process(norms, e["subject"], states.get(e["subject"]),
                                                 e, calendars)
        for message in messages:
            engine.apply(message, now.timestamp(), now.timestamp())
    output = engine.tick(now.timestamp(), everything=True)
    return {s["scope_key"]: s for s in output.snapshots}
