"""The phone line and the written channels: calls, e-mails, web forms, letters, call-backs.

Calls follow the phone curve and go to a team by menu choice; each team's agents
answer first come, first served, and a caller whose patience runs out hangs up.
Messages arrive along their channel's curve (e-mail and web forms around the
clock, letters when the post room scans them, call-back requests during phone
hours) and are answered after a number of office hours drawn per channel, so
that many are answered the same day and a few miss the norm.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from connectors.simulator import model
from connectors.simulator.queueing import (
    Happening,
    Server,
    Subjects,
    duty_seconds,
    first_ready,
    pick,
    work_seconds,
)
from connectors.simulator.timing import MINUTE, arrivals, clock, daily, is_working_day, lognormal

OFFERED = "nl.servicenorm.phone.call.offered"
ANSWERED = "nl.servicenorm.phone.call.answered"
ABANDONED = "nl.servicenorm.phone.call.abandoned"
RECEIVED = "nl.servicenorm.message.received"
MESSAGE_ANSWERED = "nl.servicenorm.message.answered"

STAGE_START, STAGE_END = range(2)
RING = (2.0, 6.0)
WRAP_UP = (20.0, 60.0)
TALK_SPREAD = 0.6
SHORTEST_PATIENCE = 10.0
TOPIC_SHARE = 0.7   # messages to burgerzaken that name the product they are about


@dataclass(frozen=True, slots=True)
class Call:
    subject: str
    team: str
    offered: float
    answered: float | None
    end: float


def simulate_phone(rng: random.Random, subjects: Subjects) -> list[Call]:
    """Every call to the general number for one working day."""
    agents = {
        team.code: [Server(f"{team.code}-{n}", duty_seconds(shift))
                    for n, shift in enumerate(team.agents, 1)]
        for team in model.PHONE_TEAMS
    }
    teams = [(team, team.share) for team in model.PHONE_TEAMS]
    calls = []
    for offered in arrivals(rng, model.PHONE_CURVE, model.PHONE_CALLS_AT_PEAK_PER_HOUR):
        team = pick(rng, teams)
        patience = max(SHORTEST_PATIENCE, lognormal(rng, model.CALLER_PATIENCE_SECONDS,
                                                     model.CALLER_PATIENCE_SPREAD))
        subject = subjects.new("call")
        found = first_ready(agents[team.code], offered)
        if found is not None:
            agent, free = found
            answered = free + rng.uniform(*RING)
            if answered - offered <= patience:
                talk = lognormal(rng, team.talk_minutes * MINUTE, TALK_SPREAD)
                agent.free_at = answered + talk + rng.uniform(*WRAP_UP)
                calls.append(Call(subject, team.code, offered, answered, answered + talk))
                continue
        # The caller hung up before an agent was free.
        calls.append(Call(subject, team.code, offered, None, offered + patience))
    return calls


def call_happenings(day: date, calls: list[Call]) -> list[Happening]:
    found = []
    line = {"line": model.PHONE_LINE}
    for call in calls:
        found.append(Happening(clock(day, call.offered), STAGE_START, model.TELEPHONY, OFFERED,
                               call.subject, {**line, "team": call.team}))
        if call.answered is None:
            found.append(Happening(clock(day, call.end), STAGE_END, model.TELEPHONY, ABANDONED,
                                   call.subject, dict(line)))
        else:
            found.append(Happening(clock(day, call.answered), STAGE_END, model.TELEPHONY,
                                   ANSWERED, call.subject, {**line, "team": call.team}))
    return found


def simulate_messages(day: date, rng: random.Random, subjects: Subjects) -> list[Happening]:
    """Messages received on ``day`` on every channel, each with its answer."""
    working = is_working_day(day)
    found = []
    for channel in model.CHANNELS:
        per_day = channel.per_working_day if working else channel.per_weekend_day
        for moment in daily(rng, channel.curve, per_day):
            found += _message(day, moment, channel, rng, subjects)
    return found


def _message(day: date, moment: float, channel: model.Channel, rng: random.Random,
             subjects: Subjects) -> list[Happening]:
    team = pick(rng, model.MESSAGE_TEAMS)
    received: dict[str, object] = {"channel": channel.code, "team": team}
    if team == "team-burgerzaken" and rng.random() < TOPIC_SHARE:
        received["service"] = rng.choice(model.BURGERZAKEN_TOPICS)
    subject = subjects.new("msg")
    arrived = clock(day, moment)
    answered = model.OFFICE.after(arrived, work_seconds(rng, channel.delay))
    return [
        Happening(arrived, STAGE_START, model.CONTACT_SYSTEM, RECEIVED, subject, received),
        Happening(answered, STAGE_END, model.CONTACT_SYSTEM, MESSAGE_ANSWERED, subject,
                  {"channel": channel.code, "team": team}),
    ]
