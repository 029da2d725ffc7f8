"""Kafka topic names and their settings: the part of the contract that lives on the broker.

Every service and connector takes topic names from here, never from a literal,
so that a deployment can prefix them all at once (``SERVICENORM_TOPIC_PREFIX``
is applied by :func:`topic_names`).
"""

from __future__ import annotations

from dataclasses import dataclass

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str]


@dataclass(frozen=True, slots=True)
class Topics:
    """Names of the product's topics, all derived from one prefix."""

    events: str
    dead_letters: str
    definitions: str
    observations: str
    indicators: str
    status: str

    @property
    def prefix(self) -> str:
        """The deployment's prefix, which also names its consumer groups."""
        return self.events.removesuffix(".events")

    def specs(self, partitions: int = 4) -> list[TopicSpec]:
        """What deploy/ creates: partitions and cleanup policy per topic."""
        delete_7d = {"cleanup.policy": "delete", "retention.ms": str(7 * DAY_MS)}
        return [
            TopicSpec(self.events, partitions, delete_7d),
            TopicSpec(self.dead_letters, 1,
                      {"cleanup.policy": "delete", "retention.ms": str(30 * DAY_MS)}),
            TopicSpec(self.definitions, 1, {"cleanup.policy": "compact"}),
            TopicSpec(self.observations, partitions, delete_7d),
            TopicSpec(self.indicators, partitions, {"cleanup.policy": "compact"}),
            TopicSpec(self.status, partitions, delete_7d),
        ]


def topic_names(prefix: str = "servicenorm") -> Topics:
    """Topic names under ``prefix`` (default ``servicenorm``, as in the architecture)."""
    if not prefix or not all(c.isalnum() or c in "._-" for c in prefix):
        raise ValueError(f"topic prefix must be letters, digits, '.', '_' or '-', got {prefix!r}")
    return Topics(
        events=f"{prefix}.events",
        dead_letters=f"{prefix}.events.dead",
        definitions=f"{prefix}.definitions",
        observations=f"{prefix}.observations",
        indicators=f"{prefix}.indicators",
        status=f"{prefix}.status",
    )
