"""``python -m bench.faults NAME [--smoke]``: run one fault test, or ``all``.

Names: evaluator-kill, broker-restart, postgres-outage, sse-reconnect, dead-letters.
Figures are printed and written to bench/results/faults-latest.json and .md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bench import report
from bench.__main__ import stop_on_sigterm
from bench.context import RESULTS, Result
from bench.measure import machine
from bench.sse import raise_open_files
from bench.stack import Cluster, Deployment, local_stack

log = logging.getLogger(__name__)

Fault = Callable[[Cluster, bool], Awaitable[Result]]


def faults() -> dict[str, Fault]:
    from bench.faults import (
        broker_restart,
        dead_letters,
        evaluator_kill,
        postgres_outage,
        sse_reconnect,
    )

    return {"evaluator-kill": evaluator_kill.run, "broker-restart": broker_restart.run,
            "postgres-outage": postgres_outage.run, "sse-reconnect": sse_reconnect.run,
            "dead-letters": dead_letters.run}


async def run_faults(cluster: Cluster, names: Sequence[str], smoke: bool) -> list[Result]:
    available = faults()
    results = []
    for name in names:
        t0 = time.monotonic()
        log.info("fault %s: start", name)
        try:
            result = await available[name](cluster, smoke)
        except Exception as exc:  # report it and go on with the next fault
            log.error("fault %s failed: %s", name, exc)
            result = Result(name, f"python -m bench.faults {name}", error=repr(exc)[:2000])
            result.notes.append(traceback.format_exc()[-1500:])
        result.seconds = time.monotonic() - t0
        log.info("fault %s: done in %.0fs", name, result.seconds)
        results.append(result)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="a fault test, or 'all'")
    parser.add_argument("--smoke", action="store_true", help="small numbers (CI)")
    parser.add_argument("--service-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for every service (repeatable)")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "aiokafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    names = list(faults()) if args.name == "all" else [args.name]
    if any(n not in faults() for n in names):
        print(f"unknown fault {args.name!r}; choose from all, {', '.join(faults())}")
        return 2
    Deployment.overrides = dict(item.split("=", 1) for item in args.service_env)
    raise_open_files()
    stop_on_sigterm()
    cluster = Cluster().start()
    described = machine(local_stack.KAFKA_LIBS)
    try:
        results = asyncio.run(run_faults(cluster, names, args.smoke))
    finally:
        cluster.stop()
    document = [r.as_dict() for r in results]
    print(json.dumps(document, indent=2, default=str))
    command = "python -m bench.faults " + " ".join(argv if argv is not None else sys.argv[1:])
    report.write(Path(args.out), described, document, command, stem="faults-latest")
    failed = any(r.error or any(t.met is False for t in r.targets) for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
