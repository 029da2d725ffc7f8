"""Case deadlines for supervisors: the Termijnen tile, its drill-down and ``/api/cases``.

The evaluator publishes snapshots of kind ``cases`` on the indicators topic, one for
the organisation (``cases:organisation``), one per team (``cases:team.<team>``) and one
per case type (``cases:case_type.<code>``); the hub holds them like any other. This
module turns them into what a supervisor reads: counts, the money at stake, the
overdue and at-risk lists sorted by statutory deadline with the explanation of each
deadline in the page language, and the shares decided in time per month, quarter and
year. Case-type titles come from the catalogue named by ``SERVICENORM_CASE_TYPES``.

Only logged-in viewers see any of it: the public and display filters pass norm
snapshots only (``Definitions.public_snapshot``, ``display_snapshot``), and the one
route here needs a login.

Departures from the obvious:

1. The evaluator publishes every snapshot of a round with the same ``updated_at``. A
   team or case type that has no cases any more is simply not published again, and
   its last snapshot stays on the compacted topic. So a part whose snapshot is older
   than the organisation's by more than ``STALE_PART_SECONDS`` is left out: its lists
   would show cases decided long ago.
2. Money stays in whole cents until it is shown; euros are written as people in the
   page language write them: '€ 1.442' in Dutch, '€1,442' in English, with a
   no-break space so the sign never ends a line on its own.
3. The lists come from the snapshot's ``cases`` (open cases, at most 200, sorted by
   deadline), so a list can be cut short when many cases are open. The counts come
   from the snapshot's ``counts``, which are complete, and the view says when a list
   is shorter than its count.
4. While a penalty runs, its Awb 4:18 date is not known yet: it depends on the day
   the penalty stops. The view gives the date that applies if no decision comes
   before the cap, as the evaluator computed it (``fix_amount_by_at_cap``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from schemas.casetypes import CaseTypeCatalogue, load_file
from services.web import i18n
from services.web.auth import Account
from services.web.context import BadParameter, format_number, problem, web_of
from services.web.periods import AMSTERDAM

log = logging.getLogger(__name__)

Snapshot = Mapping[str, Any]
Translate = Callable[..., str]

ORGANISATION_KEY = "cases:organisation"
LEVELS = ("team", "case_type")
PERIODS = ("month", "quarter", "year")
STALE_PART_SECONDS = 600.0
"""A part this much older than the organisation snapshot is no longer published (1)."""
MAX_SCOPE_VALUE = 100
_SCOPE = re.compile(r"(team|case_type)\.([^\x00-\x1f\x7f]+)")
_OVERDUE = "overdue"
_AT_RISK = "at-risk"
_STAGE_STATUS = {"at-risk": "orange", "overdue": "red", "notice-received": "red",
                 "penalty-running": "red", "capped": "red", "on-track": "green"}


# -- formatting --------------------------------------------------------------------------------


def format_euros(cents: int | None, lang: str) -> str:
    """An amount in cents as people write it (2): '€ 1.442', '€ 12,50'; '€1,442' in English."""
    if cents is None:
        return "\u2013"
    euros, rest = divmod(abs(cents), 100)
    whole = format_number(euros, lang, digits=0)
    decimal = "," if lang == "nl" else "."
    amount = f"{whole}{decimal}{rest:02d}" if rest else whole
    sign = "-" if cents < 0 else ""
    return f"\u20ac\u00a0{sign}{amount}" if lang == "nl" else f"{sign}\u20ac{amount}"


def format_day(value: str | date | None, t: Translate) -> str:
    """A day with its weekday: 'di 28 april 2026', 'Tue 28 April 2026'."""
    if value is None:
        return "\u2013"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return t("cases.day", weekday=t(f"weekday.{day.weekday()}"), day=day.day,
             month=t(f"month.{day.month}"), year=day.year)


def format_share(shares: Mapping[str, Any], which: str, lang: str, t: Translate) -> str:
    """'87,5% (7 van 8)', or 'geen besluiten' for a period without decisions."""
    decided = shares.get("decided") or 0
    share = shares.get(f"{which}_share")
    if not decided or share is None:
        return t("cases.no_decisions")
    return t("cases.share", share=format_number(share, lang) + "%",
             within=shares.get(f"within_{which}", 0), decided=decided)


def _moment(iso: str | None, t: Translate) -> str:
    if not iso:
        return t("live.not_yet")
    moment = datetime.fromisoformat(iso).astimezone(AMSTERDAM)
    return t("cases.moment", day=format_day(moment.date(), t), time=moment.strftime("%H:%M"))


# -- case-type titles --------------------------------------------------------------------------


@cache
def catalogue(path: str) -> CaseTypeCatalogue | None:
    """The case-type catalogue at ``path``, read once; None (and a warning) when unusable."""
    if not path:
        return None
    try:
        return load_file(Path(path))
    except (OSError, ValueError) as exc:  # DefinitionError is a ValueError
        log.warning("case-type titles unavailable: %s cannot be read (%s); showing codes",
                    path, type(exc).__name__)
        return None


def case_type_title(code: str, lang: str, path: str) -> str:
    found = catalogue(path)
    definition = found.get(code) if found is not None else None
    return definition.title.get(lang) if definition is not None else code


# -- reading the hub's state -------------------------------------------------------------------


def scope_key(level: str | None, value: str | None) -> str:
    return f"cases:{level}.{value}" if level and value else ORGANISATION_KEY


def _age(snapshot: Snapshot) -> float:
    try:
        return datetime.fromisoformat(str(snapshot.get("updated_at"))).timestamp()
    except ValueError:
        return 0.0


def current_parts(state: Mapping[str, Snapshot]) -> dict[str, dict[str, Snapshot]]:
    """Team and case-type snapshots of the evaluator's latest rounds, by level and value (1)."""
    organisation = state.get(ORGANISATION_KEY)
    newest = _age(organisation) if organisation else 0.0
    parts: dict[str, dict[str, Snapshot]] = {level: {} for level in LEVELS}
    for key, snapshot in state.items():
        if snapshot.get("kind") != "cases" or key == ORGANISATION_KEY:
            continue
        scope = snapshot.get("scope") or {}
        if len(scope) != 1:
            continue
        (level, value), = scope.items()
        if level in parts and _age(snapshot) >= newest - STALE_PART_SECONDS:
            parts[level][str(value)] = snapshot
    return parts


def tile(state: Mapping[str, Snapshot], lang: str) -> dict[str, Any]:
    """Status, counts and exposure of the organisation as text, for the tile's first paint
    (the script keeps them live); dashes while no snapshot has come in."""
    snapshot = state.get(ORGANISATION_KEY)
    if snapshot is None:
        return {"status": "no-data", "at_risk": "\u2013", "overdue": "\u2013",
                "penalty_running": "\u2013", "exposure_text": "\u2013"}
    counts = snapshot.get("counts") or {}
    return {"status": snapshot.get("status", "no-data"),
            "at_risk": str(counts.get("at_risk", 0)), "overdue": str(counts.get("overdue", 0)),
            "penalty_running": str(counts.get("penalty_running", 0)),
            "exposure_text": format_euros(int(snapshot.get("exposure_cents") or 0), lang)}


# -- the drill-down ----------------------------------------------------------------------------


def days_left_text(days: int, t: Translate) -> str:
    if days == 0:
        return t("cases.days.today")
    if days > 0:
        return t("cases.days.left_one") if days == 1 else t("cases.days.left_many", n=days)
    late = -days
    return t("cases.days.late_one") if late == 1 else t("cases.days.late_many", n=late)


def penalty_lines(case: Snapshot, lang: str, t: Translate) -> list[str]:
    """What stands about the notice of default and the penalty, in short sentences."""
    notice = case.get("notice_received_on")
    owed = case.get("penalty")
    if notice is None:
        return [t("cases.penalty.no_notice")] if case.get("state") == _OVERDUE else []
    lines = [t("cases.penalty.notice", date=format_day(notice, t))]
    if owed is None:
        return [*lines, t("cases.penalty.not_applicable")]
    if owed.get("notice_premature"):
        lines.append(t("cases.penalty.premature"))
    state = owed.get("state")
    first, cap = owed.get("first_penalty_day"), owed.get("cap_day")
    amount = format_euros(owed.get("amount_cents", 0), lang)
    if state == "not-started":
        lines.append(t("cases.penalty.starts", date=format_day(first, t)))
    elif state == "running":
        lines.append(t("cases.penalty.running", n=owed.get("day_number", 0),
                       max=_max_days(owed), amount=amount))
        at_cap = owed.get("fix_amount_by_at_cap")
        if cap and at_cap:
            # Departure 4: the 4:18 date if the penalty runs to its cap.
            lines.append(t("cases.penalty.until", date=format_day(cap, t),
                           fix=format_day(at_cap, t)))
    elif state == "capped":
        lines.append(t("cases.penalty.capped", max=_max_days(owed), amount=amount))
        fix_by = owed.get("fix_amount_by")
        passed = bool(fix_by and case.get("today") and str(case["today"]) > str(fix_by))
        key = "cases.penalty.fix_by_passed" if passed else "cases.penalty.fix_by"
        lines.append(t(key, date=format_day(fix_by, t)))
    return lines


def _max_days(owed: Snapshot) -> int:
    first, cap = owed.get("first_penalty_day"), owed.get("cap_day")
    if not first or not cap:
        return 42
    return (date.fromisoformat(cap) - date.fromisoformat(first)).days + 1


def case_row(case: Snapshot, lang: str, t: Translate, catalogue_path: str) -> dict[str, Any]:
    """One open case as the table shows it; texts in ``lang``, dates in words."""
    statutory = case.get("statutory") or {}
    stage = str(case.get("stage") or case.get("state") or "")
    owed = case.get("penalty")
    days = int(case.get("working_days_left") or 0)
    return {
        "case_id": case.get("case_id"), "case_type": case.get("case_type"),
        "case_type_title": case_type_title(str(case.get("case_type")), lang, catalogue_path),
        "team": case.get("team"), "state": case.get("state"), "stage": stage,
        "status": _STAGE_STATUS.get(stage, "no-data"),
        "stage_text": t(f"cases.stage.{stage}") if stage in _STAGE_STATUS else stage,
        "received_on": case.get("received_on"),
        "received_text": t("cases.received", date=format_day(case.get("received_on"), t)),
        "deadline": statutory.get("deadline"),
        "deadline_text": format_day(statutory.get("deadline"), t),
        "explanation": [str(step.get(f"text_{lang}") or step.get("text_nl") or "")
                        for step in statutory.get("steps") or []],
        "working_days_left": days, "working_days_text": days_left_text(days, t),
        "suspended": bool(case.get("suspended")),
        "extension_weeks": int(case.get("extension_weeks") or 0),
        "notice_received_on": case.get("notice_received_on"),
        "penalty": None if owed is None else {
            "state": owed.get("state"), "day_number": owed.get("day_number", 0),
            "max_days": _max_days(owed), "amount_cents": owed.get("amount_cents", 0),
            "amount_text": format_euros(owed.get("amount_cents", 0), lang),
            "capped": owed.get("state") == "capped",
            "first_penalty_day": owed.get("first_penalty_day"),
            "cap_day": owed.get("cap_day"), "fix_amount_by": owed.get("fix_amount_by")},
        "penalty_lines": penalty_lines(case, lang, t),
    }


def _by_deadline(case: Snapshot) -> tuple[str, str]:
    return str((case.get("statutory") or {}).get("deadline") or "9999"), str(case.get("case_id"))


def compliance_rows(organisation: Snapshot, level: str | None, value: str | None, lang: str,
                    t: Translate) -> list[dict[str, Any]]:
    """Shares decided within the statutory term and the service norm, per period."""
    rows = []
    for kind in PERIODS:
        block = (organisation.get("compliance") or {}).get(kind)
        if not block:
            continue
        if level is None:
            shares = block.get("organisation") or {}
        else:
            shares = (block.get(f"by_{level}") or {}).get(value) or {}
        rows.append({
            "period": kind, "label": _period_label(block.get("period") or {}, kind, t),
            "decided": shares.get("decided", 0),
            "statutory_share": shares.get("statutory_share"),
            "service_norm_share": shares.get("service_norm_share"),
            "statutory_text": format_share(shares, "statutory", lang, t),
            "service_norm_text": format_share(shares, "service_norm", lang, t)})
    return rows


def _period_label(period: Mapping[str, Any], kind: str, t: Translate) -> str:
    start = period.get("start")
    if not start:
        return str(period.get("label", kind))
    day = date.fromisoformat(start)
    if kind == "year":
        return t("period.year", year=day.year)
    if kind == "quarter":
        return t("period.quarter", n=(day.month - 1) // 3 + 1, year=day.year)
    return f"{t(f'month.{day.month}')} {day.year}"


def view(state: Mapping[str, Snapshot], level: str | None, value: str | None, lang: str,
         catalogue_path: str) -> dict[str, Any] | None:
    """The drill-down for the organisation, one team or one case type; None for an
    unknown (or no longer published) part."""
    t = i18n.translator(lang)
    organisation = state.get(ORGANISATION_KEY)
    parts = current_parts(state)
    if level is None:
        snapshot = organisation
    else:
        snapshot = parts[level].get(value or "")
        if snapshot is None:
            return None
    filters = {
        "team": sorted(({"value": v, "label": v} for v in parts["team"]),
                       key=lambda f: f["label"]),
        "case_type": sorted(({"value": v, "label": case_type_title(v, lang, catalogue_path)}
                             for v in parts["case_type"]), key=lambda f: f["label"].lower()),
    }
    if snapshot is None:
        return {"available": False, "scope": {}, "scope_key": ORGANISATION_KEY,
                "status": "no-data", "filters": filters, "lists": {"overdue": [], "at_risk": []},
                "counts": {}, "exposure_cents": 0, "exposure_text": format_euros(0, lang),
                "compliance": [], "updated_at": None, "updated_text": t("live.not_yet")}
    counts = snapshot.get("counts") or {}
    listed = sorted(snapshot.get("cases") or [], key=_by_deadline)
    lists = {
        "overdue": [case_row(c, lang, t, catalogue_path) for c in listed
                    if c.get("state") == _OVERDUE],
        "at_risk": [case_row(c, lang, t, catalogue_path) for c in listed
                    if c.get("state") == _AT_RISK],
    }
    exposure = int(snapshot.get("exposure_cents") or 0)
    return {
        "available": True, "scope": dict(snapshot.get("scope") or {}),
        "scope_key": snapshot.get("scope_key"), "status": snapshot.get("status", "no-data"),
        "filters": filters, "counts": dict(counts),
        "exposure_cents": exposure, "exposure_text": format_euros(exposure, lang),
        "lists": lists,
        "complete": {"overdue": len(lists["overdue"]) >= (counts.get("overdue") or 0),
                     "at_risk": len(lists["at_risk"]) >= (counts.get("at_risk") or 0)},
        "compliance": compliance_rows(organisation or {}, level, value, lang, t),
        "updated_at": snapshot.get("updated_at"),
        "updated_text": _moment(snapshot.get("updated_at"), t),
    }


def scope_param(request: Request) -> tuple[str | None, str | None]:
    """``scope``: empty for the organisation, 'team.<team>' or 'case_type.<code>'."""
    raw = request.query_params.get("scope", "")
    if not raw:
        return None, None
    match = _SCOPE.fullmatch(raw)
    if match is None or len(match[2]) > MAX_SCOPE_VALUE:
        raise BadParameter("scope", f"must be empty, 'team.<team>' or 'case_type.<code>', "
                                    f"got {raw[:60]!r}")
    return match[1], match[2]


# -- route -------------------------------------------------------------------------------------


async def cases_api(request: Request) -> Response:
    web = web_of(request)
    guard = await web.require(request, "viewer", api=True)
    if not isinstance(guard, Account):
        return guard
    level, value = scope_param(request)
    lang = i18n.language_of(request.scope)
    found = view(web.hub.state, level, value, lang, web.settings.case_types)
    if found is None:
        return problem(404, f"no current case snapshot for {level} {value!r}")
    return JSONResponse(found, headers={"Cache-Control": "no-store"})


routes = [Route("/api/cases", cases_api)]
