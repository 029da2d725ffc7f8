"""``servicenorm simulate``: the simulator's command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections import Counter
from datetime import date, datetime

from connectors.sdk import AMSTERDAM, IngestRejected
from connectors.simulator.day import simulate_case_history, simulate_day
from connectors.simulator.runner import (
    CLOCKS,
    DEFAULT_BACKLOG_WEEKS,
    DEFAULT_INGEST,
    DEFAULT_SEED,
    RunSettings,
    plan_days,
    run,
)

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_REFUSED = 1

DESCRIPTION = """\
Simulate a working day at the counters, phone line, mailboxes and back offices of
the fictional municipality Voorbeeldstad, and send the events to the dashboard's
ingest service as they happen.

Visitors draw tickets at two locations (stadhuis, stadswinkel-noord), with and
without an appointment, and wait for a desk; calls come in on 14-0123; e-mails,
letters, web forms and call-back requests arrive and get answered; residents
report broken street lights and rubbish; now and then someone gives a
satisfaction score. The busiest hours are late in the morning and just after
lunch, when walk-ins may wait more than ten minutes. Nothing in the events refers
to a person: every id is made up.

Cases (permits, Wmo provisions, parking permits, complaints, objections) are
received on working days; some are suspended until the application is complete,
some extended, a few withdrawn, most decided in time and some late, and a late
one now and then draws a notice of default, after which a penalty runs. At start
the case backlog of the weeks before the first day is sent, so that the case
lists and the penalty exposure are filled from the first minute.

The same seed and the same start give exactly the same events, ids included.
"""

EPILOG = """\
clocks:
  shifted  the default, for a live demo at any hour: the simulated day is moved so
           that its mid-morning is now; the morning's events are sent at once and
           the rest as they happen, with time stamps around the current time.
           Evenings and weekends are skipped: the next working day starts as soon
           as the counters of the previous one have closed.
  real     events carry the real times of --day (default today). For today the run
           starts now; for another day it starts at that day's opening.

examples:
  servicenorm simulate                         live demo, runs until Ctrl-C
  servicenorm simulate --speed 60              an hour of simulated time per minute
  servicenorm simulate --clock real --day 2026-03-02 --speed 0 --days 5
                                               a working week, as fast as possible
  servicenorm simulate --dry-run --days 1      count one day's events, send nothing
  servicenorm simulate --backlog-weeks 0       no case backlog, only the days played
"""


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date such as 2026-03-02, got {text!r}") from None


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of 0 or more, got {text!r}")
    return value


def _days(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="servicenorm simulate", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ingest", metavar="URL", default=DEFAULT_INGEST,
                        help=f"where to POST the events (default {DEFAULT_INGEST})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"number that fixes the random choices (default {DEFAULT_SEED})")
    parser.add_argument("--speed", type=_speed, default=1.0,
                        help="1 is real time (default), 60 plays an hour per minute, "
                             "0 sends everything without waiting")
    parser.add_argument("--clock", choices=CLOCKS, default="shifted",
                        help="shifted (default) or real; see below")
    parser.add_argument("--day", type=_day, metavar="YYYY-MM-DD",
                        help="first day to simulate (default: today, or the last working "
                             "day on the shifted clock)")
    parser.add_argument("--days", type=_days, default=0,
                        help="how many days to play; 0 (default) keeps going until stopped")
    parser.add_argument("--backlog-weeks", type=_days, default=DEFAULT_BACKLOG_WEEKS,
                        metavar="N",
                        help="send first the cases received in the N weeks before the first "
                             f"day, with their history (default {DEFAULT_BACKLOG_WEEKS}; "
                             "0 for none)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print how many events of each type the days hold; send nothing")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the simulator with command-line arguments; returns the exit status."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    settings = RunSettings(ingest=args.ingest, seed=args.seed, speed=args.speed,
                           clock=args.clock, day=args.day, days=args.days,
                           backlog_weeks=args.backlog_weeks)
    if args.dry_run:
        return _dry_run(settings)
    from schemas.settings import CommonSettings, setup_logging

    setup_logging(CommonSettings.from_env().log_level)
    # httpx logs every request at INFO; the runner's own report per minute is enough.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        asyncio.run(_serve(settings))
    except KeyboardInterrupt:
        log.info("simulator stopped")
    except IngestRejected as exc:
        log.error("stopping: %s", exc)
        return EXIT_REFUSED
    return EXIT_OK


async def _serve(settings: RunSettings) -> None:
    task = asyncio.current_task()
    if task is not None:
        # Stop cleanly (flushing what was accepted) on SIGTERM, as on Ctrl-C.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        await run(settings)
    except asyncio.CancelledError:
        log.info("simulator stopped")


def _dry_run(settings: RunSettings) -> int:
    plans = plan_days(settings, datetime.now(AMSTERDAM))
    totals: Counter[str] = Counter()
    days = settings.days or 1
    for number in range(days):
        plan = next(plans)
        if number == 0 and settings.backlog_weeks:
            backlog = simulate_case_history(plan.day, settings.seed,
                                            weeks=settings.backlog_weeks, shift=plan.shift)
            print(f"case backlog of {settings.backlog_weeks} weeks before {plan.day.isoformat()}: "
                  f"{len(backlog)} events (not in the totals)")
        events = simulate_day(plan.day, settings.seed, shift=plan.shift)
        totals.update(event["type"] for event in events)
        print(f"{plan.day.isoformat()} ({plan.day:%A}): {len(events)} events")
    for kind, count in sorted(totals.items()):
        print(f"  {kind:<45} {count:>7}")
    print(f"  {'total':<45} {sum(totals.values()):>7}  ({sum(totals.values()) / days:.0f} a day)")
    return EXIT_OK
