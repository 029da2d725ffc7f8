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
from typing import Any

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


async def _through(bench: Bench, events: list[tuple[bytes, bytes]], workers: int,
                   figures: dict[str, Any], suffix: str = "") -> float:
    """Pre-load ``events`` into a fresh deployment, run ``workers`` evaluators to lag zero.

    Returns the events per second, from the last worker ready to lag zero.
    """
    deployment = bench.deployment(f"evaluator-{workers}w", WIDE_LATENESS)
    names = topic_names(deployment.prefix)
    bootstrap = bench.cluster.bootstrap
    count = len(events)
    try:
        # 1. Pre-load the events.
        t0 = time.monotonic()
        await produce(bootstrap, names.events, events)
        figures[f"preload_s{suffix}"] = round(time.monotonic() - t0, 1)
        # 2. The evaluator(s), from start to zero lag.
        processes = ["evaluator"] + [f"evaluator-{n}" for n in range(2, workers + 1)]
        sampler = Sampler({**{name: (lambda name=name: deployment.pid(name))
                              for name in processes},
                           "kafka": bench.cluster.kafka_pid})
        with sampler:
            started = time.monotonic()
            for name in processes:
                deployment.start(name)
            for name in processes:
                await asyncio.to_thread(deployment.wait_ready, name, 120.0)
            ready_s = time.monotonic() - started
            profiler = None
            if bench.profile and workers == 1:
                profiler = Profiler(deployment.pid("evaluator") or 0, 40,
                                    bench.profile_path("evaluator"))
            async with GroupLag(bootstrap, deployment.app_id, names.events) as lag:
                samples = await _wait_committed(lag, count, 900.0)
            done = samples[-1][0]
            async with GroupLag(bootstrap, deployment.app_id, names.observations) as obs_lag:
                observations = sum((await end_offsets(bootstrap, names.observations)).values())
                obs_samples = await _wait_committed(obs_lag, observations, 120.0)
            if profiler is not None:
                figures["profile"] = profiler.finish()
        figures[f"processes{suffix}"] = sampler.summary()
        committed = samples[-1][1]
        measured = done - started - ready_s
        rate = committed / measured if measured > 0 else 0.0
        figures.update({
            f"committed{suffix}": committed, f"observations{suffix}": observations,
            f"observations_committed{suffix}": obs_samples[-1][1],
            f"stage2_lag_zero_after_s{suffix}": round(obs_samples[-1][0] - done, 2),
            f"evaluator_ready_s{suffix}": round(ready_s, 2),
            f"evaluator_s{suffix}": round(measured, 1),
            f"evaluator_events_per_s{suffix}": round(rate),
            f"steady_events_per_s{suffix}": round(_steady_rate(samples) or 0),
            f"late_messages_logged{suffix}": sum(deployment.log(name).count("late message")
                                                 for name in processes),
        })
        return rate
    finally:
        deployment.stop_all()


async def run(bench: Bench) -> Result:
    result = Result("evaluator throughput", COMMAND)
    count = bench.size(200_000, 50_000)
    events = keyed(queue_events(count))
    figures = result.figures
    figures["events"] = count
    # 1. One worker, the configuration the ratio is about.
    rate = await _through(bench, events, 1, figures)
    # 2. The baseline: a consumer that only decodes the same events, on a topic of its own.
    base_deployment = bench.deployment("evaluator-base", WIDE_LATENESS)
    base_topic = topic_names(base_deployment.prefix).events
    await produce(bench.cluster.bootstrap, base_topic, events)
    base = await baseline(bench.cluster.bootstrap, base_topic, count)
    # 3. Two workers of one group sharing the partitions: how far it scales here.
    two = await _through(bench, events, 2, figures, "@2_workers")
    result.processes = figures.pop("processes")  # type: ignore[assignment]
    figures.update({"baseline_events_per_s": round(base),
                    "ratio_to_baseline": round(rate / base, 4),
                    "ratio_to_baseline@2_workers": round(two / base, 4)})
    result.target("events/s vs decode-only consumer", ">=", 0.25, figures["ratio_to_baseline"])
    result.target("events/s", ">=", 5000, figures["evaluator_events_per_s"])
    result.target("events/s, two workers", ">=", 5000,
                  figures["evaluator_events_per_s@2_workers"])
    return result
