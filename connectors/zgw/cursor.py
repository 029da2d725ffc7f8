"""The connector's cursor: per zaak what was sent and whether it was seen suspended.

Kept as one JSON file, replaced atomically (written beside it, then renamed), so a
crash while saving leaves the previous cursor. Without a file the connector starts
afresh; what it sends again then carries the same event ids (see ``mapping.py``,
departure 5) and ingest keeps it once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from connectors.zgw.mapping import Observed

CURSOR_VERSION = 1
KEEP_CLOSED_DAYS = 60
"""A closed zaak is forgotten this many days after its decision was sent."""


@dataclass
class Cursor:
    path: Path | None = None
    zaken: dict[str, Observed] = field(default_factory=dict)
    closed_on: dict[str, date] = field(default_factory=dict)
    last_poll_on: date | None = None

    @classmethod
    def load(cls, path: str | Path | None) -> Cursor:
        if path is None:
            return cls()
        file = Path(path)
        if not file.exists():
            return cls(file)
        data = orjson.loads(file.read_bytes())
        if data.get("version") != CURSOR_VERSION:
            raise ValueError(f"{file}: expected cursor version {CURSOR_VERSION}, "
                             f"got {data.get('version')!r}; move the file away to start afresh")
        return cls(
            file,
            {url: Observed.from_dict(item) for url, item in data.get("zaken", {}).items()},
            {url: date.fromisoformat(day) for url, day in data.get("closed_on", {}).items()},
            date.fromisoformat(data["last_poll_on"]) if data.get("last_poll_on") else None,
        )

    def get(self, zaak_url: str) -> Observed:
        return self.zaken.get(zaak_url, Observed())

    def update(self, zaak_url: str, observed: Observed, closed_on: date | None) -> None:
        self.zaken[zaak_url] = observed
        if closed_on is not None:
            self.closed_on[zaak_url] = closed_on

    def prune(self, today: date) -> int:
        """Forget zaken closed more than ``KEEP_CLOSED_DAYS`` ago."""
        horizon = today - timedelta(days=KEEP_CLOSED_DAYS)
        gone = [url for url, day in self.closed_on.items() if day < horizon]
        for url in gone:
            self.zaken.pop(url, None)
            del self.closed_on[url]
        return len(gone)

    def to_dict(self) -> dict[str, Any]:
        return {"version": CURSOR_VERSION,
                "last_poll_on": self.last_poll_on.isoformat() if self.last_poll_on else None,
                "zaken": {url: item.to_dict() for url, item in sorted(self.zaken.items())},
                "closed_on": {url: day.isoformat() for url, day in sorted(self.closed_on.items())}}

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_bytes(orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2))
        os.replace(temporary, self.path)

    def snapshot(self) -> Mapping[str, Observed]:
        return dict(self.zaken)
