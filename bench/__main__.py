"""``python -m bench``: start the real stack, run the benchmarks, write bench/results/latest.*.

    python -m bench                       # everything, full size
    python -m bench --quick               # everything, small (about 10 minutes)
    python -m bench --only evaluator,ingest
    python -m bench --profile             # py-spy on the service under test, summarised
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence

from bench import report
from bench.context import RESULTS, Bench, Result
from bench.measure import machine
from bench.sse import raise_open_files
from bench.stack import Cluster, Deployment, local_stack

log = logging.getLogger(__name__)

Runner = Callable[[Bench], Awaitable[Result]]


def benchmarks() -> dict[str, Runner]:
    from bench.benchmarks import e2e, evaluator, fanout, history, ingest

    return {"evaluator": evaluator.run, "ingest": ingest.run, "e2e": e2e.run,
            "fanout": fanout.run, "history": history.run}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated subset: "
                        "evaluator,ingest,e2e,fanout,history")
    parser.add_argument("--quick", action="store_true", help="smaller counts, shorter runs")
    parser.add_argument("--profile", action="store_true",
                        help="record a py-spy profile of the service under test")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply counts and durations (to try the harness out)")
    parser.add_argument("--service-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for every service (repeatable)")
    parser.add_argument("--out", default=str(RESULTS), help="folder for latest.json/.md")
    return parser


async def run_all(bench: Bench, names: Sequence[str]) -> list[Result]:
    available = benchmarks()
    results = []
    for name in names:
        log.info("benchmark %s: start", name)
        t0 = time.monotonic()
        try:
            result = await available[name](bench)
        except Exception as exc:  # one failing benchmark must not lose the others' figures
            log.error("benchmark %s failed: %s", name, exc)
            result = Result(name, f"python -m bench --only {name}", error=repr(exc)[:2000])
            result.notes.append(traceback.format_exc()[-1500:])
        finally:
            bench.release()
        result.seconds = time.monotonic() - t0
        if bench.quick and "--quick" not in result.command:
            result.command += " --quick"
        log.info("benchmark %s: done in %.0fs %s", name, result.seconds, result.figures)
        results.append(result)
    return results


def stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so that the broker and the database are stopped too."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "aiokafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    names = [n for n in args.only.split(",") if n] or list(benchmarks())
    unknown = [n for n in names if n not in benchmarks()]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(benchmarks())}")
        return 2
    Deployment.overrides = dict(item.split("=", 1) for item in args.service_env)
    raise_open_files()
    stop_on_sigterm()
    cluster = Cluster().start()
    described = machine(local_stack.KAFKA_LIBS)
    try:
        bench = Bench(cluster, quick=args.quick, profile=args.profile, scale=args.scale)
        results = asyncio.run(run_all(bench, names))
    finally:
        cluster.stop()
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    from pathlib import Path

    report.write(Path(args.out), described, [r.as_dict() for r in results], command.strip())
    return 0 if all(r.error is None for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
