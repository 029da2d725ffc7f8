"""``broker-restart``: stop and restart Kafka while clients post to ingest.

1. Post batches of simulated events to ``POST /events`` open-loop at a fixed
   rate and note every answer: status, latency, and the ids of a 202.
2. After a calm phase, stop the broker (SIGTERM, wait), keep posting while it
   is down, then start it again on the same ports and data, and keep posting
   until ingest has answered 202 for a while.
3. Read the events topic from the start: every id that got a 202 must be there.
   While the broker was down, ingest must answer 503 (with Retry-After), never 500.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any

import httpx
import orjson

from bench.context import Result
from bench.events import queue_events
from bench.kafkautil import read_all
from bench.load import BATCH, open_loop
from bench.measure import Latency
from bench.stack import Cluster, Deployment
from schemas.topics import topic_names

log = logging.getLogger(__name__)

BATCH_SIZE = 10
POSTS_PER_S = 20


class Poster:
    """Posts numbered batches and keeps what each answer was."""

    def __init__(self, url: str, batches: list[list[dict[str, Any]]]) -> None:
        self.url, self.batches = url, batches
        self.http = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=1000))
        self.accepted: set[str] = set()
        self.phase = "before"
        self.statuses: dict[str, Counter[str]] = {}
        self.latency: dict[str, Latency] = {}
        self.retry_after_missing = 0
        self.first_202_after_restart: float | None = None

    async def post(self, n: int) -> None:
        batch, phase = self.batches[n % len(self.batches)], self.phase
        t0 = time.monotonic()
        try:
            answer = await self.http.post(self.url, content=orjson.dumps(batch),
                                          headers={"content-type": BATCH})
            status = str(answer.status_code)
            if answer.status_code == 503 and "retry-after" not in answer.headers:
                self.retry_after_missing += 1
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        self.statuses.setdefault(phase, Counter())[status] += 1
        self.latency.setdefault(phase, Latency()).record(time.monotonic() - t0)
        if status == "202":
            self.accepted.update(e["id"] for e in batch)
            if phase == "after" and self.first_202_after_restart is None:
                self.first_202_after_restart = time.monotonic()


async def run(cluster: Cluster, smoke: bool = False) -> Result:
    result = Result("broker-restart", "python -m bench.faults broker-restart"
                    + (" --smoke" if smoke else ""))
    calm, down, after = (5.0, 10.0, 15.0) if smoke else (10.0, 30.0, 30.0)
    deployment = Deployment(cluster, "broker").setup()
    try:
        deployment.start("ingest")
        await asyncio.to_thread(deployment.wait_ready, "ingest")
        total = int((calm + down + after + 40) * POSTS_PER_S * BATCH_SIZE)
        events = queue_events(total, seed=30_000)
        batches = [events[i:i + BATCH_SIZE] for i in range(0, len(events), BATCH_SIZE)]
        poster = Poster(deployment.url("ingest", "/events"), batches)
        flow = asyncio.create_task(open_loop(POSTS_PER_S, calm + down + after + 30, poster.post,
                                             drain_timeout=60))
        # 1. Calm, then the broker goes away.
        await asyncio.sleep(calm)
        poster.phase = "stopping"
        await asyncio.to_thread(cluster.kafka.stop)
        poster.phase = "down"
        down_at = time.monotonic()
        await asyncio.sleep(down)
        # 2. The broker comes back on the same ports and data.
        poster.phase = "starting"
        await asyncio.to_thread(cluster.kafka.start)
        poster.phase = "after"
        back_at = time.monotonic()
        stats = await flow
        await poster.http.aclose()
        # 3. Every accepted id must be on the topic.
        stored: Counter[str] = Counter()
        await read_all(cluster.bootstrap, topic_names(deployment.prefix).events,
                       lambda r: stored.update([orjson.loads(r.value)["id"]]))
        lost = poster.accepted - set(stored)
        five_hundreds = sum(n for c in poster.statuses.values() for s, n in c.items()
                            if s.startswith("5") and s != "503")
        result.figures.update({
            "posts": stats.fired, "unfinished_posts": stats.unfinished,
            "statuses_by_phase": {p: dict(c) for p, c in poster.statuses.items()},
            "latency_by_phase": {p: lat.summary() for p, lat in poster.latency.items()},
            "broker_down_s": round(back_at - down_at, 1),
            "first_202_after_broker_back_s": None if poster.first_202_after_restart is None
            else round(poster.first_202_after_restart - back_at, 1),
            "accepted_ids": len(poster.accepted), "ids_on_topic": len(stored),
            "accepted_ids_lost": len(lost), "duplicate_writes": sum(
                n - 1 for n in stored.values() if n > 1),
            "answers_5xx_other_than_503": five_hundreds,
            "answers_503_without_retry_after": poster.retry_after_missing,
            "ingest_alive": deployment.processes["ingest"].alive(),
        })
        result.target("accepted events lost", "<=", 0, len(lost))
        result.target("5xx other than 503", "<=", 0, five_hundreds)
    finally:
        deployment.stop_all()
        if not cluster.kafka.process or not cluster.kafka.process.alive():
            cluster.kafka.start()
    return result
