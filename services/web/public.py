"""What citizens and other sites see, without login: the public page, results per period,
downloads, the embeddable widget, the accessibility statement and the public API.

Everything here goes through :meth:`Definitions.public_snapshot` or is limited to
``Definitions.public()``: a norm with ``public: false`` is never named, counted
or shown. An unknown norm and an unpublished one get the same 404, so the
answers do not even reveal that an unpublished norm exists.
"""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from schemas.norms import NormDefinition
from services.web import i18n
from services.web.context import Web, problem, web_of, whole_number
from services.web.definitions import Definitions, Snapshot
from services.web.periods import GRAINS, Figure, current_year, figures, period_indicators

log = logging.getLogger(__name__)

FIRST_YEAR = 2000
CSV_COLUMNS = ("norm", "indicator", "grain", "period", "label", "items", "value", "status")


def organisation_status(web: Web, norm: NormDefinition) -> dict[str, Any]:
    """The live public view of one norm at organisation level, for server rendering."""
    state = web.public_hub.state
    roll_up = state.get(f"norm:{norm.norm}") or {}
    headline = norm.indicators[0]
    value = state.get(f"indicator:{norm.norm}:{headline.id}") or {}
    locations = sorted((s for s in state.values()
                        if s.get("kind") == "norm" and s.get("norm") == norm.norm
                        and len(s.get("scope") or {}) == 1),
                       key=lambda s: s["scope_key"])
    return {"status": roll_up.get("status", "no-data"), "value": value.get("value"),
            "unit": headline.unit, "indicator": headline, "today": value.get("today") or {},
            "updated_at": roll_up.get("updated_at"), "parts": locations}


async def _year(request: Request) -> int:
    return whole_number(request, "jaar", current_year(), FIRST_YEAR, current_year())


async def _figures(web: Web, year: int) -> tuple[Definitions, list[Figure]]:
    definitions = await web.norms()
    pool = await web.db()
    return definitions, await figures(pool, definitions.public(), year)


async def public_page(request: Request) -> Response:
    web = web_of(request)
    year = await _year(request)
    definitions, found = await _figures(web, year)
    lang = i18n.language_of(request.scope)
    norms = []
    for norm in definitions.public():
        mine = [f for f in found if f.norm == norm.norm]
        norms.append({
            "card": web.card(norm, lang), "live": organisation_status(web, norm),
            "indicators": [{"id": i.id, "title": i.title.get(lang), "unit": i.unit,
                            "target": i.band.target, "limit": i.band.limit,
                            "direction": i.band.direction, "min_items": i.min_items}
                           for i in period_indicators(norm)],
            "rows": {grain: _rows(mine, grain) for grain in GRAINS},
        })
    return web.page(request, "publiek.html", {
        "norms": norms, "year": year, "years": list(range(current_year(), FIRST_YEAR - 1, -1))[:6],
        "last_update": web.hub.last_update, "live": web.hub.live})


def _rows(found: list[Figure], grain: str) -> list[dict[str, Any]]:
    """One row per period, with each indicator's figure by id."""
    by_period: dict[str, dict[str, Any]] = {}
    for figure in found:
        if figure.grain != grain:
            continue
        row = by_period.setdefault(figure.period.isoformat(), {
            "period": figure.period, "label": figure.as_dict()["label"], "figures": {}})
        row["figures"][figure.indicator] = figure
    return [by_period[k] for k in sorted(by_period)]


async def results_json(request: Request) -> Response:
    web = web_of(request)
    year = await _year(request)
    definitions, found = await _figures(web, year)
    return JSONResponse({
        "year": year, "timezone": "Europe/Amsterdam",
        "norms": [{"norm": n.norm, "version": n.version, "title": n.title.to_dict(),
                   "promise": n.promise.to_dict(),
                   "indicators": [{"id": i.id, "title": i.title.to_dict(), "unit": i.unit,
                                   "target": i.band.target, "limit": i.band.limit,
                                   "direction": i.band.direction, "min_items": i.min_items}
                                  for i in period_indicators(n)]}
                  for n in definitions.public()],
        "figures": [f.as_dict() for f in found],
    }, headers={"Content-Disposition": f'attachment; filename="servicenormen-{year}.json"'})


async def results_csv(request: Request) -> Response:
    web = web_of(request)
    year = await _year(request)
    _, found = await _figures(web, year)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for figure in found:
        writer.writerow(figure.as_dict())
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="servicenormen-{year}.csv"'})


def _public_norm(definitions: Definitions, request: Request) -> NormDefinition | None:
    norm = definitions.norms.get(request.path_params["norm"])
    return norm if norm is not None and norm.public else None


async def widget(request: Request) -> Response:
    web = web_of(request)
    norm = _public_norm(await web.norms(), request)
    if norm is None:
        return web.page(request, "error.html", {"status": 404, "message_key": "error.not_found"},
                        status=404)
    lang = i18n.language_of(request.scope)
    return web.page(request, "widget.html", {
        "card": web.card(norm, lang), "live": organisation_status(web, norm)},
        headers={"Content-Security-Policy": "default-src 'self'; style-src 'self' "
                 "'unsafe-inline'; frame-ancestors *"})


async def public_norm_json(request: Request) -> Response:
    web = web_of(request)
    definitions = await web.norms()
    norm = _public_norm(definitions, request)
    if norm is None:
        return problem(404, "no published norm with this id")
    items = [s for s in web.public_hub.state.values() if s.get("norm") == norm.norm]
    return JSONResponse({"norm": norm.norm, "version": norm.version,
                         "title": norm.title.to_dict(), "promise": norm.promise.to_dict(),
                         "items": items, "last_update": web.public_hub.last_update},
                        headers={"Access-Control-Allow-Origin": "*"})


async def public_status(request: Request) -> Response:
    web = web_of(request)
    definitions = await web.norms()
    hub = web.public_hub
    return JSONResponse({
        "epoch": hub.epoch, "sequence": hub.sequence, "last_update": hub.last_update,
        "live": hub.live,
        "norms": [{"norm": n.norm, "version": n.version, "title": n.title.to_dict(),
                   "promise": n.promise.to_dict()} for n in definitions.public()],
        "items": list(hub.state.values())}, headers={"Access-Control-Allow-Origin": "*"})


async def public_stream(request: Request) -> Response:
    web = web_of(request)
    await web.norms()
    last_event_id = request.headers.get("last-event-id")
    return EventSourceResponse(
        web.public_hub.subscribe(last_event_id, heartbeat=web.settings.heartbeat_seconds),
        ping=15, headers={"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"})


async def accessibility(request: Request) -> Response:
    return web_of(request).page(request, "toegankelijkheid.html", {})


def sync_public(web: Web) -> None:
    """Make the public hub hold exactly the public view of the main hub's state.

    Run after definitions change: a norm that stopped being public disappears, one
    that became public appears.
    """
    wanted: dict[str, Snapshot] = {}
    for key, snapshot in web.hub.state.items():
        shown = web.definitions.public_snapshot(snapshot)
        if shown is not None:
            wanted[key] = shown
    for key in list(web.public_hub.state):
        if key not in wanted:
            web.public_hub.remove(key)
    for key, shown in wanted.items():
        if web.public_hub.state.get(key) != shown:
            web.public_hub.apply(shown)


def feed_public(web: Web) -> None:
    """Pass each change of the main hub on to the public hub, filtered."""

    def listener(key: str, snapshot: Snapshot | None) -> None:
        shown = None if snapshot is None else web.definitions.public_snapshot(snapshot)
        if shown is None:
            if key in web.public_hub.state:
                web.public_hub.remove(key)
            return
        web.public_hub.apply(shown)

    web.hub.listeners.append(listener)
    web.hub.downstream.append(web.public_hub)


routes = [
    Route("/publiek", public_page),
    Route("/publiek/resultaten.csv", results_csv),
    Route("/publiek/resultaten.json", results_json),
    Route("/publiek/widget/{norm}", widget),
    Route("/toegankelijkheid", accessibility),
    Route("/api/public/status", public_status),
    Route("/api/public/stream", public_stream),
    Route("/api/public/norms/{norm}", public_norm_json),
]
