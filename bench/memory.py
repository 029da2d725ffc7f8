"""``python -m bench.memory``: where the web's memory per SSE client goes, measured with memray.

Starts a broker and database of its own, runs the web process under
``memray run --aggregate`` (recorder off), connects N clients to ``/api/stream``,
holds them a few seconds, stops the web and prints memray's summary of what was
allocated at the high-water mark, by function. RSS is read with psutil before
and after the clients, so the summary can be set against it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.context import RESULTS
from bench.measure import rss_mib
from bench.sse import Pool, raise_open_files
from bench.stack import Cluster, Deployment, local_stack

log = logging.getLogger(__name__)


def _memray_web(deployment: Deployment, out: Path) -> local_stack.Process:
    port = local_stack.free_port()
    argv = [sys.executable, "-m", "memray", "run", "--aggregate", "--quiet", "--force", "-o",
            str(out), "-m", "services.cli", "web", "--port", str(port)]
    process = local_stack.Process(f"{deployment.prefix}-web", argv,
                                  deployment.log_path("web"), deployment.cluster.run_dir,
                                  {**deployment.env, "SERVICENORM_WEB_RECORDER": "off"})
    process.start()
    deployment.processes["web"] = process
    deployment.ports["web"] = port
    local_stack.wait_for_port(port, "web", process.proc, process.log, timeout=120)
    return process


async def measure(cluster: Cluster, clients: int, out: Path) -> dict[str, object]:
    deployment = Deployment(cluster, "memory").setup()
    deployment.add_viewer()
    process = _memray_web(deployment, out)
    try:
        await asyncio.to_thread(deployment.wait_ready, "web", 120.0)
        pid = process.proc.pid if process.proc else None
        pool = Pool(deployment.ports["web"],
                    cookie=await asyncio.to_thread(deployment.session_cookie))
        await asyncio.sleep(2)
        idle = rss_mib(pid)
        await pool.grow(clients, timeout=300)
        await asyncio.sleep(3)
        held = rss_mib(pid)
        connected = pool.connected
    finally:
        deployment.stop_all()
    pool.close()
    summary = subprocess.run([sys.executable, "-m", "memray", "summary", "-r", "25", str(out)],
                             capture_output=True, text=True).stdout
    return {"clients": connected, "rss_idle_mib": idle, "rss_held_mib": held,
            "rss_per_1000_mib": round(((held or 0) - (idle or 0)) / clients * 1000, 2),
            "summary": summary}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--clients", type=int, default=2000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    raise_open_files()
    cluster = Cluster().start()
    out = RESULTS / "raw" / f"memray-web-{int(time.time())}.bin"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        found = asyncio.run(measure(cluster, args.clients, out))
    finally:
        cluster.stop()
    summary = str(found.pop("summary"))
    print(found)
    print(summary)
    (RESULTS / "memory-web.txt").write_text(f"{found}\n\n{summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
