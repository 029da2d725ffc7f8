"""Evaluator throughput: pre-loaded events through the Faust worker until its lag is zero.

1. Write N simulated queue events to ``<prefix>.events`` with a plain producer.
2. Baseline: a plain aiokafka consumer reads and decodes (``orjson.loads``) them.
3. Start the evaluator and poll its consumer group's committed offsets on
   ``<prefix>.events`` until they reach N; also wait for stage 2's lag on
   ``<prefix>.observations`` to reach zero.

The rate is reported from "evaluator ready" to lag zero, and in steady state
(between the first and the last commit), since Faust commits once a second.
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson
from aiokafka import AIOKafkaConsumer

from bench.context import WIDE_LATENESS, Bench, Result
from bench.events import keyed, queue_events
from bench.kafkautil import GroupLag, end_offsets, partitions, produce
from bench.measure import Sampler
from bench.profile import Profiler
from schemas.topics import topic_names

log = logging.getLogger(__name__)

COMMAND = "python -m bench --only evaluator"


async def baseline(bootstrap: str, topic: str, count: int) -> float:
    """Events per second of a consumer that only decodes."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        tps = await partitions(consumer, topic)
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        seen = 0
        t0 = time.monotonic()
        while seen < count:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for records in batch.values():
                for record in records:
                    orjson.loads(record.value)
                seen += len(records)
        return count / (time.monotonic() - t0)
    finally:
        await consumer.stop()


async def _wait_committed(lag: GroupLag, target: int, timeout: float
                          ) -> list[tuple[float, int]]:
    samples: list[tuple[float, int]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        committed = await lag.committed()
        samples.append((time.monotonic(), committed))
        if committed >= target:
            break
        await asyncio.sleep(0.25)
    return samples


def _steady_rate(samples: list[tuple[float, int]]) -> float | None:
    moving = [(t, c) for t, c in samples if c > 0]
    if len(moving) < 2 or moving[-1][0] == moving[0][0]:
        return None
    return (moving[-1][1] - moving[0][1]) / (moving[-1][0] - moving[0][0])


async def run(bench: Bench) -> Result:
    result = Result("evaluator throughput", COMMAND)
    count = bench.size(200_000, 50_000)
    deployment = bench.deployment("evaluator", WIDE_LATENESS)
    names = topic_names(deployment.prefix)
    bootstrap = bench.cluster.bootstrap
    # 1. Pre-load the events.
    events = queue_events(count)
    t0 = time.monotonic()
    await produce(bootstrap, names.events, keyed(events))
    result.figures["preload_s"] = round(time.monotonic() - t0, 1)
    # 2. The baseline: decode only.
    base = await baseline(bootstrap, names.events, count)
    # 3. The evaluator, from start to zero lag.
    sampler = Sampler({"evaluator": lambda: deployment.pid("evaluator"),
                       "kafka": bench.cluster.kafka_pid})
    with sampler:
        started = time.monotonic()
        deployment.start("evaluator")
        ready_s = await asyncio.to_thread(deployment.wait_ready, "evaluator", 120.0)
        profiler = None
        if bench.profile:
            profiler = Profiler(deployment.pid("evaluator") or 0, 40,
                                bench.profile_path("evaluator"))
        async with GroupLag(bootstrap, deployment.app_id, names.events) as lag:
            samples = await _wait_committed(lag, count, 900.0)
        done = samples[-1][0]
        async with GroupLag(bootstrap, deployment.app_id, names.observations) as obs_lag:
            observations = sum((await end_offsets(bootstrap, names.observations)).values())
            obs_samples = await _wait_committed(obs_lag, observations, 120.0)
        if profiler is not None:
            result.figures["profile"] = profiler.finish()
    result.processes = sampler.summary()
    committed = samples[-1][1]
    measured = done - started - ready_s
    rate = committed / measured if measured > 0 else None
    result.figures.update({
        "events": count, "committed": committed, "observations": observations,
        "observations_committed": obs_samples[-1][1],
        "stage2_lag_zero_after_s": round(obs_samples[-1][0] - done, 2),
        "evaluator_ready_s": round(ready_s, 2), "evaluator_s": round(measured, 1),
        "evaluator_events_per_s": round(rate or 0), "steady_events_per_s":
        round(_steady_rate(samples) or 0), "baseline_events_per_s": round(base),
        "ratio_to_baseline": round((rate or 0) / base, 4),
        "late_messages_logged": deployment.log("evaluator").count("late message"),
    })
    result.target("events/s vs decode-only consumer", ">=", 0.25,
                  result.figures["ratio_to_baseline"])
    result.target("events/s", ">=", 5000, result.figures["evaluator_events_per_s"])
    deployment.stop_all()
    return result
