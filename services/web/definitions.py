"""The norm definitions the screens show, read from PostgreSQL, and who may see what.

The web service reads ``current_norms`` (the highest loaded version of each
norm) and keeps it in memory, refreshed every few seconds, so that a page does
not query definitions on every request and a newly loaded charter shows without
a restart.

The audience filters live here, in one place, because they guard what leaves
the building:

* :meth:`Definitions.public_snapshot` decides what the citizens' page, the
  public API, the widget and the downloads may carry: only norms with
  ``public: true``; only norm and indicator snapshots (never the location or
  organisation roll-ups, which mix in unpublished norms); only the organisation
  and the first level of the drill-down (a desk with three visitors is not an
  aggregate); and no value while the indicator has fewer items than its
  ``min_items``.
* :meth:`Definitions.display_snapshot` decides what a hall display receives:
  norms with ``display: true`` that are also public (a screen in a waiting hall,
  reachable without login, is a public page), norm and indicator snapshots.

A norm whose definition is unknown (not loaded, or failed to parse) is shown to
nobody outside the dashboard.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.norms import DefinitionError, NormDefinition

log = logging.getLogger(__name__)

CURRENT_NORMS = "SELECT norm, version, definition FROM current_norms ORDER BY norm"
REFRESH_SECONDS = 10.0
PUBLIC_DEPTH = 1
"""How deep in the drill-down the public sees: organisation plus one level."""

Snapshot = dict[str, Any]
# Indicator kinds whose value describes measured items, so ``min_items`` applies.
ITEM_VALUE_KINDS = frozenset({"share-within", "mean", "percentile", "maximum", "reported",
                              "ratio"})


@dataclass
class Definitions:
    """The current definition of every norm, by id, in charter order (by id)."""

    norms: dict[str, NormDefinition] = field(default_factory=dict)
    loaded_at: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def replace(self, rows: list[Mapping[str, Any]]) -> None:
        """Take the rows of ``current_norms``; a row that does not parse is left out."""
        norms: dict[str, NormDefinition] = {}
        for row in rows:
            try:
                norms[row["norm"]] = NormDefinition.from_dict(_as_dict(row["definition"]))
            except (DefinitionError, KeyError, TypeError, ValueError) as exc:
                log.error("norm %s v%s cannot be shown: %s", row.get("norm"),
                          row.get("version"), exc)
        self.norms = norms
        self.loaded_at = time.monotonic()

    async def refresh(self, pool: Any, force: bool = False) -> None:
        """Reload from the database when older than the refresh interval."""
        if not force and time.monotonic() - self.loaded_at < REFRESH_SECONDS:
            return
        async with self._lock:
            if not force and time.monotonic() - self.loaded_at < REFRESH_SECONDS:
                return
            rows = await pool.fetch(CURRENT_NORMS)
            before = set(self.norms)
            self.replace([dict(r) for r in rows])
            if set(self.norms) != before:
                log.info("norm definitions loaded: %d norms", len(self.norms))

    # -- audiences ----------------------------------------------------------------------------

    def public(self) -> list[NormDefinition]:
        return [n for n in self.norms.values() if n.public]

    def displayed(self) -> list[NormDefinition]:
        return [n for n in self.norms.values() if n.display and n.public]

    def is_public(self, norm_id: str | None) -> bool:
        norm = self.norms.get(norm_id or "")
        return norm is not None and norm.public

    def public_snapshot(self, snapshot: Snapshot) -> Snapshot | None:
        """What the public may see of ``snapshot``, or None when nothing."""
        norm = self.norms.get(snapshot.get("norm") or "")
        if norm is None or not norm.public or snapshot.get("kind") not in ("norm", "indicator"):
            return None
        scope = snapshot.get("scope") or {}
        if len(scope) > PUBLIC_DEPTH:
            return None
        shown = {k: snapshot.get(k) for k in (
            "scope_key", "kind", "norm", "indicator", "scope", "status", "score", "value",
            "count", "unit", "window_seconds", "today", "since", "updated_at", "version")
            if k in snapshot}
        indicator_id = snapshot.get("indicator")
        if indicator_id:
            try:
                indicator = norm.indicator(indicator_id)
            except KeyError:
                return None
            if indicator.kind in ITEM_VALUE_KINDS:
                shown.update(_suppressed(snapshot, indicator.min_items))
        return shown

    def display_snapshot(self, snapshot: Snapshot) -> bool:
        norm = self.norms.get(snapshot.get("norm") or "")
        return (norm is not None and norm.display and norm.public
                and snapshot.get("kind") in ("norm", "indicator"))


def _suppressed(snapshot: Snapshot, min_items: int) -> dict[str, Any]:
    """Hide values computed from fewer than ``min_items`` items (privacy floor)."""
    floor = max(min_items, 1)
    out: dict[str, Any] = {}
    if (snapshot.get("count") or 0) < floor:
        out["value"] = None
        out["score"] = None
    today = snapshot.get("today") or {}
    if (today.get("count") or 0) < floor:
        out["today"] = {"value": None, "count": today.get("count")}
    return out


def _as_dict(value: Any) -> Mapping[str, Any]:
    """asyncpg returns jsonb as text unless a codec is set; accept both."""
    if isinstance(value, str):
        import orjson

        loaded: Mapping[str, Any] = orjson.loads(value)
        return loaded
    return value  # type: ignore[no-any-return]
