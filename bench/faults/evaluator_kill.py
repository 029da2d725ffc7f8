"""``evaluator-kill``: SIGKILL the evaluator while events flow, restart it, count the damage.

1. Start the evaluator and the web (whose recorder writes observations to
   PostgreSQL), then produce N simulated queue events straight to the events
   topic at a fixed rate.
2. While they flow, SIGKILL the evaluator K times, evenly spread, and start it
   again at once; time restart -> "evaluator ready" in its log, and restart ->
   its group committing again (processing resumed).
3. When the evaluator's lag is zero, compare today's value and count of every
   queue indicator (from the compacted indicators topic) and the recorded
   observations with a plain recomputation from the events sent.

Lost events show as counts below the recomputation, double counts as counts
above it (at the organisation level of the walk-in norm's visitor count and the
appointment norm's share-within count), and as missing or surplus rows.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from typing import Any

from bench import recompute
from bench.context import WIDE_LATENESS, Result
from bench.events import keyed, queue_events
from bench.faults.common import indicator_state, recorded_observations, settle, wait_lag_zero
from bench.kafkautil import GroupLag, producer
from bench.load import open_loop
from bench.measure import Sampler
from bench.stack import Cluster, Deployment
from schemas.topics import topic_names

log = logging.getLogger(__name__)

TICKS_PER_S = 10
WALK_IN_VISITORS = "indicator:balie-wachttijd-inloop:bezoekers"
APPOINTMENT_SHARE = "indicator:balie-wachttijd-afspraak:binnen-norm"


async def _kill_and_restart(deployment: Deployment, events_topic: str) -> dict[str, Any]:
    before = deployment.ready_count()
    deployment.stop("evaluator", sig=signal.SIGKILL)
    t0 = time.monotonic()
    deployment.start("evaluator", extra_env=WIDE_LATENESS)
    ready = await asyncio.to_thread(deployment.wait_ready, "evaluator", 180.0, before + 1)
    async with GroupLag(deployment.cluster.bootstrap, deployment.app_id, events_topic) as lag:
        start = await lag.committed()
        resumed = None
        while time.monotonic() - t0 < 180:
            if await lag.committed() > start:
                resumed = time.monotonic() - t0
                break
            await asyncio.sleep(0.2)
    log.info("evaluator restarted: ready after %.1fs, committing again after %s s", ready,
             resumed)
    return {"ready_s": round(ready, 2), "committing_again_s":
            None if resumed is None else round(resumed, 2)}


async def _produce(deployment: Deployment, records: list[tuple[bytes, bytes]],
                   rate: float) -> float:
    client = producer(deployment.cluster.bootstrap)
    topic = topic_names(deployment.prefix).events
    per_tick = max(1, int(rate / TICKS_PER_S))
    await client.start()

    async def tick(n: int) -> None:
        chunk = records[n * per_tick:(n + 1) * per_tick]
        futures = [await client.send(topic, value, key=key) for key, value in chunk]
        await asyncio.gather(*futures)

    try:
        duration = len(records) / per_tick / TICKS_PER_S
        await open_loop(TICKS_PER_S, duration, tick, drain_timeout=120)
        return duration
    finally:
        await client.stop()


async def run(cluster: Cluster, smoke: bool = False) -> Result:
    result = Result("evaluator-kill", "python -m bench.faults evaluator-kill"
                    + (" --smoke" if smoke else ""))
    count, kills, rate = (5_000, 1, 500.0) if smoke else (100_000, 3, 1000.0)
    deployment = Deployment(cluster, "kill", WIDE_LATENESS).setup()
    names = topic_names(deployment.prefix)
    try:
        # 1. Services up, events flowing.
        deployment.start("evaluator")
        deployment.start("web")
        await asyncio.to_thread(deployment.wait_ready, "evaluator")
        await asyncio.to_thread(deployment.wait_ready, "web")
        events = queue_events(count, seed=20_000)
        sampler = Sampler({"evaluator": lambda: deployment.pid("evaluator"),
                           "web": lambda: deployment.pid("web"), "kafka": cluster.kafka_pid})
        with sampler:
            flow = asyncio.create_task(_produce(deployment, keyed(events), rate))
            # 2. Kill and restart, evenly spread over the flow.
            restarts = []
            duration = count / rate
            for k in range(kills):
                await asyncio.sleep(duration / (kills + 1) if k == 0 else
                                    max(0.0, duration / (kills + 1) - restarts[-1]["ready_s"]))
                restarts.append(await _kill_and_restart(deployment, names.events))
            await flow
            # 3. Drain, then compare with the recomputation.
            drained = await wait_lag_zero(deployment, names.events, 600)
            await wait_lag_zero(deployment, names.observations, 120)
        result.processes = sampler.summary()
        want = recompute.expected(events)

        async def indicators_match() -> tuple[bool, Any]:
            state = await indicator_state(deployment)
            report = recompute.compare_indicators(want, state)
            return report["mismatched"] == 0, (report, state)

        settled_s, (indicators, state) = await settle(indicators_match, 45)

        async def rows_match() -> tuple[bool, Any]:
            report = recompute.compare_rows(want, await recorded_observations(deployment.dsn))
            return report["missing"] + report["wrong_op"] + report["extra"] == 0, report

        recorded_s, rows = await settle(rows_match, 90)
        visitors = recompute.lost_and_double(want, state, WALK_IN_VISITORS)
        share = recompute.lost_and_double(want, state, APPOINTMENT_SHARE)
        result.figures.update({
            "events": count, "rate_per_s": rate, "kills": kills, "restarts": restarts,
            "restart_to_ready_s_max": max(r["ready_s"] for r in restarts),
            "restart_to_committing_s_max": max((r["committing_again_s"] or 1e9)
                                               for r in restarts),
            "drained_after_flow_s": None if drained is None else round(drained, 1),
            "indicators": indicators, "indicator_keys_mismatched": indicators["mismatched"],
            "walk_in_visitors_today": visitors, "appointment_items_today": share,
            "lost_events": visitors["lost"] + share["lost"],
            "double_counts": visitors["double"] + share["double"],
            "indicators_settled_s": settled_s, "observations": rows,
            "observation_rows_missing": rows["missing"] + rows["wrong_op"],
            "observation_rows_extra": rows["extra"], "recorder_settled_s": recorded_s,
            "late_messages_logged": deployment.log("evaluator").count("late message"),
        })
        result.target("lost events", "<=", 0, result.figures["lost_events"])
        result.target("double counts", "<=", 0, result.figures["double_counts"])
        result.target("indicator keys off the recomputation", "<=", 0,
                      indicators["mismatched"])
        result.target("observation rows missing or wrong", "<=", 0,
                      result.figures["observation_rows_missing"])
    finally:
        deployment.stop_all()
    return result
