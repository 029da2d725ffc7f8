"""Set-up steps run before the services: topics, tables, and loading norm definitions.

Not a service: the commands ``servicenorm setup`` and ``servicenorm norms`` call it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg
import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from schemas.migrations import migrate
from schemas.norms import DefinitionError, NormDefinition, load_folder
from schemas.settings import CommonSettings, env_int
from schemas.topics import topic_names

log = logging.getLogger(__name__)

INSERT_DEFINITION = """
INSERT INTO norm_definitions (norm, version, definition, source_file)
VALUES ($1, $2, $3::jsonb, $4)
ON CONFLICT (norm, version) DO UPDATE
SET definition = EXCLUDED.definition, source_file = EXCLUDED.source_file, loaded_at = now()
"""


async def create_topics(settings: CommonSettings, partitions: int) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    created = []
    try:
        existing = set(await admin.list_topics())
        specs = topic_names(settings.topic_prefix).specs(partitions)
        new = [NewTopic(s.name, s.partitions, 1, topic_configs=s.config)
               for s in specs if s.name not in existing]
        if new:
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
            created = [t.name for t in new]
    finally:
        await admin.close()
    return created


async def setup() -> int:
    settings = CommonSettings.from_env()
    created = await create_topics(settings, env_int("PARTITIONS", 4))
    applied = await migrate(settings.database_url)
    print(f"topics created: {len(created)}; migrations applied: {len(applied)}")
    return 0


def validate_norms(folder: str) -> int:
    try:
        norms = load_folder(Path(folder))
    except DefinitionError as exc:
        print(exc)
        return 2
    for norm in norms:
        print(f"ok  {norm.norm} v{norm.version}: {norm.title.nl}")
    return 0


async def publish_norms(settings: CommonSettings, norms: list[NormDefinition],
                        source: dict[str, str] | None = None) -> None:
    """Store definitions in PostgreSQL, then publish them on the compacted topic."""
    source = source or {}
    # 1. Store every definition in one transaction: all or nothing.
    connection = await asyncpg.connect(settings.database_url)
    try:
        async with connection.transaction():
            for norm in norms:
                await connection.execute(INSERT_DEFINITION, norm.norm, norm.version,
                                         orjson.dumps(norm.to_dict()).decode(),
                                         source.get(norm.norm))
    finally:
        await connection.close()
    # 2. Publish, so that running evaluators apply them without restart.
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap,
                                enable_idempotence=True)
    await producer.start()
    try:
        topic = topic_names(settings.topic_prefix).definitions
        for norm in norms:
            await producer.send_and_wait(topic, orjson.dumps(norm.to_dict()),
                                         key=norm.norm.encode())
    finally:
        await producer.stop()


async def load_norms(folder: str) -> int:
    try:
        norms = load_folder(Path(folder))
    except DefinitionError as exc:
        print(exc)
        return 2
    await publish_norms(CommonSettings.from_env(), norms)
    print(f"loaded {len(norms)} norm definitions from {folder}")
    return 0
