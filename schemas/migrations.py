"""Apply the numbered SQL files in ``schemas/sql`` once each, in order."""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)
SQL_DIR = Path(__file__).parent / "sql"

CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name       text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""
APPLIED = "SELECT name FROM schema_migrations"
RECORD = "INSERT INTO schema_migrations (name) VALUES ($1)"
# One lock id for all migrators, so two starting at once do not race.
LOCK = "SELECT pg_advisory_xact_lock(727274)"


async def migrate(dsn: str) -> list[str]:
    """Apply what is new; returns the names applied."""
    connection = await asyncpg.connect(dsn)
    applied_now: list[str] = []
    try:
        async with connection.transaction():
            await connection.execute(LOCK)
            await connection.execute(CREATE_LEDGER)
            done = {row["name"] for row in await connection.fetch(APPLIED)}
            for path in sorted(SQL_DIR.glob("*.sql")):
                if path.name in done:
                    continue
                await connection.execute(path.read_text(encoding="utf-8"))
                await connection.execute(RECORD, path.name)
                applied_now.append(path.name)
                log.info("migration applied: %s", path.name)
    finally:
        await connection.close()
    return applied_now
