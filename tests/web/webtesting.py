"""Helpers for the web tests: accounts, recorded items, snapshots put straight into Kafka
(no evaluator needed), login through the form."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from aiokafka import AIOKafkaProducer
from starlette.testclient import TestClient

from schemas.topics import topic_names
from services.web import accounts

PASSWORD = "correct horse battery"
CHARTER = Path(__file__).resolve().parents[2] / "deploy" / "charter" / "voorbeeldstad"
CASE_TYPES = CHARTER.parent / "case-types" / "voorbeeldstad.yaml"


def basic(name: str, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def add_account(dsn: str, name: str, role: str, password: str = PASSWORD) -> int:
    """Create an account through the ``servicenorm users`` entry point."""
    saved = {k: os.environ.get(k) for k in ("SERVICENORM_DATABASE_URL",
                                            "SERVICENORM_NEW_PASSWORD")}
    os.environ["SERVICENORM_DATABASE_URL"] = dsn
    os.environ["SERVICENORM_NEW_PASSWORD"] = password
    try:
        return accounts.main(["add", name, "--role", role])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_sql(dsn: str, statement: str, *rows: tuple[Any, ...]) -> None:
    async def go() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            if rows:
                await connection.executemany(statement, rows)
            else:
                await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(go())


INSERT_OBSERVATION = """
INSERT INTO observations (id, norm, item, op, started_at, ended_at, duration_s, within, scope)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
"""


def observation(id_: str, norm: str, ended: datetime | None, duration: float, within: bool,
                scope: dict[str, str] | None = None) -> tuple[Any, ...]:
    started = (ended or datetime.now(UTC)).timestamp() - duration
    return (id_, norm, id_, "done" if ended else "open", datetime.fromtimestamp(started, UTC),
            ended, duration if ended else None, within if ended else None,
            orjson.dumps(scope or {}).decode())


def snapshot(norm: str, indicator: str | None, status: str, value: float | None,
             scope: dict[str, str] | None = None, count: int = 20,
             unit: str = "percent") -> dict[str, Any]:
    scope = scope or {}
    tail = "".join(f":{k}.{v}" for k, v in scope.items())
    now = datetime.now(UTC).isoformat()
    if indicator is None:
        return {"scope_key": f"norm:{norm}{tail}", "kind": "norm", "norm": norm,
                "indicator": None, "scope": scope, "status": status, "score": 0.0,
                "since": now, "updated_at": now}
    return {"scope_key": f"indicator:{norm}:{indicator}{tail}", "kind": "indicator",
            "norm": norm, "indicator": indicator, "scope": scope, "status": status,
            "raw_status": status, "score": 0.0 if status == "green" else 1.0, "value": value,
            "count": count, "unit": unit, "window_seconds": 3600.0,
            "today": {"value": value, "count": count}, "since": now, "updated_at": now,
            "version": 1}


def publish_snapshots(bootstrap: str, prefix: str, snapshots: list[dict[str, Any]]) -> None:
    """Write indicator snapshots to the compacted topic, as the evaluator would."""
    async def go() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            topic = topic_names(prefix).indicators
            for item in snapshots:
                await producer.send_and_wait(topic, orjson.dumps(item),
                                             key=item["scope_key"].encode())
        finally:
            await producer.stop()

    asyncio.run(go())


def wait_until(check: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"{what} not reached in {timeout}s (last: {last!r})")




def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    """Log in through the form, as a browser would (with the CSRF token from the page)."""
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": token, "next": "/"})


def csrf_of(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
