"""From ZGW zaken to our case events, and from zaaktypen to case-type entries (pure code).

Which field of a zaak becomes which event:

- ``startdatum`` (or ``registratiedatum``, by setting) → ``case.received``, with the
  case type from the zaaktype's ``identificatie`` and the team from the case-type file;
- ``opschorting.indicatie`` turning true → ``case.suspended``, false again →
  ``case.resumed``; ``opschorting.reden`` only chooses the reason code;
- ``verlenging.duur`` → ``case.extended`` in whole weeks;
- ``einddatum`` → ``case.decided``.

Departures from the obvious, numbered so the code can point back:

1. A zaak says *whether* it is suspended, not since when. The dates come from the
   status history: a suspension starts the day after the last status set before it
   was seen (the request to complete is sent with a status; Awb 4:15 suspends from
   the next day), never before the day after the zaak was last seen running; it ends
   on the day of the first status set after it started. Without a usable status the
   day it was seen is used. Seen late, a suspension is then counted shorter than it
   was, which makes the deadline earlier: the safe side.
2. ``verlenging.duur`` is an ISO 8601 duration; the Zaken API describes it as days.
   Days are read as calendar days and rounded up to whole weeks (the Awb extends by
   weeks); a duration in months or years, zero or negative is not sent.
3. Free text is never copied: ``omschrijving``, ``toelichting``, ``opschorting.reden``,
   ``verlenging.reden``, ``identificatie`` and everything about people stay out. The
   reason of a suspension is only matched against a few Dutch words to pick one of
   the reason codes, and dropped when none fits.
4. The case id is the zaak's ``uuid``: random, so it says nothing about a person,
   and the back office can still find the zaak.
5. Each planned event has a key (``received:2026-03-02:omgevingsvergunning``,
   ``suspended:2026-03-11``...) from which its id is derived, so that sending it again
   is harmless. A correction (another received date, another extension) has another
   key, and carries the time it was seen, later than the original's, so that the case
   book takes it as the correction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from connectors.sdk import AMSTERDAM
from schemas.casetypes import CaseTypeDefinition

RECEIVED = "nl.servicenorm.case.received"
SUSPENDED = "nl.servicenorm.case.suspended"
RESUMED = "nl.servicenorm.case.resumed"
EXTENDED = "nl.servicenorm.case.extended"
DECIDED = "nl.servicenorm.case.decided"
NOTICE = "nl.servicenorm.case.default-notice.received"

RECEIVED_FIELDS = ("startdatum", "registratiedatum")
DAYS_PER_WEEK = 7
MONTHS_PER_YEAR = 12
MAX_EXTENSION_WEEKS = 52
_ONE_DAY = timedelta(days=1)

_DURATION = re.compile(
    r"(?P<sign>-)?P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?")
_REASON_WORDS = (
    ("incomplete", ("aanvull", "ontbre", "onvolledig", "incompleet")),
    ("force-majeure", ("overmacht",)),
    ("agreed", ("instemming", "akkoord", "op verzoek")),
    ("applicant-delay", ("vertraging",)),
)


class ZaakError(ValueError):
    """A zaak lacks what the mapping needs. Not retriable: the zaak is skipped."""


# -- Durations ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Duration:
    """An ISO 8601 duration as the ZGW APIs write it ('P56D', 'P8W', 'P3M')."""

    negative: bool
    years: int
    months: int
    weeks: int
    days: int
    has_time: bool

    @property
    def total_months(self) -> int:
        return self.years * MONTHS_PER_YEAR + self.months

    @property
    def calendar_days(self) -> int | None:
        """Weeks and days as days; None when months or years make the length vary."""
        if self.total_months:
            return None
        return self.weeks * DAYS_PER_WEEK + self.days


def parse_duration(text: str) -> Duration:
    match = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if match is None or text in ("P", "-P") or text.endswith("T"):
        raise ValueError(f"expected an ISO 8601 duration such as 'P56D' or 'P8W', got {text!r}")
    part = {name: int(match[name] or 0) for name in ("years", "months", "weeks", "days")}
    has_time = any(match[name] and float(match[name]) for name in ("hours", "minutes", "seconds"))
    return Duration(bool(match["sign"]), has_time=bool(has_time), **part)


def term_from_duration(text: str) -> str:
    """A term for the case-type file: 'P56D' and 'P8W' give '8w', 'P30D' '30d', 'P3M' '3mo'."""
    duration = parse_duration(text)
    days = duration.calendar_days
    if duration.negative or duration.has_time or (days is not None and days < 1):
        raise ValueError(f"expected a positive duration in days, weeks, months or years, "
                         f"got {text!r}")
    if days is None:
        if duration.weeks or duration.days:
            raise ValueError(f"expected months or days, not both, got {text!r}")
        return f"{duration.total_months}mo"
    return f"{days // DAYS_PER_WEEK}w" if days % DAYS_PER_WEEK == 0 else f"{days}d"


def extension_weeks(text: str) -> int | None:
    """Whole weeks of a ``verlenging.duur`` (departure 2); None when it cannot be sent."""
    try:
        duration = parse_duration(text)
    except ValueError:
        return None
    days = duration.calendar_days
    if duration.negative or days is None or days < 1:
        return None
    return min(math.ceil(days / DAYS_PER_WEEK), MAX_EXTENSION_WEEKS)


def reason_code(text: object) -> str | None:
    """One of our suspension reason codes, guessed from Dutch words (departure 3)."""
    if not isinstance(text, str):
        return None
    lowered = text.lower()
    for code, words in _REASON_WORDS:
        if any(word in lowered for word in words):
            return code
    return None


# -- A zaak, without its free text -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZaakFacts:
    """What the mapping uses of a zaak; no free text (departure 3)."""

    url: str
    case_id: str
    zaaktype: str
    received_on: date
    closed_on: date | None
    suspended: bool
    suspension_reason: str | None
    extension_weeks: int | None
    extension_duration: str | None = None


def _date(zaak: Mapping[str, Any], name: str) -> date | None:
    value = zaak.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ZaakError(f"zaak {zaak.get('url')!r}: `{name}` must be a date such as "
                        f"2026-03-02, got {value!r}") from None


def zaak_facts(zaak: Mapping[str, Any], received_from: str = "startdatum") -> ZaakFacts:
    """The parts of a Zaken API zaak that become events."""
    if received_from not in RECEIVED_FIELDS:
        raise ValueError(f"received_from must be one of {RECEIVED_FIELDS}, got {received_from!r}")
    url, zaaktype = zaak.get("url"), zaak.get("zaaktype")
    if not isinstance(url, str) or not isinstance(zaaktype, str):
        raise ZaakError(f"a zaak needs `url` and `zaaktype`, got url={url!r}")
    received_on = _date(zaak, received_from) or _date(zaak, "startdatum")
    if received_on is None:
        raise ZaakError(f"zaak {url!r} has no {received_from}")
    opschorting = zaak.get("opschorting") or {}
    verlenging = zaak.get("verlenging") or {}
    duur = verlenging.get("duur")
    return ZaakFacts(
        url=url,
        case_id=str(zaak.get("uuid") or url.rstrip("/").rsplit("/", 1)[-1]),
        zaaktype=zaaktype,
        received_on=received_on,
        closed_on=_date(zaak, "einddatum"),
        suspended=opschorting.get("indicatie") is True,
        suspension_reason=reason_code(opschorting.get("reden")),
        extension_weeks=extension_weeks(duur) if isinstance(duur, str) and duur else None,
        extension_duration=duur if isinstance(duur, str) and duur else None,
    )


# -- What was already seen and sent, per zaak --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Observed:
    """The connector's memory of one zaak (kept in the cursor file)."""

    sent: frozenset[str] = frozenset()
    suspended_since: date | None = None
    running_on: date | None = None
    """The last day the zaak was seen not suspended."""

    def to_dict(self) -> dict[str, Any]:
        return {"sent": sorted(self.sent),
                "suspended_since": _iso(self.suspended_since),
                "running_on": _iso(self.running_on)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Observed:
        return cls(frozenset(data.get("sent", ())), _parse(data.get("suspended_since")),
                   _parse(data.get("running_on")))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _parse(text: object) -> date | None:
    return date.fromisoformat(text) if isinstance(text, str) else None


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """One event to send: its type, case, moment, data, and the key its id comes from."""

    type: str
    subject: str
    time: datetime
    data: Mapping[str, Any]
    key: str


@dataclass(frozen=True, slots=True)
class Plan:
    events: tuple[PlannedEvent, ...]
    observed: Observed
    warnings: tuple[str, ...] = field(default=())


def needs_status_history(facts: ZaakFacts, observed: Observed) -> bool:
    """Only a change of suspension needs the dates of the status history (departure 1)."""
    if facts.closed_on is not None:
        return False
    return facts.suspended != (observed.suspended_since is not None)


def plan(facts: ZaakFacts, case_type: CaseTypeDefinition, observed: Observed,
         status_days: Sequence[date], now: datetime) -> Plan:
    """The events not yet sent for this zaak, and what to remember of it."""
    today = now.astimezone(AMSTERDAM).date()
    events: list[PlannedEvent] = []
    warnings: list[str] = []
    state = observed

    # 1. Receipt, under this case type
    key = f"received:{facts.received_on.isoformat()}:{case_type.code}"
    events.append(_event(RECEIVED, facts, key, _moment(facts.received_on, state, "received", now),
                         {"case_type": case_type.code, "team": case_type.team,
                          "received_on": facts.received_on.isoformat()}))

    # 2. Suspension and resumption, dated from the status history
    if facts.closed_on is None:
        state, found = _suspension(facts, state, sorted(status_days), today, now)
        events += found

    # 3. Extension in whole weeks
    if facts.extension_weeks is not None:
        events.append(_event(EXTENDED, facts, f"extended:{facts.extension_weeks}", now,
                             {"weeks": facts.extension_weeks}))
    elif facts.extension_duration is not None:
        warnings.append(f"zaak {facts.case_id}: verlenging.duur {facts.extension_duration!r} "
                        "is not a positive number of days or weeks; no extension sent")

    # 4. Decision
    if facts.closed_on is not None:
        day = facts.closed_on.isoformat()
        events.append(_event(DECIDED, facts, f"decided:{day}",
                             _moment(facts.closed_on, state, "decided", now), {"decided_on": day}))

    fresh = tuple(e for e in events if e.key not in state.sent)
    state = replace(state, sent=state.sent | {e.key for e in fresh})
    return Plan(fresh, state, tuple(warnings))


def _moment(day: date, observed: Observed, kind: str, now: datetime) -> datetime:
    """Start of ``day``; the time seen for a correction of an earlier one (departure 5)."""
    if any(key.startswith(kind + ":") for key in observed.sent):
        return now
    return datetime.combine(day, time(0), AMSTERDAM)


def _suspension(facts: ZaakFacts, observed: Observed, status_days: Sequence[date],
                today: date, now: datetime) -> tuple[Observed, list[PlannedEvent]]:
    if facts.suspended and observed.suspended_since is None:
        start = _suspension_start(facts, observed, status_days, today)
        data: dict[str, Any] = {"from_date": start.isoformat()}
        if facts.suspension_reason:
            data["reason"] = facts.suspension_reason
        event = _event(SUSPENDED, facts, f"suspended:{start.isoformat()}", now, data)
        return replace(observed, suspended_since=start), [event]
    if not facts.suspended and observed.suspended_since is not None:
        since = observed.suspended_since
        after = [day for day in status_days if day >= since]
        end = max(after[0] if after else today, since)
        event = _event(RESUMED, facts, f"resumed:{end.isoformat()}", now,
                       {"on_date": end.isoformat()})
        return replace(observed, suspended_since=None, running_on=today), [event]
    if not facts.suspended:
        return replace(observed, running_on=today), []
    return observed, []


def _suspension_start(facts: ZaakFacts, observed: Observed, status_days: Sequence[date],
                      today: date) -> date:
    earliest = max(facts.received_on, observed.running_on or facts.received_on) + _ONE_DAY
    before = [day for day in status_days if day <= today]
    start = before[-1] + _ONE_DAY if before else today
    return max(start, earliest)


def _event(kind: str, facts: ZaakFacts, key: str, moment: datetime,
           data: Mapping[str, Any]) -> PlannedEvent:
    return PlannedEvent(kind, facts.case_id, moment, dict(data), key)


# -- Zaaktypen as case-type entries ------------------------------------------------------------


def case_type_entry(zaaktype: Mapping[str, Any]) -> dict[str, Any]:
    """A draft entry for the case-type file from a Catalogi API zaaktype.

    ``doorlooptijd`` becomes the statutory term, ``servicenorm`` the service norm (the
    statutory term when absent), ``verlengingMogelijk`` and ``verlengingstermijn`` the
    maximum extension. Team, legal basis and dwangsom cannot be read from a zaaktype and
    are placeholders to check.
    """
    identificatie = str(zaaktype.get("identificatie") or "")
    statutory = term_from_duration(str(zaaktype.get("doorlooptijd")))
    norm = zaaktype.get("servicenorm")
    title = str(zaaktype.get("omschrijving") or identificatie)[:120] or identificatie
    return {
        "code": _code(identificatie),
        "title": {"nl": title, "en": title},
        "statutory_term": statutory,
        "service_norm": term_from_duration(norm) if norm else statutory,
        "max_extension_weeks": _max_extension(zaaktype),
        "legal_basis": "te controleren",
        "dwangsom": str(zaaktype.get("handelingInitiator", "")).lower() == "aanvragen",
        "team": "team-onbekend",
        "zgw_zaaktypen": [identificatie],
    }


def _max_extension(zaaktype: Mapping[str, Any]) -> int | None:
    if zaaktype.get("verlengingMogelijk") is not True:
        return 0
    termijn = zaaktype.get("verlengingstermijn")
    return extension_weeks(termijn) if isinstance(termijn, str) else None


def _code(identificatie: str) -> str:
    code = re.sub(r"[^a-z0-9]+", "-", identificatie.lower()).strip("-")[:64]
    return code or "zaaktype"
