"""The ZGW connector at work: poll the Zaken API, follow notifications, send case events.

A poll reads every open zaak (``einddatum__isnull=true``) and the zaken closed since
the day before the last poll (``einddatum__gt``), maps each with ``mapping.plan`` and
sends what the cursor has not seen sent. A notification from the Notificaties API
(kanaal ``zaken``) names its zaak in ``hoofdObject``; that zaak is read and mapped the
same way, so it does not matter which of the two sees a change first.

Departures from the obvious, numbered so the code can point back:

1. The cursor is updated only after ingest confirmed the events, so a failure while
   sending makes the next round send them again, under the same ids.
2. A zaaktype is read once per run and cached; when its ``doorlooptijd`` differs from
   the statutory term in the case-type file a warning says so, since the file wins.
3. Zaken of a zaaktype that no case type claims are skipped, with one warning per
   zaaktype, not per zaak.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from connectors.sdk import AMSTERDAM, EventFactory
from connectors.zgw.client import ZgwClient, ZgwRefused
from connectors.zgw.cursor import Cursor
from connectors.zgw.mapping import (
    NOTICE,
    Plan,
    PlannedEvent,
    ZaakError,
    needs_status_history,
    plan,
    term_from_duration,
    zaak_facts,
)
from schemas.casetypes import CaseTypeCatalogue, CaseTypeDefinition, format_term

log = logging.getLogger(__name__)

ZAKEN_CHANNEL = "zaken"


class Sink(Protocol):
    async def send(self, event: dict[str, Any]) -> None: ...

    async def flush(self) -> None: ...


class NotificationError(ValueError):
    """A notification the connector cannot use (wrong shape or foreign URL). Not retriable."""


@dataclass(slots=True)
class RoundReport:
    """What one poll or notification did; counts only, for logging."""

    zaken: int = 0
    events: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(AMSTERDAM)


class Connector:
    def __init__(self, client: ZgwClient, catalogue: CaseTypeCatalogue, sink: Sink,
                 factory: EventFactory, cursor: Cursor, *, received_from: str = "startdatum",
                 since: date | None = None, clock: Callable[[], datetime] = _now) -> None:
        self.client = client
        self.catalogue = catalogue
        self.sink = sink
        self.factory = factory
        self.cursor = cursor
        self.received_from = received_from
        self.since = since
        self.clock = clock
        self._zaaktypen: dict[str, CaseTypeDefinition | None] = {}
        self._lock = asyncio.Lock()

    # -- the two ways in --

    async def poll_once(self) -> RoundReport:
        """Read open and recently closed zaken, send their new events, save the cursor."""
        async with self._lock:
            now = self.clock()
            today = now.astimezone(AMSTERDAM).date()
            report = RoundReport()
            plans: dict[str, tuple[Plan, date | None]] = {}
            # 1. Open zaken, then those closed since the day before the last poll
            closed_after = self._closed_after(today)
            seen: set[object] = set()
            for params in ({"einddatum__isnull": "true"},
                           {"einddatum__gt": closed_after.isoformat()}):
                async for zaak in self.client.zaken(params):
                    if zaak.get("url") in seen:
                        continue
                    seen.add(zaak.get("url"))
                    await self._map(zaak, now, plans, report)
            # 2. Send, then remember what was sent (departure 1)
            await self._send(plans, report)
            self.cursor.last_poll_on = today
            self.cursor.prune(today)
            self.cursor.save()
            log.info("poll: %d zaken read, %d events sent, %d skipped",
                     report.zaken, report.events, report.skipped)
            return report

    async def handle_notification(self, body: Mapping[str, Any]) -> RoundReport:
        """Read the zaak a Notificaties API message is about and send its new events."""
        zaak_url = _zaak_url_of(body)
        report = RoundReport()
        if zaak_url is None:
            return report
        if not self.client.allowed(zaak_url):
            raise NotificationError(f"hoofdObject {zaak_url!r} is not on the configured Zaken "
                                    "API's host; ignored")
        async with self._lock:
            now = self.clock()
            plans: dict[str, tuple[Plan, date | None]] = {}
            zaak = await self.client.get(zaak_url)
            await self._map(zaak, now, plans, report)
            await self._send(plans, report)
            self.cursor.save()
        log.info("notification %s %s: %d events sent", body.get("resource"), body.get("actie"),
                 report.events)
        return report

    # -- one zaak --

    async def _map(self, zaak: Mapping[str, Any], now: datetime,
                   plans: dict[str, tuple[Plan, date | None]], report: RoundReport) -> None:
        report.zaken += 1
        try:
            facts = zaak_facts(zaak, self.received_from)
        except ZaakError as error:
            report.skipped += 1
            report.warnings.append(str(error))
            log.warning("skipping a zaak: %s", error)
            return
        case_type = await self._case_type(facts.zaaktype, report)
        if case_type is None:
            report.skipped += 1
            return
        observed = self.cursor.get(facts.url)
        status_days = await self._status_days(facts.url) if needs_status_history(
            facts, observed) else []
        made = plan(facts, case_type, observed, status_days, now)
        for warning in made.warnings:
            log.warning("%s", warning)
        report.warnings.extend(made.warnings)
        plans[facts.url] = (made, facts.closed_on)
        log.debug("zaak %s: %d new events", facts.case_id, len(made.events))

    async def _status_days(self, zaak_url: str) -> list[date]:
        days = []
        async for status in self.client.statussen(zaak_url):
            moment = status.get("datumStatusGezet")
            if isinstance(moment, str):
                parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
                local = parsed.astimezone(AMSTERDAM) if parsed.tzinfo else parsed
                days.append(local.date())
        return sorted(days)

    async def _case_type(self, zaaktype_url: str, report: RoundReport
                         ) -> CaseTypeDefinition | None:
        if zaaktype_url not in self._zaaktypen:
            self._zaaktypen[zaaktype_url] = await self._lookup(zaaktype_url, report)
        return self._zaaktypen[zaaktype_url]

    async def _lookup(self, zaaktype_url: str, report: RoundReport) -> CaseTypeDefinition | None:
        try:
            zaaktype = await self.client.get(zaaktype_url)
        except ZgwRefused as error:
            report.warnings.append(str(error))
            log.warning("zaaktype %s cannot be read (%s); its zaken are skipped",
                        zaaktype_url, error)
            return None
        identificatie = str(zaaktype.get("identificatie", ""))
        found = self.catalogue.for_zaaktype(identificatie)
        if found is None:
            message = (f"zaaktype {identificatie!r} ({zaaktype_url}) is in no case type's "
                       "zgw_zaaktypen; its zaken are skipped")
            report.warnings.append(message)
            log.warning("%s", message)  # departure 3: once per zaaktype
            return None
        _compare_terms(zaaktype, found)
        return found

    # -- sending --

    async def _send(self, plans: Mapping[str, tuple[Plan, date | None]],
                    report: RoundReport) -> None:
        for made, _ in plans.values():
            for planned in made.events:
                await self.sink.send(self._event(planned))
                report.events += 1
        await self.sink.flush()
        for url, (made, closed_on) in plans.items():
            self.cursor.update(url, made.observed, closed_on)

    def _event(self, planned: PlannedEvent) -> dict[str, Any]:
        return self.factory.make(planned.type, planned.subject, planned.time, planned.data,
                                 key=f"{planned.subject}|{planned.key}")

    def _closed_after(self, today: date) -> date:
        return (self.cursor.last_poll_on or self.since or today) - timedelta(days=1)


def _compare_terms(zaaktype: Mapping[str, Any], found: CaseTypeDefinition) -> None:
    # Departure 2: the case-type file wins, but a difference deserves a look.
    doorlooptijd = zaaktype.get("doorlooptijd")
    try:
        term = term_from_duration(str(doorlooptijd))
    except ValueError:
        return
    configured = format_term(found.statutory_term)
    if term != configured:
        log.warning("zaaktype %r has doorlooptijd %r (%s) but case type %r has statutory term "
                    "%r; the case-type file is used", zaaktype.get("identificatie"),
                    doorlooptijd, term, found.code, configured)


def _zaak_url_of(body: Mapping[str, Any]) -> str | None:
    """The zaak a notification is about; None when there is nothing to read."""
    if not isinstance(body, Mapping) or not isinstance(body.get("hoofdObject"), str):
        shown = sorted(body) if isinstance(body, Mapping) else body
        raise NotificationError("expected a notification with `kanaal`, `hoofdObject`, "
                                f"`resource` and `actie`, got {shown!r}")
    if body.get("kanaal") != ZAKEN_CHANNEL:
        log.debug("ignoring a notification on kanaal %r", body.get("kanaal"))
        return None
    if body.get("resource") == "zaak" and body.get("actie") == "destroy":
        log.info("zaak %s was deleted in the Zaken API; nothing to send", body["hoofdObject"])
        return None
    return str(body["hoofdObject"])


def notice_event(factory: EventFactory, case_id: str, received_on: date,
                 now: datetime) -> dict[str, Any]:
    """The hand-registered notice of default: ZGW has no object for it."""
    return factory.make(NOTICE, case_id, now, {"received_on": received_on.isoformat()},
                        key=f"{case_id}|default-notice:{received_on.isoformat()}")
