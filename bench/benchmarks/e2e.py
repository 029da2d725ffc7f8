"""End-to-end latency: from posting an event to every SSE client seeing its snapshot.

The whole product runs (ingest, evaluator, web with its recorder). Background
load of simulated queue events is posted to ingest open-loop at a fixed rate,
in batches every 100 ms, while 1,000 SSE clients follow ``/api/stream``.
Twice a second a probe posts one ticket at a location of its own (``bm-P-N``);
the first snapshot with that location is the change we time, per client, from
the start of the probe's POST to the moment the client read it. A client the
web drops (its queue full) reconnects after a second, as a browser would, and
its fresh snapshot counts as seeing the probe.

Three phases: 50 events/s with 10 clients (the pipeline's floor), 500 events/s
with 10 clients (the pipeline under the target load, fan-out nearly free), then
500 events/s with the 1,000 clients of the target. The evaluator's lag on the
events topic is read at the end of each phase and drained before the next.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson

from bench.context import WIDE_LATENESS, Bench, Result
from bench.events import queue_events
from bench.kafkautil import GroupLag, end_offsets
from bench.load import BATCH, STRUCTURED, open_loop, probe_event
from bench.measure import Latency, Sampler
from bench.profile import Profiler
from bench.sse import Pool
from bench.stack import Deployment
from schemas.topics import topic_names

log = logging.getLogger(__name__)

COMMAND = "python -m bench --only e2e"
RATE = 500           # background events per second
TICKS_PER_S = 10     # batches per second
PROBES_PER_S = 2
SSE_CLIENTS = 1000
REFERENCE_CLIENTS = 10
LIGHT_RATE = 50
STRAGGLERS_S = 5.0
RECONNECT_AFTER_S = 1.0  # a dropped client comes back, as EventSource does (3 s in browsers)


class Traffic:
    """Background batches and probes posted to ingest, open-loop."""

    def __init__(self, url: str, bodies: list[bytes], http: httpx.AsyncClient) -> None:
        self.url, self.bodies, self.http = url, bodies, http
        self.statuses: Counter[int] = Counter()
        self.post_latency = Latency()
        self.sent: dict[str, float] = {}
        self.next_body = 0

    async def post(self, body: bytes, kind: str) -> None:
        t0 = time.monotonic()
        try:
            answer = await self.http.post(self.url, content=body, headers={"content-type": kind})
            self.statuses[answer.status_code] += 1
        except httpx.HTTPError as exc:
            self.statuses[-1] += 1
            log.debug("post failed: %s", exc)
        self.post_latency.record(time.monotonic() - t0)

    async def tick(self, n: int) -> None:
        body = self.bodies[self.next_body % len(self.bodies)]
        self.next_body += 1
        await self.post(body, BATCH)

    def probe_for(self, phase: int) -> Callable[[int], Awaitable[None]]:
        async def probe(n: int) -> None:
            marker = f"bm-{phase}-{n}"
            self.sent[marker] = time.monotonic()
            await self.post(orjson.dumps(probe_event(marker)), STRUCTURED)
        return probe


async def _evaluator_lag(bench: Bench, deployment: Deployment) -> int:
    topic = topic_names(deployment.prefix).events
    end = sum((await end_offsets(bench.cluster.bootstrap, topic)).values())
    async with GroupLag(bench.cluster.bootstrap, deployment.app_id, topic) as lag:
        return end - await lag.committed()


async def _drain(bench: Bench, deployment: Deployment, timeout: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout and await _evaluator_lag(bench, deployment) > 0:
        await asyncio.sleep(1)
    return round(time.monotonic() - t0, 1)


async def _phase(bench: Bench, deployment: Deployment, traffic: Traffic, phase: int,
                 clients: int, rate: int, duration: float, cookie: str) -> dict[str, Any]:
    """One stretch of load at ``rate`` events/s with ``clients`` SSE clients."""
    pool = Pool(deployment.ports["web"], marker=rf"bm-{phase}-\d+", cookie=cookie,
                reconnect_after=RECONNECT_AFTER_S)
    connect_s = await pool.grow(clients)
    topic = topic_names(deployment.prefix).indicators
    before = sum((await end_offsets(bench.cluster.bootstrap, topic)).values())
    traffic.sent.clear()
    load, probes = await asyncio.gather(
        open_loop(rate / (RATE // TICKS_PER_S), duration, traffic.tick),
        open_loop(PROBES_PER_S, duration, traffic.probe_for(phase)))
    lag_at_end = await _evaluator_lag(bench, deployment)
    await asyncio.sleep(STRAGGLERS_S)
    after = sum((await end_offsets(bench.cluster.bootstrap, topic)).values())
    latency, per_probe, missing = Latency(), Latency(), 0
    for marker, at in traffic.sent.items():
        reach = pool.reach(marker, at, clients)
        for t in reach["times"]:
            latency.record(t)
        missing += clients - reach["reached"]
        if reach["all_s"] is not None:
            per_probe.record(reach["all_s"])
    live = len(pool.live())
    pool.close()
    snapshot_rate = (after - before) / (duration + STRAGGLERS_S)
    return {"offered_events_per_s": rate, "sse_clients": clients,
            "connect_s": round(connect_s, 1), "evaluator_lag_at_end": lag_at_end,
            "probes": len(traffic.sent), "latency": latency.summary(),
            "p50_ms": latency.percentile_ms(50), "p99_ms": latency.percentile_ms(99),
            "max_ms": latency.summary().get("max_ms"),
            "probe_reached_all_p99_ms": per_probe.percentile_ms(99),
            "probe_sightings_missing": missing, "clients_still_connected": live,
            "client_drops_and_reconnects": pool.reconnects,
            "snapshots_per_s": round(snapshot_rate, 1),
            "frames_per_s_to_send": round(snapshot_rate * clients),
            "scheduler_worst_lag_ms": round(1000 * max(load.worst_lag_s, probes.worst_lag_s),
                                            1)}


async def run(bench: Bench) -> Result:
    result = Result("end-to-end latency", COMMAND)
    duration = bench.seconds(90, 30)
    deployment = bench.deployment("e2e", WIDE_LATENESS)
    for name in ("ingest", "evaluator", "web"):
        deployment.start(name)
    for name in ("ingest", "evaluator", "web"):
        await asyncio.to_thread(deployment.wait_ready, name)
    background = queue_events(int(RATE * duration * 2 + LIGHT_RATE * duration) + RATE,
                              seed=9000)
    per_tick = RATE // TICKS_PER_S
    bodies = [orjson.dumps(background[i:i + per_tick])
              for i in range(0, len(background), per_tick)]
    deployment.add_viewer()
    cookie = await asyncio.to_thread(deployment.session_cookie)
    sampler = Sampler({"ingest": lambda: deployment.pid("ingest"),
                       "evaluator": lambda: deployment.pid("evaluator"),
                       "web": lambda: deployment.pid("web"),
                       "kafka": bench.cluster.kafka_pid,
                       "postgres": bench.cluster.postgres_pid,
                       "harness": os.getpid})
    phases: dict[int, dict[str, Any]] = {}
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=50)) as http:
        traffic = Traffic(deployment.url("ingest", "/events"), bodies, http)
        # 1. Light load, few clients: the pipeline's floor.
        phases[1] = await _phase(bench, deployment, traffic, 1, REFERENCE_CLIENTS, LIGHT_RATE,
                                 duration, cookie)
        drained = [await _drain(bench, deployment, 60)]
        # 2. The target load, few clients: the pipeline under load, fan-out nearly free.
        phases[2] = await _phase(bench, deployment, traffic, 2, REFERENCE_CLIENTS, RATE,
                                 duration, cookie)
        drained.append(await _drain(bench, deployment, 120))
        # 3. The target: the same load and 1,000 clients.
        with sampler:
            profilers = []
            if bench.profile:
                profilers = [Profiler(deployment.pid(n) or 0, int(duration * 0.8),
                                      bench.profile_path(f"e2e-{n}"))
                             for n in ("evaluator", "web")]
            phases[3] = await _phase(bench, deployment, traffic, 3,
                                     bench.size(SSE_CLIENTS, SSE_CLIENTS), RATE, duration,
                                     cookie)
            if profilers:
                result.figures["profile"] = {p.out.stem: p.finish() for p in profilers}
    result.processes = sampler.summary()
    target = phases[3]
    result.figures.update({
        "duration_s_per_phase": duration, "drained_between_phases_s": drained,
        **{k: v for k, v in target.items() if not isinstance(v, dict)},
        **{f"{k}@phase{n}": v for n in (1, 2) for k, v in phases[n].items()
           if k in ("offered_events_per_s", "sse_clients", "p50_ms", "p99_ms", "max_ms",
                    "probe_sightings_missing", "evaluator_lag_at_end",
                    "frames_per_s_to_send")},
        "phases": phases, "statuses": dict(traffic.statuses),
        "post_latency": traffic.post_latency.summary(),
        "post_p99_ms": traffic.post_latency.percentile_ms(99),
    })
    result.target("p50 post -> SSE ms (1,000 clients)", "<=", 50, target["p50_ms"])
    result.target("p99 post -> SSE ms (1,000 clients)", "<=", 250, target["p99_ms"])
    for n in (1, 2):
        label = f"{phases[n]['offered_events_per_s']}/s, {REFERENCE_CLIENTS} clients, reference"
        result.target(f"p50 post -> SSE ms ({label})", "<=", 50, phases[n]["p50_ms"])
        result.target(f"p99 post -> SSE ms ({label})", "<=", 250, phases[n]["p99_ms"])
    deployment.stop_all()
    return result
