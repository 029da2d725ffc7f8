"""Case deadlines in the evaluator: from the case book to snapshots and status changes.

Pure code between :class:`~services.evaluator.cases.CaseBook` and the worker. Once a
minute the worker asks for the views of today; this module turns them into

* snapshots for the indicators topic, kind ``cases``: counts, the euro exposure,
  compliance per period and the at-risk and overdue lists (sorted by deadline) for
  the organisation, each team and each case type;
* status-change events for every case whose stage changed since the last call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from services.evaluator.cases import (
    CaseBook,
    CaseCounts,
    CaseEvaluation,
    CaseView,
    Period,
    compliance,
)
from services.evaluator.timeutil import AMSTERDAM

LIST_LIMIT = 200
PERIODS = ("month", "quarter", "year")


def cases_status(counts: CaseCounts) -> str:
    """Red when a term has passed or a penalty runs, orange when one is at risk."""
    if counts.overdue or counts.penalty_running or counts.capped:
        return "red"
    if counts.at_risk:
        return "orange"
    return "green" if counts.open else "no-data"


def _listed(views: Iterable[CaseView]) -> list[dict[str, Any]]:
    open_views = sorted((v for v in views if v.is_open), key=lambda v: v.statutory_deadline)
    return [v.to_dict() for v in open_views[:LIST_LIMIT]]


def _snapshot(key: str, scope: dict[str, str], counts: CaseCounts, views: Sequence[CaseView],
              now: datetime, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"scope_key": key, "kind": "cases", "norm": None, "indicator": None,
            "scope": scope, "status": cases_status(counts), "score": None,
            "counts": counts.to_dict(), "exposure_cents": counts.exposure_cents,
            "cases": _listed(views), "updated_at": now.isoformat(timespec="milliseconds"),
            **(extra or {})}


def snapshots(book: CaseBook, evaluation: CaseEvaluation, now: datetime
              ) -> list[dict[str, Any]]:
    """One snapshot for the organisation, one per team and one per case type."""
    today, views, summary = evaluation.today, evaluation.views, evaluation.summary
    shares = {kind: compliance(book, Period.containing(kind, today), today).to_dict()
              for kind in PERIODS}
    result = [_snapshot("cases:organisation", {}, summary.organisation, views, now,
                        {"compliance": shares})]
    for team, counts in sorted(summary.by_team.items()):
        result.append(_snapshot(f"cases:team.{team}", {"team": team}, counts,
                                [v for v in views if v.team == team], now))
    for case_type, counts in sorted(summary.by_case_type.items()):
        result.append(_snapshot(f"cases:case_type.{case_type}", {"case_type": case_type},
                                counts, [v for v in views if v.case_type == case_type], now))
    return result


def now_in_amsterdam(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, AMSTERDAM)
