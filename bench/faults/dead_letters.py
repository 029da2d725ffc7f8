"""``dead-letters``: malformed and hostile records written straight to the events topic.

Each bad record has a key of its own, so its dead letter can be found again.
Good events go before, between and after them; afterwards:

1. every bad record must be on ``<prefix>.events.dead`` with a ``reason`` header,
2. every good ticket must have its observations on ``<prefix>.observations``
   (processing went on), and the evaluator must still be running.

A null value (a tombstone) is tried last and reported apart: it is not one of the
cases the contract names, and it shows how the worker treats a record without bytes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson

from bench.context import Result
from bench.events import queue_events
from bench.faults.common import wait_lag_zero
from bench.kafkautil import produce, read_all
from bench.stack import Cluster, Deployment
from schemas.topics import topic_names

log = logging.getLogger(__name__)

NESTING = 100_000
HUGE_BYTES = 1_200_000   # above the clients' 1 MiB default request size, below the broker's 2 MiB


def _valid() -> dict[str, Any]:
    return queue_events(1, seed=77_000)[0]


def hostile() -> dict[str, bytes]:
    """Name -> record value, one for each kind of rubbish."""
    good = _valid()
    without_subject = {k: v for k, v in good.items() if k != "subject"}
    huge = {**good, "data": {**good["data"], "padding": "x" * HUGE_BYTES}}
    return {
        "not-json": b"this is not JSON {",
        "empty": b"",
        "json-scalar": b"42",
        "json-array": b"[1, 2, 3]",
        "wrong-schema": orjson.dumps({"hello": "world"}),
        "unknown-type": orjson.dumps({**good, "type": "nl.servicenorm.no.such.type"}),
        "missing-subject": orjson.dumps(without_subject),
        "invalid-utf8": b'{"specversion": "1.0", "id": "\xff\xfe\xfd"}',
        "deeply-nested": b"[" * NESTING + b"]" * NESTING,
        "huge": orjson.dumps(huge),
    }


def _good_records(events: list[dict[str, Any]]) -> list[tuple[bytes, bytes]]:
    return [(e["subject"].encode(), orjson.dumps(e)) for e in events]


async def _dead_letters(deployment: Deployment) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}

    def keep(record: Any) -> None:
        key = (record.key or b"").decode(errors="replace")
        headers = {k: v.decode(errors="replace") for k, v in record.headers or ()}
        found[key] = {"reason": headers.get("reason", ""), "bytes": str(len(record.value or b""))}

    await read_all(deployment.cluster.bootstrap, topic_names(deployment.prefix).dead_letters,
                   keep)
    return found


async def _observed_items(deployment: Deployment) -> set[str]:
    items: set[str] = set()
    await read_all(deployment.cluster.bootstrap, topic_names(deployment.prefix).observations,
                   lambda r: items.add(orjson.loads(r.value).get("item", "")))
    return items


async def _round(deployment: Deployment, bad: dict[str, bytes | None],
                 good: list[dict[str, Any]]) -> dict[str, Any]:
    """Good events, then each bad record between good ones; what came out."""
    topic = topic_names(deployment.prefix).events
    bootstrap = deployment.cluster.bootstrap
    slices = max(1, len(good) // (len(bad) + 1))
    for n, (name, value) in enumerate(bad.items()):
        await produce(bootstrap, topic, _good_records(good[n * slices:(n + 1) * slices]))
        await produce(bootstrap, topic, [(f"bad-{name}".encode(), value)],  # type: ignore[list-item]
                      max_request_size=4 * 1024 * 1024)
    await produce(bootstrap, topic, _good_records(good[len(bad) * slices:]))
    drained = await wait_lag_zero(deployment, topic, 90)
    await asyncio.sleep(2)
    dead = await _dead_letters(deployment)
    observed = await _observed_items(deployment)
    wanted = {e["subject"] for e in good if e["type"].endswith(("drawn", "called"))}
    return {"drained": drained is not None, "dead": dead,
            "good_items_without_observations": len(wanted - observed),
            "good_items": len(wanted), "evaluator_alive":
            deployment.processes["evaluator"].alive()}


async def run(cluster: Cluster, smoke: bool = False) -> Result:
    result = Result("dead-letters", "python -m bench.faults dead-letters"
                    + (" --smoke" if smoke else ""))
    deployment = Deployment(cluster, "dead").setup()
    try:
        deployment.start("evaluator")
        await asyncio.to_thread(deployment.wait_ready, "evaluator")
        events = queue_events(600 if smoke else 3000, seed=78_000)
        bad = hostile()
        first = await _round(deployment, dict(bad), events[: len(events) // 2])
        missing = [n for n in bad if f"bad-{n}" not in first["dead"]]
        no_reason = [n for n in bad if f"bad-{n}" in first["dead"]
                     and not first["dead"][f"bad-{n}"]["reason"]]
        # The tombstone, apart: a record whose value is null.
        second = await _round(deployment, {"null-value": None}, events[len(events) // 2:])
        result.figures.update({
            "hostile_records": len(bad), "dead_lettered": len(bad) - len(missing),
            "not_dead_lettered": missing, "without_reason": no_reason,
            "reasons": {k.removeprefix("bad-"): v["reason"][:120]
                        for k, v in first["dead"].items()},
            "good_items_without_observations": first["good_items_without_observations"],
            "evaluator_alive": first["evaluator_alive"], "drained": first["drained"],
            "tombstone": {"dead_lettered": "bad-null-value" in second["dead"],
                          "good_items_after_it_without_observations":
                          second["good_items_without_observations"],
                          "evaluator_alive": second["evaluator_alive"],
                          "drained": second["drained"]},
            "agent_crash_logged": "crashed" in deployment.log("evaluator").lower(),
        })
        result.target("hostile records not dead-lettered", "<=", 0, len(missing))
        result.target("dead letters without a reason header", "<=", 0, len(no_reason))
        result.target("good items not processed", "<=", 0,
                      first["good_items_without_observations"])
    finally:
        deployment.stop_all()
    return result
