"""Plain Kafka clients for the benchmarks: produce, read to the end, consumer group lag.

These are also the baselines: what aiokafka does without the product around it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

log = logging.getLogger(__name__)

Record = tuple[bytes | None, bytes | None]  # key, value


def producer(bootstrap: str, **overrides: Any) -> AIOKafkaProducer:
    """The producer settings of ingest: idempotent (acks=all), 2 ms linger, 256 KiB batches."""
    settings: dict[str, Any] = {"bootstrap_servers": bootstrap, "enable_idempotence": True,
                                "acks": "all", "linger_ms": 2, "max_batch_size": 256 * 1024}
    settings.update(overrides)
    return AIOKafkaProducer(**settings)


async def produce(bootstrap: str, topic: str, records: Sequence[Record],
                  chunk: int = 5000, headers: list[tuple[str, bytes]] | None = None,
                  **overrides: Any) -> None:
    """Write ``records`` and wait until the broker acknowledged every one."""
    client = producer(bootstrap, **overrides)
    await client.start()
    try:
        for start in range(0, len(records), chunk):
            futures = [await client.send(topic, value, key=key, headers=headers)
                       for key, value in records[start:start + chunk]]
            await asyncio.gather(*futures)
    finally:
        await client.stop()


async def partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    # A consumer without a group only knows the metadata it fetched itself.
    metadata = await consumer._client.fetch_all_metadata()
    found = metadata.partitions_for_topic(topic) or set()
    if not found:
        raise RuntimeError(f"topic {topic} does not exist")
    return [TopicPartition(topic, p) for p in sorted(found)]


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        tps = await partitions(consumer, topic)
        ends = await consumer.end_offsets(tps)
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await consumer.stop()


async def read_all(bootstrap: str, topic: str,
                   handle: Callable[[Any], None] | None = None) -> list[Any]:
    """Every record of ``topic`` from the beginning to the end offsets seen at the start."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest",
                                max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    found: list[Any] = []
    try:
        tps = await partitions(consumer, topic)
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        remaining = {tp for tp in tps if ends[tp] > 0}
        while remaining:
            batch = await consumer.getmany(timeout_ms=500, max_records=10_000)
            for records in batch.values():
                for record in records:
                    if handle is not None:
                        handle(record)
                    else:
                        found.append(record)
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return found


class GroupLag:
    """Committed offsets of a consumer group against the end offsets of a topic."""

    def __init__(self, bootstrap: str, group: str, topic: str) -> None:
        self.bootstrap, self.group, self.topic = bootstrap, group, topic
        self.admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)

    async def __aenter__(self) -> GroupLag:
        await self.admin.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.admin.close()

    async def committed(self) -> int:
        offsets = await self.admin.list_consumer_group_offsets(self.group)
        return sum(meta.offset for tp, meta in offsets.items()
                   if tp.topic == self.topic and meta.offset >= 0)
