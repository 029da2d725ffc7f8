"""``postgres-outage``: stop PostgreSQL for a while under load; live SSE must not notice.

1. Run ingest, evaluator and web (with its recorder), hold SSE clients, post
   simulated events open-loop, and probe: a ticket at a location of its own,
   timed until every SSE client saw it (see bench/benchmarks/e2e.py).
2. Stop PostgreSQL (``pg_ctl -m fast stop``) for a minute, keep posting and
   probing, then start it again.
3. Count the recorded observations against the recomputation from every event
   sent (probes included) until they match: nothing recorded may be lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any

import httpx
import orjson

from bench import recompute
from bench.context import WIDE_LATENESS, Result
from bench.events import queue_events
from bench.faults.common import recorded_observations, settle
from bench.load import BATCH, STRUCTURED, open_loop, probe_event
from bench.measure import Latency
from bench.sse import Pool
from bench.stack import Cluster, Deployment

log = logging.getLogger(__name__)

RATE = 100          # background events per second
CLIENTS = 50


class Traffic:
    def __init__(self, url: str, events: list[dict[str, Any]], pool: Pool) -> None:
        self.url, self.events, self.pool = url, events, pool
        self.http = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=100))
        self.sent: list[dict[str, Any]] = []
        self.statuses: Counter[int] = Counter()
        self.probes: dict[str, tuple[str, float]] = {}
        self.phase = "before"

    async def _post(self, body: list[dict[str, Any]] | dict[str, Any], kind: str) -> None:
        answer = await self.http.post(self.url, content=orjson.dumps(body),
                                      headers={"content-type": kind})
        self.statuses[answer.status_code] += 1
        if answer.status_code == 202:
            self.sent.extend(body if isinstance(body, list) else [body])

    async def tick(self, n: int) -> None:
        per_tick = RATE // 10
        await self._post(self.events[n * per_tick:(n + 1) * per_tick], BATCH)

    async def probe(self, n: int) -> None:
        marker = f"bm-0-{n}"
        self.probes[marker] = (self.phase, time.monotonic())
        await self._post(probe_event(marker), STRUCTURED)

    def probe_latency(self) -> dict[str, dict[str, Any]]:
        by_phase: dict[str, Latency] = {}
        unseen: Counter[str] = Counter()
        for marker, (phase, at) in self.probes.items():
            reach = self.pool.reach(marker, at, CLIENTS)
            unseen[phase] += CLIENTS - reach["reached"]
            for t in reach["times"]:
                by_phase.setdefault(phase, Latency()).record(t)
        return {phase: {**lat.summary(), "missed_sightings": unseen[phase]}
                for phase, lat in by_phase.items()}


async def _recorder_healthy(url: str, timeout: float) -> float | None:
    """Seconds until the web reports its recorder writing again."""
    t0 = time.monotonic()
    async with httpx.AsyncClient(timeout=5) as http:
        while time.monotonic() - t0 < timeout:
            try:
                if (await http.get(url)).json().get("recorder"):
                    return round(time.monotonic() - t0, 2)
            except (httpx.HTTPError, ValueError):
                pass
            await asyncio.sleep(0.25)
    return None


async def run(cluster: Cluster, smoke: bool = False) -> Result:
    result = Result("postgres-outage", "python -m bench.faults postgres-outage"
                    + (" --smoke" if smoke else ""))
    calm, outage, after = (5.0, 15.0, 5.0) if smoke else (10.0, 60.0, 10.0)
    deployment = Deployment(cluster, "pgout", WIDE_LATENESS).setup()
    try:
        for name in ("ingest", "evaluator", "web"):
            deployment.start(name)
        for name in ("ingest", "evaluator", "web"):
            await asyncio.to_thread(deployment.wait_ready, name)
        deployment.add_viewer()
        pool = Pool(deployment.ports["web"], marker=r"bm-0-\d+",
                    cookie=await asyncio.to_thread(deployment.session_cookie))
        await pool.grow(CLIENTS)
        total = calm + outage + after
        traffic = Traffic(deployment.url("ingest", "/events"),
                          queue_events(int(RATE * (total + 5)), seed=40_000), pool)
        flows = asyncio.gather(open_loop(10, total, traffic.tick),
                               open_loop(1, total, traffic.probe))
        # 1. Calm, then the database goes away and comes back.
        await asyncio.sleep(calm)
        traffic.phase = "outage"
        await asyncio.to_thread(cluster.postgres.stop)
        stopped_at = time.monotonic()
        await asyncio.sleep(outage)
        await asyncio.to_thread(cluster.postgres.start)
        back_at = time.monotonic()
        traffic.phase = "after"
        healthy_s = await _recorder_healthy(deployment.url("web", "/health"), 120)
        await flows
        await asyncio.sleep(8)  # the last probes' stragglers
        await traffic.http.aclose()
        # 2. The recorder must catch up with everything.
        want = recompute.expected(traffic.sent)

        async def caught_up() -> tuple[bool, Any]:
            report = recompute.compare_rows(want, await recorded_observations(deployment.dsn))
            return report["missing"] + report["wrong_op"] == 0, report

        caught_s, rows = await settle(caught_up, 120, every=1.0)
        latency = traffic.probe_latency()
        pool.close()
        result.figures.update({
            "outage_s": round(back_at - stopped_at, 1), "sse_clients": CLIENTS,
            "events_accepted": len(traffic.sent), "statuses": dict(traffic.statuses),
            "probe_latency_by_phase": latency,
            "probe_p99_ms_before": latency.get("before", {}).get("p99_ms"),
            "probe_p99_ms_during_outage": latency.get("outage", {}).get("p99_ms"),
            "probe_sightings_missed_during_outage": latency.get("outage", {}).get(
                "missed_sightings"),
            "recorder_healthy_after_restart_s": healthy_s,
            "rows_matched_after_traffic_end_s": caught_s,
            "observations": rows, "observation_rows_lost": rows["missing"] + rows["wrong_op"],
            "recorder_retries_logged": deployment.log("web").count("recorder cannot write"),
        })
        result.target("observation rows lost", "<=", 0, result.figures["observation_rows_lost"])
        result.target("probe sightings missed during the outage", "<=", 0,
                      result.figures["probe_sightings_missed_during_outage"])
    finally:
        deployment.stop_all()
    return result
