"""``sse-reconnect``: all SSE clients drop and reconnect with Last-Event-ID; none may miss a change.

1. Hold N clients on ``/api/stream`` (web only, recorder off) that parse every
   frame and remember the last event id.
2. Write changes to the indicators topic at a steady rate, each with a scope
   key of its own (``bench:bm-9-K``), so "seen" is a set per client.
3. Drop every client at once, twice, and reconnect each with its last event id;
   the server answers with the missed frames or, when it cannot, a fresh
   snapshot (which holds every key, so nothing is missed either way).
4. At the end, every client must have seen every change.
"""

from __future__ import annotations

import asyncio
import logging

import orjson

from bench.context import Result
from bench.kafkautil import producer
from bench.load import fake_snapshot, open_loop
from bench.sse import Pool
from bench.stack import Cluster, Deployment
from schemas.topics import topic_names

log = logging.getLogger(__name__)

# Below what one web process fans out to 1,000 clients (about 10,000 frames/s, see
# RESULTS.md), so that a slow reconnect is the reconnect's fault, not a backlog's.
CHANGES_PER_S = 5


async def run(cluster: Cluster, smoke: bool = False) -> Result:
    result = Result("sse-reconnect", "python -m bench.faults sse-reconnect"
                    + (" --smoke" if smoke else ""))
    clients, duration, drops = (200, 12.0, 1) if smoke else (1000, 45.0, 2)
    deployment = Deployment(cluster, "reconnect", {"SERVICENORM_WEB_RECORDER": "off"}).setup()
    client = producer(cluster.bootstrap, linger_ms=0)
    try:
        deployment.start("web")
        await asyncio.to_thread(deployment.wait_ready, "web")
        deployment.add_viewer()
        pool = Pool(deployment.ports["web"], marker=r"bench:bm-9-\d+", mode="parse",
                    cookie=await asyncio.to_thread(deployment.session_cookie))
        await pool.grow(clients)
        await client.start()
        topic = topic_names(deployment.prefix).indicators
        sent: list[str] = []

        async def change(n: int) -> None:
            marker = f"bm-9-{n}"
            await client.send_and_wait(topic, orjson.dumps(fake_snapshot(marker)),
                                       key=f"bench:{marker}".encode())
            sent.append(f"bench:{marker}")

        flow = asyncio.create_task(open_loop(CHANGES_PER_S, duration, change))
        reconnects = []
        for _ in range(drops):
            await asyncio.sleep(duration / (drops + 1))
            reconnects.append(round(await pool.reconnect_all(), 2))
        await flow
        await asyncio.sleep(3)
        missed = {c.index: [m for m in sent if m not in c.seen] for c in pool.clients}
        short = {i: m for i, m in missed.items() if m}
        snapshots = sum(c.snapshots for c in pool.clients)
        result.figures.update({
            "clients": clients, "connected_after_reconnects": pool.connected,
            "changes": len(sent), "drops": drops, "reconnect_all_s": reconnects,
            "clients_missing_changes": len(short),
            "changes_missed": sum(len(m) for m in short.values()),
            "examples": dict(list(short.items())[:3]),
            "fresh_snapshots_after_reconnect": snapshots - clients,
            "updates_received": sum(c.updates for c in pool.clients),
        })
        pool.close()
        result.target("clients that missed a change", "<=", 0, len(short))
    finally:
        await client.stop()
        deployment.stop_all()
    return result
