"""Ingest throughput: events per second accepted by ``POST /events`` in batches of 500.

Several HTTP clients (one connection each) post pre-encoded batches as fast as
ingest answers; the baseline is a plain aiokafka producer with ingest's settings
(idempotent, acks=all, 2 ms linger, 256 KiB batches) writing the same events in
the same batches with the same concurrency. Both are saturation runs (closed
loop): the figure is the rate at which answers come back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

import httpx
import orjson

from bench.context import Bench, Result
from bench.events import queue_events
from bench.kafkautil import producer
from bench.load import BATCH
from bench.measure import Latency, Sampler
from bench.profile import Profiler
from schemas.topics import topic_names

log = logging.getLogger(__name__)

COMMAND = "python -m bench --only ingest"
BATCH_SIZE = 500
CLIENTS = 4


async def post_all(url: str, bodies: list[bytes], clients: int
                   ) -> tuple[float, Counter[int], Latency]:
    """Post every body with ``clients`` concurrent connections; seconds, statuses, latency."""
    statuses: Counter[int] = Counter()
    latency = Latency()
    queue = list(reversed(bodies))

    async def worker() -> None:
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=1)) as c:
            while queue:
                body = queue.pop()
                t0 = time.monotonic()
                answer = await c.post(url, content=body, headers={"content-type": BATCH})
                latency.record(time.monotonic() - t0)
                statuses[answer.status_code] += 1

    t0 = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.monotonic() - t0, statuses, latency


async def produce_all(bootstrap: str, topic: str, batches: list[list[tuple[bytes, bytes]]],
                      clients: int) -> tuple[float, Latency]:
    """The baseline: the same batches through one plain producer, ``clients`` at a time."""
    client = producer(bootstrap)
    await client.start()
    latency = Latency()
    queue = list(reversed(batches))

    async def worker() -> None:
        while queue:
            batch = queue.pop()
            t0 = time.monotonic()
            futures = [await client.send(topic, value, key=key) for key, value in batch]
            await asyncio.gather(*futures)
            latency.record(time.monotonic() - t0)

    try:
        t0 = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return time.monotonic() - t0, latency
    finally:
        await client.stop()


async def run(bench: Bench) -> Result:
    result = Result("ingest throughput", COMMAND)
    count = bench.size(100_000, 30_000)
    deployment = bench.deployment("ingest")
    topic = topic_names(deployment.prefix).events
    events = queue_events(count, seed=5000)
    chunks = [events[i:i + BATCH_SIZE] for i in range(0, len(events), BATCH_SIZE)]
    bodies = [orjson.dumps(chunk) for chunk in chunks]
    keyed = [[(e["subject"].encode(), orjson.dumps(e)) for e in chunk] for chunk in chunks]
    # 1. The baseline first, so that both write to a topic of about the same size.
    base_s, base_latency = await produce_all(bench.cluster.bootstrap, topic, keyed, CLIENTS)
    # 2. Ingest.
    deployment.start("ingest")
    await asyncio.to_thread(deployment.wait_ready, "ingest")
    sampler = Sampler({"ingest": lambda: deployment.pid("ingest"),
                       "kafka": bench.cluster.kafka_pid})
    profiler = None
    with sampler:
        if bench.profile:
            profiler = Profiler(deployment.pid("ingest") or 0, 15, bench.profile_path("ingest"))
        took, statuses, latency = await post_all(deployment.url("ingest", "/events"), bodies,
                                                 CLIENTS)
        if profiler is not None:
            result.figures["profile"] = profiler.finish()
    result.processes = sampler.summary()
    accepted = statuses.get(202, 0) * BATCH_SIZE
    rate, base = accepted / took, count / base_s
    result.figures.update({
        "events": count, "batch": BATCH_SIZE, "clients": CLIENTS,
        "statuses": dict(statuses), "ingest_events_per_s": round(rate),
        "baseline_events_per_s": round(base), "ratio_to_baseline": round(rate / base, 3),
        "ingest_batch_latency": latency.summary(),
        "ingest_batch_p50_ms": latency.percentile_ms(50),
        "ingest_batch_p99_ms": latency.percentile_ms(99),
        "baseline_batch_p50_ms": base_latency.percentile_ms(50),
        "baseline_batch_p99_ms": base_latency.percentile_ms(99),
    })
    result.target("events/s vs plain producer", ">=", 0.5, result.figures["ratio_to_baseline"])
    deployment.stop_all()
    return result
