"""Settings read once from the environment, shared by every service.

Each service builds one frozen settings object at start and logs it (without
secrets). Unknown ``SERVICENORM_*`` variables are reported, so that a misspelt
setting does not pass silently.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)
PREFIX = "SERVICENORM_"


class Secret(str):
    """A string that never shows itself in logs or reprs."""

    def __repr__(self) -> str:
        return "Secret('********')"


def redact_dsn(dsn: str) -> str:
    parts = urlsplit(dsn)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":********@")
        return urlunsplit(parts._replace(netloc=netloc))
    return dsn


DEFAULT_DATABASE_URL = Secret("postgresql://postgres@127.0.0.1:15432/servicenorm")


@dataclass(frozen=True, slots=True)
class CommonSettings:
    kafka_bootstrap: str = "127.0.0.1:19092"
    database_url: Secret = DEFAULT_DATABASE_URL
    topic_prefix: str = "servicenorm"
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CommonSettings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = Secret(raw) if f.name == "database_url" else raw
        return cls(**values)  # type: ignore[arg-type]

    def describe(self) -> str:
        return (f"kafka={self.kafka_bootstrap} database={redact_dsn(self.database_url)} "
                f"topics={self.topic_prefix}.*")


def env_int(name: str, default: int, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    raw = env.get(PREFIX + name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{PREFIX}{name} must be a whole number, got {raw!r}") from None


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
