"""SSE fan-out: clients one web process holds, what they cost, how fast a change reaches them.

Only the web process runs (recorder off); changes are indicator snapshots
written straight to ``<prefix>.indicators``, each named by a marker, so the
figure is the hub and SSE path alone: Kafka -> hub -> every client.

1. Grow the pool of clients step by step; at each step read the web's RSS and
   time a series of single changes until every client saw each.
2. With 1,000 clients, run a background stream of changes (4 a second, 8 KiB
   each: below what the process can fan out, so the run is not saturated) and
   time marker changes through it: without, with one frozen client (connected,
   never reading, small receive buffer), and without again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
import orjson

from bench.context import Bench, Result
from bench.kafkautil import producer
from bench.load import fake_snapshot, open_loop
from bench.measure import Latency, Sampler, rss_mib
from bench.profile import Profiler
from bench.sse import Pool
from schemas.topics import topic_names

log = logging.getLogger(__name__)

COMMAND = "python -m bench --only fanout"
NO_RECORDER = {"SERVICENORM_WEB_RECORDER": "off"}


class Changes:
    """Writes marker snapshots to the indicators topic and times their arrival."""

    def __init__(self, bench: Bench, topic: str, pool: Pool) -> None:
        self.client = producer(bench.cluster.bootstrap, linger_ms=0)
        self.topic, self.pool = topic, pool
        self.count = 0

    async def send(self, marker: str, padding: int = 0) -> float:
        value = orjson.dumps(fake_snapshot(marker, padding))
        at = time.monotonic()
        await self.client.send_and_wait(self.topic, value, key=f"bench:{marker}".encode())
        self.count += 1
        return at

    async def timed(self, marker: str, expected: int, timeout: float = 15.0
                    ) -> dict[str, Any]:
        at = await self.send(marker)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.pool.sightings.get(marker, [])) >= expected:
                break
            await asyncio.sleep(0.005)
        return self.pool.reach(marker, at, expected)


async def _series(changes: Changes, step: str, count: int, expected: int
                  ) -> tuple[Latency, Latency, int]:
    """``count`` single changes, one after the other; time-to-all and per-client latency."""
    to_all, each, short = Latency(), Latency(), 0
    for k in range(count):
        reach = await changes.timed(f"bm-{step}-{k}", expected)
        for t in reach["times"]:
            each.record(t)
        if reach["all_s"] is None:
            short += expected - reach["reached"]
        else:
            to_all.record(reach["all_s"])
        await asyncio.sleep(0.2)
    return to_all, each, short


async def _under_load(changes: Changes, step: str, expected: int, seconds: float
                      ) -> dict[str, Any]:
    """Marker changes every 0.5 s through a background of 4 changes/s of 8 KiB each."""
    async def noise(n: int) -> None:
        await changes.send(f"noise-{step}-{n % 50}", padding=8192)

    background = asyncio.create_task(open_loop(4, seconds, noise))
    to_all, each, short = await _series(changes, step, max(3, int(seconds * 2) - 2),
                                        expected)
    await background
    return {"to_all_p50_ms": to_all.percentile_ms(50), "to_all_p99_ms": to_all.percentile_ms(99),
            "per_client": each.summary(), "missed_sightings": short}


async def run(bench: Bench) -> Result:
    result = Result("SSE fan-out", COMMAND)
    steps = [1000, 5000, 10_000] if bench.quick else [1000, 2500, 5000, 10_000]
    steps = [max(10, int(s * min(bench.scale, 1.0))) for s in steps]
    changes_per_step = 8 if bench.quick else 25
    deployment = bench.deployment("fanout", NO_RECORDER)
    deployment.start("web")
    await asyncio.to_thread(deployment.wait_ready, "web")
    web_pid = deployment.pid("web")
    deployment.add_viewer()
    pool = Pool(deployment.ports["web"],
                cookie=await asyncio.to_thread(deployment.session_cookie))
    changes = Changes(bench, topic_names(deployment.prefix).indicators, pool)
    await changes.client.start()
    await asyncio.sleep(1)
    rss_idle = rss_mib(web_pid) or 0.0
    by_step: dict[int, dict[str, Any]] = {}
    sampler = Sampler({"web": lambda: web_pid, "kafka": bench.cluster.kafka_pid,
                       "harness": lambda: __import__("os").getpid()})
    try:
        with sampler:
            # 1. Grow and time single changes at each step.
            for step in steps:
                connect_s = await pool.grow(step, timeout=300)
                await asyncio.sleep(2)
                rss = rss_mib(web_pid) or 0.0
                profiler = None
                if bench.profile and step == steps[-1]:
                    profiler = Profiler(web_pid or 0, 10, bench.profile_path("fanout-web"))
                to_all, each, short = await _series(changes, str(step), changes_per_step,
                                                    pool.connected)
                by_step[step] = {
                    "connected": pool.connected, "failed": pool.failed, "closed": pool.closed,
                    "connect_s": round(connect_s, 1), "web_rss_mib": rss,
                    "rss_per_1000_mib": round((rss - rss_idle) / step * 1000, 2),
                    "to_all_p50_ms": to_all.percentile_ms(50),
                    "to_all_p99_ms": to_all.percentile_ms(99),
                    "per_client_p99_ms": each.percentile_ms(99), "missed_sightings": short,
                    "us_per_client_per_change": None if to_all.percentile_ms(50) is None
                    else round(1000 * (to_all.percentile_ms(50) or 0) / step, 1)}
                if profiler is not None:
                    result.figures["profile"] = profiler.finish()
                log.info("fan-out step %d: %s", step, by_step[step])
            # 2. A frozen client, at the 5,000 step or the largest below it.
            frozen_at = max(10, int(1000 * min(bench.scale, 1.0)))
            for client in pool.clients[frozen_at:]:
                client.close()
            health = deployment.url("web", "/health")
            await _wait_web_clients(health, frozen_at, 60)
            expected = len(pool.live())
            seconds = bench.seconds(30, 20)
            without = await _under_load(changes, "1", expected, seconds)
            frozen = await pool.frozen()
            await asyncio.sleep(0.5)
            clients_before = await _web_clients(health)
            with_frozen = await _under_load(changes, "2", expected, seconds)
            clients_after = await _web_clients(health)
            frozen.close()
            await _wait_web_clients(health, expected, 30)
            again = await _under_load(changes, "3", expected, seconds)
    finally:
        await changes.client.stop()
        pool.close()
    result.processes = sampler.summary()
    largest = steps[-1]
    at_5000 = by_step.get(max(s for s in steps if s <= max(5000 * min(bench.scale, 1.0), 10)))
    result.figures.update({
        "steps": by_step, "web_rss_idle_mib": rss_idle,
        "clients_held": by_step[largest]["connected"],
        "rss_per_1000_clients_mib": by_step[largest]["rss_per_1000_mib"],
        "to_all_p99_ms_at_5000": (at_5000 or {}).get("to_all_p99_ms"),
        "frozen_test_clients": expected,
        "under_load_to_all_p99_ms_without_frozen": without["to_all_p99_ms"],
        "under_load_to_all_p99_ms_with_frozen": with_frozen["to_all_p99_ms"],
        "under_load_to_all_p99_ms_without_frozen_again": again["to_all_p99_ms"],
        "under_load_without_frozen": without, "under_load_with_frozen": with_frozen,
        "under_load_without_frozen_again": again,
        "web_clients_before_after_frozen_run": [clients_before, clients_after],
    })
    for step, figures in by_step.items():
        for key in ("connected", "web_rss_mib", "rss_per_1000_mib", "to_all_p50_ms",
                    "to_all_p99_ms", "per_client_p99_ms"):
            result.figures[f"{key}@{step}"] = figures[key]
    result.target("clients held by one web process", ">=", 10_000,
                  result.figures["clients_held"])
    result.target("RSS per 1,000 clients MiB", "<=", 40, result.figures["rss_per_1000_clients_mib"])
    result.target("p99 change -> all clients at 5,000 ms", "<=", 300,
                  result.figures["to_all_p99_ms_at_5000"])
    calm = [v for v in (without["to_all_p99_ms"], again["to_all_p99_ms"]) if v is not None]
    slower = _ratio(with_frozen["to_all_p99_ms"], sum(calm) / len(calm) if calm else None)
    result.figures["frozen_slowdown_ratio"] = slower
    result.target("p99 with a frozen client / mean of the runs without", "<=", 1.5, slower)
    deployment.stop_all()
    return result


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


async def _wait_web_clients(url: str, count: int, timeout: float) -> None:
    """Until the web counts ``count`` clients (closing thousands takes it a while)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and await _web_clients(url) != count:
        await asyncio.sleep(0.5)


async def _web_clients(url: str) -> int | None:
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            return int((await http.get(url)).json()["clients"])
    except (httpx.HTTPError, KeyError, ValueError):
        return None
