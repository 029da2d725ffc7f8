"""Voorbeeldstad as the simulator sees it: locations, desks, services, teams and day curves.

Everything here is data. The numbers are chosen so that a working day looks
like a mid-sized Dutch municipality on a dashboard: 5 to 20 counter visitors per
location per hour, a walk-in queue that is quiet in the morning and runs past
ten minutes after the lunch break, a phone line that is mostly answered within
seconds, and e-mails of which a good share is answered the same day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from connectors.simulator.timing import DayCurve, OfficeHours

ORGANISATION = "voorbeeldstad"
SOURCE_ROOT = f"/{ORGANISATION}"

# Sources: one per simulated system, as a real deployment would have.
QUEUE_SYSTEM = "wachtrij"
TELEPHONY = "telefonie"
CONTACT_SYSTEM = "klantcontact"
REPORTS_SYSTEM = "meldingen"
SURVEY_TOOL = "enquete"
CASE_SYSTEM = "zaken"

OFFICE = OfficeHours(time(8, 30), time(17, 0))

Window = tuple[time, time]


@dataclass(frozen=True, slots=True)
class CounterService:
    """A product at the counter; weights are its share of walk-ins and of appointments."""

    code: str
    minutes: float
    walk_in_weight: float
    appointment_weight: float


SERVICES = (
    CounterService("afhalen-document", 3.0, 0.38, 0.00),
    CounterService("uittreksel-brp", 4.0, 0.17, 0.05),
    CounterService("verhuizing", 6.0, 0.15, 0.10),
    CounterService("paspoort", 11.0, 0.09, 0.35),
    CounterService("id-kaart", 9.0, 0.09, 0.25),
    CounterService("rijbewijs", 8.0, 0.07, 0.15),
    CounterService("aangifte-geboorte", 10.0, 0.05, 0.10),
)
SERVICE_TIME_SPREAD = 0.45


@dataclass(frozen=True, slots=True)
class Desk:
    code: str
    for_appointments: bool
    duty: tuple[Window, ...]


@dataclass(frozen=True, slots=True)
class Location:
    code: str
    opens: time
    closes: time
    walk_ins_at_peak_per_hour: float
    desks: tuple[Desk, ...]
    appointment_hours: tuple[Window, ...]


def _duty(*windows: tuple[int, int, int, int]) -> tuple[Window, ...]:
    return tuple((time(h0, m0), time(h1, m1)) for h0, m0, h1, m1 in windows)


# A desk keeps serving whoever is still waiting after closing time, until this late.
AFTER_CLOSING = time(18, 30)

LOCATIONS = (
    Location(
        code="stadhuis", opens=time(8, 30), closes=time(17, 0),
        walk_ins_at_peak_per_hour=13.0,
        desks=(
            Desk("balie-1", True, _duty((8, 30, 12, 0), (12, 45, 18, 30))),
            Desk("balie-2", True, _duty((8, 30, 12, 30), (13, 15, 18, 30))),
            Desk("balie-3", False, _duty((8, 30, 12, 0), (12, 45, 18, 30))),
            Desk("balie-4", False, _duty((8, 30, 12, 45), (13, 30, 18, 30))),
            Desk("balie-5", False, _duty((10, 30, 12, 15), (14, 30, 16, 0))),
        ),
        appointment_hours=_duty((8, 30, 12, 0), (13, 15, 16, 45)),
    ),
    Location(
        code="stadswinkel-noord", opens=time(9, 0), closes=time(16, 30),
        walk_ins_at_peak_per_hour=9.0,
        desks=(
            Desk("balie-1", True, _duty((9, 0, 12, 30), (13, 15, 18, 0))),
            Desk("balie-2", False, _duty((9, 0, 12, 15), (13, 0, 18, 0))),
            Desk("balie-3", False, _duty((10, 0, 13, 0), (13, 45, 15, 30))),
        ),
        appointment_hours=_duty((9, 0, 12, 15), (13, 15, 16, 15)),
    ),
)

# Walk-ins: quiet at opening, a peak late in the morning, a dip at lunch, a second
# peak after lunch, tailing off towards closing.
WALK_IN_CURVE = DayCurve((
    (8.5, 0.45), (9.0, 0.6), (10.0, 0.85), (11.0, 1.0), (11.75, 1.0), (12.25, 0.65),
    (12.75, 0.6), (13.5, 0.9), (14.25, 1.0), (15.0, 0.75), (16.0, 0.5), (17.0, 0.3),
))

APPOINTMENT_MINUTES = 15
APPOINTMENT_BOOKED_SHARE = 0.85
APPOINTMENT_NO_SHOW_SHARE = 0.06

# --- telephone ------------------------------------------------------------------------------

PHONE_LINE = "14-0123"
PHONE_CALLS_AT_PEAK_PER_HOUR = 60.0
PHONE_CURVE = DayCurve((
    (8.5, 0.7), (9.0, 1.0), (10.0, 1.0), (11.0, 0.85), (12.0, 0.6), (12.5, 0.5),
    (13.0, 0.7), (13.5, 0.85), (14.5, 0.75), (16.0, 0.5), (17.0, 0.35),
))


@dataclass(frozen=True, slots=True)
class PhoneTeam:
    """A choice in the phone menu, answered by its own agents."""

    code: str
    share: float
    talk_minutes: float
    agents: tuple[tuple[Window, ...], ...]


_FULL_DAY = _duty((8, 30, 17, 15))
_EARLY_LUNCH = _duty((8, 30, 12, 0), (12, 45, 17, 15))
_LATE_LUNCH = _duty((8, 30, 12, 45), (13, 30, 17, 15))

PHONE_TEAMS = (
    PhoneTeam("team-burgerzaken", 0.45, 4.0,
              (_EARLY_LUNCH, _LATE_LUNCH, _EARLY_LUNCH, _duty((9, 0, 13, 0)))),
    PhoneTeam("team-belastingen", 0.20, 4.5, (_EARLY_LUNCH, _LATE_LUNCH)),
    PhoneTeam("team-zorg-en-welzijn", 0.20, 6.0, (_FULL_DAY, _EARLY_LUNCH, _LATE_LUNCH)),
    PhoneTeam("team-openbare-ruimte", 0.15, 3.0, (_EARLY_LUNCH, _LATE_LUNCH)),
)
CALLER_PATIENCE_SECONDS = 150.0
CALLER_PATIENCE_SPREAD = 0.8

# --- messages: e-mail, web form, letter, call-back request -----------------------------------

# Handling delay as a mixture of (share, from, to) in office hours of work.
Delay = tuple[tuple[float, float, float], ...]

ONLINE_CURVE = DayCurve((
    (0.0, 0.05), (6.0, 0.05), (8.0, 0.6), (10.0, 1.0), (13.0, 0.9), (16.0, 0.8),
    (18.0, 0.55), (21.0, 0.45), (23.0, 0.15), (24.0, 0.05),
))
POST_ROOM_CURVE = DayCurve(((9.5, 1.0), (11.5, 1.0)))


@dataclass(frozen=True, slots=True)
class Channel:
    code: str
    per_working_day: float
    per_weekend_day: float
    curve: DayCurve
    delay: Delay


CHANNELS = (
    Channel("email", 70, 25, ONLINE_CURVE,
            ((0.60, 0.1, 3.0), (0.25, 3.0, 12.0), (0.11, 12.0, 17.0), (0.04, 17.0, 45.0))),
    Channel("webform", 30, 12, ONLINE_CURVE,
            ((0.60, 0.1, 3.0), (0.27, 3.0, 12.0), (0.10, 12.0, 17.0), (0.03, 17.0, 40.0))),
    Channel("callback", 30, 0, PHONE_CURVE,
            ((0.60, 0.1, 3.0), (0.30, 3.0, 10.0), (0.10, 10.0, 20.0))),
    Channel("letter", 12, 0, POST_ROOM_CURVE,
            ((0.20, 20.0, 60.0), (0.60, 60.0, 120.0), (0.15, 120.0, 135.0),
             (0.05, 135.0, 220.0))),
)

MESSAGE_TEAMS = (
    ("team-klantcontact", 0.50), ("team-burgerzaken", 0.25),
    ("team-belastingen", 0.15), ("team-zorg-en-welzijn", 0.10),
)
BURGERZAKEN_TOPICS = ("paspoort", "id-kaart", "verhuizing", "uittreksel-brp", "rijbewijs")

# --- public-space reports (meldingen openbare ruimte) ----------------------------------------


@dataclass(frozen=True, slots=True)
class ReportCategory:
    code: str
    weight: float
    team: str
    delay: Delay


REPORTS_PER_WORKING_DAY = 45
REPORTS_PER_WEEKEND_DAY = 25
REPORT_CATEGORIES = (
    ReportCategory("afval", 0.25, "team-afval",
                   ((0.5, 0.5, 6.0), (0.4, 6.0, 20.0), (0.1, 20.0, 45.0))),
    ReportCategory("zwerfvuil", 0.13, "team-afval",
                   ((0.4, 1.0, 8.0), (0.5, 8.0, 25.0), (0.1, 25.0, 60.0))),
    ReportCategory("straatverlichting", 0.12, "team-openbare-ruimte",
                   ((0.2, 1.0, 8.0), (0.6, 8.0, 60.0), (0.2, 60.0, 120.0))),
    ReportCategory("groen", 0.18, "team-openbare-ruimte",
                   ((0.2, 2.0, 17.0), (0.6, 17.0, 80.0), (0.2, 80.0, 170.0))),
    ReportCategory("wegen", 0.15, "team-openbare-ruimte",
                   ((0.3, 2.0, 17.0), (0.5, 17.0, 85.0), (0.2, 85.0, 170.0))),
    ReportCategory("riolering", 0.05, "team-openbare-ruimte",
                   ((0.6, 0.5, 8.0), (0.4, 8.0, 40.0))),
    ReportCategory("overlast", 0.12, "team-handhaving",
                   ((0.5, 0.5, 8.0), (0.5, 8.0, 40.0))),
)
AREAS = ("centrum", "noord", "oost", "zuid", "west")

# --- satisfaction survey --------------------------------------------------------------------

SATISFACTION = "tevredenheid"
COUNTER_SURVEY_SHARE = 0.12
PHONE_SURVEY_SHARE = 0.04
# Relative frequency of the scores 1 to 10.
SCORE_WEIGHTS = (1, 1, 1, 2, 4, 7, 15, 22, 17, 9)

# --- cases ---------------------------------------------------------------------------------

# A mixture of (share, from, to): a share of the draws falls uniformly between from and to.
Mixture = tuple[tuple[float, float, float], ...]


@dataclass(frozen=True, slots=True)
class CaseType:
    """A case type as the case system knows it, and how its cases tend to go.

    ``team``, ``term_weeks``, ``max_extension_weeks`` (None: no fixed maximum) and
    ``dwangsom`` agree with the case-type catalogue
    (``deploy/charter/case-types/voorbeeldstad.yaml``); the rest is Voorbeeldstad's
    practice. ``complete_share`` is None for case types without a completeness check;
    ``decided_at`` gives, for cases decided in time, the fraction of the term that has
    run at the decision; ``notice_share`` is the share of late cases whose applicant
    sends a notice of default.
    """

    code: str
    team: str
    per_working_day: float
    term_weeks: int
    max_extension_weeks: int | None
    dwangsom: bool
    complete_share: float | None
    extended_share: float
    withdrawn_share: float
    late_share: float
    notice_share: float
    decided_at: Mixture


CASE_TYPES = (
    CaseType("omgevingsvergunning", "team-vergunningen", 2.0, 8, 6, True, 0.7,
             0.15, 0.04, 0.10, 0.50, ((0.50, 0.40, 0.75), (0.35, 0.75, 0.95),
                                      (0.15, 0.95, 1.00))),
    CaseType("wmo-maatwerkvoorziening", "team-zorg-en-welzijn", 2.5, 2, None, True, 0.85,
             0.08, 0.03, 0.15, 0.25, ((0.50, 0.30, 0.80), (0.50, 0.80, 1.00))),
    CaseType("parkeervergunning", "team-publiekszaken", 1.5, 8, None, True, 0.9,
             0.00, 0.03, 0.01, 0.20, ((0.80, 0.01, 0.18), (0.20, 0.18, 0.40))),
    CaseType("uittreksel-brp", "team-publiekszaken", 0.8, 8, 0, False, None,
             0.00, 0.01, 0.00, 0.00, ((0.85, 0.01, 0.06), (0.15, 0.06, 0.12))),
    CaseType("klacht", "team-klachtbehandeling", 0.6, 6, 4, False, None,
             0.15, 0.08, 0.10, 0.00, ((0.60, 0.40, 0.85), (0.40, 0.85, 1.00))),
    CaseType("klacht-externe-commissie", "team-klachtbehandeling", 0.1, 10, 4, False, None,
             0.25, 0.05, 0.10, 0.00, ((0.50, 0.50, 0.85), (0.50, 0.85, 1.00))),
    CaseType("bezwaar", "team-juridische-zaken", 0.8, 6, 6, True, None,
             0.30, 0.12, 0.15, 0.60, ((0.40, 0.50, 0.85), (0.60, 0.85, 1.00))),
    CaseType("bezwaar-adviescommissie", "team-juridische-zaken", 0.5, 12, 6, True, None,
             0.35, 0.10, 0.15, 0.60, ((0.40, 0.60, 0.90), (0.60, 0.90, 1.00))),
)

# How a case moves, in days, the same for every case type.
REQUEST_TO_COMPLETE_WORKING_DAYS = (1, 5)   # after receipt
DAYS_TO_COMPLETE = (7, 28)                  # from the first suspended day
EXTENSION_ANNOUNCED_DAYS_BEFORE = (5, 21)   # before the term ends
FULL_EXTENSION_SHARE = 0.7                  # the rest takes less than the maximum
OPEN_EXTENSION_WEEKS = (2, 4)               # where the law sets no maximum
WITHDRAWN_AT = (0.1, 0.8)                   # fraction of the term
DAYS_LATE: Mixture = ((0.55, 1, 10), (0.35, 10, 30), (0.10, 30, 60))
NOTICE_DAYS_AFTER_DEADLINE = (8, 28)
# After a notice: decided before the penalty starts (two weeks), while it runs, or after
# its 42 days have passed.
DAYS_FROM_NOTICE_TO_DECISION: Mixture = ((0.25, 2, 12), (0.50, 16, 54), (0.25, 60, 100))
