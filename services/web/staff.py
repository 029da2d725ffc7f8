"""Screens for the organisation: the supervisors' dashboard with its internal API, and
the hall displays.

* ``/`` and ``/dashboard/<screen>`` (viewer or higher): tiles per norm, drill-down,
  norm card, trends and open items. The page is a frame; its script takes the
  live state from ``/api/stream`` and the rest from the JSON API below.
* ``/api/status``, ``/api/stream`` (viewer, by session or HTTP Basic): every norm.
* ``/api/norms``, ``/api/history``, ``/api/open``: norm cards, trend points, open
  items, for the dashboard script and machine clients.
* The Termijnen tile (case deadlines) and its drill-down are rendered with the help of
  ``cases.py``, which also serves ``/api/cases``.
* ``/display/<screen>`` (no login): a hall display. It receives only norms with
  ``display: true``, through ``/api/display/stream`` and ``/api/display/status``.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from schemas.norms import SCOPE_LEVELS
from services.web import cases, history, i18n, layouts
from services.web.auth import Account
from services.web.context import (
    BadParameter,
    Web,
    choice,
    now_utc,
    problem,
    scope_param,
    web_of,
    whole_number,
)

log = logging.getLogger(__name__)

MAX_OPEN_ITEMS = 100


# -- internal API ------------------------------------------------------------------------------


async def status(request: Request) -> Response:
    web = web_of(request)
    guard = await web.require(request, "viewer", api=True)
    if not isinstance(guard, Account):
        return guard
    hub = web.hub
    return JSONResponse({"epoch": hub.epoch, "sequence": hub.sequence, "live": hub.live,
                         "last_update": hub.last_update, "items": list(hub.state.values())})


async def stream(request: Request) -> Response:
    web = web_of(request)
    guard = await web.require(request, "viewer", api=True)
    if not isinstance(guard, Account):
        return guard
    last_event_id = request.headers.get("last-event-id") or request.query_params.get(
        "last_event_id")
    return EventSourceResponse(
        web.hub.subscribe(last_event_id, heartbeat=web.settings.heartbeat_seconds),
        ping=15, headers={"Cache-Control": "no-store"})


async def norms_api(request: Request) -> Response:
    web = web_of(request)
    guard = await web.require(request, "viewer", api=True)
    if not isinstance(guard, Account):
        return guard
    lang = i18n.language_of(request.scope)
    definitions = await web.norms()
    return JSONResponse({"norms": [web.card(n, lang) for n in definitions.norms.values()]})


async def history_api(request: Request) -> Response:
    web = web_of(request)
    guard = await web.require(request, "viewer", api=True)
    if not isinstance(guard, Account):
        return guard
    key = request.query_params.get("scope_key", "")
    if not key or len(key) > 400 or not key.startswith(("indicator:", "norm:", "location:",
                                                         "organisation")):
        raise BadParameter("scope_key", f"must be a scope key such as "
                                        f"'indicator:<norm>:<indicator>', got {key[:60]!r}")
    range_name = choice(request, "range", tuple(history.RANGES), default="today")
    return JSONResponse(await history.trend(await web.db(), key, range_name, now_utc()))


async def open_api(request: Request) -> Response:
    web = web_of(request)
    guard = await web.require(request, "viewer", api=True)
    if not isinstance(guard, Account):
        return guard
    definitions = await web.norms()
    norm_id = choice(request, "norm", tuple(definitions.norms))
    norm = definitions.norms[norm_id]
    scope = scope_param(request, "scope", norm.scope or SCOPE_LEVELS)
    limit = whole_number(request, "limit", 20, 1, MAX_OPEN_ITEMS)
    found = await history.open_items(await web.db(), norm_id, scope, limit, now_utc())
    found["applies"] = norm.item is not None
    return JSONResponse(found)


# -- dashboard ---------------------------------------------------------------------------------


async def dashboard(request: Request) -> Response:
    web = web_of(request)
    guard = await web.require(request, "viewer")
    if not isinstance(guard, Account):
        return guard
    request.scope.setdefault("state", {})["account"] = guard
    screen_id = request.path_params.get("screen")
    definitions = await web.norms()
    pool = await web.db()
    screens = await layouts.load_all(pool)
    dashboards = [s for s in screens if s.kind == "dashboard"]
    if screen_id is None:
        chosen = next((s for s in dashboards if s.screen == "dashboard"), None) or (
            dashboards[0] if dashboards else layouts.default_screen(
                "dashboard", list(definitions.norms.values())))
    else:
        chosen = next((s for s in dashboards if s.screen == screen_id), None)
        if chosen is None:
            return web.page(request, "error.html", {"status": 404,
                                                    "message_key": "error.no_screen"},
                            status=404)
    lang = i18n.language_of(request.scope)
    groups = _groups(web, chosen, lang)
    cards = {n: web.card(d, lang) for n, d in definitions.norms.items()}
    # The case tile shows once a case book is configured or has published.
    with_cases = bool(web.settings.case_types) or cases.ORGANISATION_KEY in web.hub.state
    return web.page(request, "dashboard.html", {
        "screen": chosen, "screen_title": chosen.title_in(lang), "groups": groups,
        "dashboards": dashboards, "cards_json": orjson.dumps(cards).decode(),
        "cases_tile": cases.tile(web.hub.state, lang) if with_cases else None})


def _groups(web: Web, screen: layouts.Screen, lang: str) -> list[dict[str, Any]]:
    out = []
    for group in screen.groups:
        items = []
        for item in group.items:
            norm = web.definitions.norms.get(item.norm)
            if norm is not None:
                items.append({"card": web.card(norm, lang), "widget": item.widget})
        out.append({"title": group.title.get(lang) or group.title.get("nl", ""),
                    "items": items})
    return out


# -- hall display ------------------------------------------------------------------------------


async def display(request: Request) -> Response:
    web = web_of(request)
    definitions = await web.norms()
    screen_id = request.path_params["screen"]
    screen = await layouts.load(await web.db(), screen_id)
    if screen is None and screen_id == "hal":
        screen = layouts.default_screen("display", list(definitions.norms.values()))
    if screen is None or screen.kind != "display":
        return web.page(request, "error.html", {"status": 404, "message_key": "error.no_screen"},
                        status=404)
    lang = i18n.language_of(request.scope)
    pages = []
    for group in screen.groups:
        items = [{"card": web.card(definitions.norms[i.norm], lang), "widget": i.widget}
                 for i in group.items
                 if i.norm in definitions.norms and definitions.norms[i.norm].display]
        if items:
            pages.append({"title": group.title.get(lang) or group.title.get("nl", ""),
                          "items": items})
    return web.page(request, "display.html", {
        "screen": screen, "screen_title": screen.title_in(lang), "pages": pages,
        "rotate_seconds": screen.rotate_seconds,
        "stale_seconds": web.settings.display_stale_seconds,
        "cards_json": orjson.dumps({i["card"]["norm"]: i["card"] for p in pages
                                    for i in p["items"]}).decode()})


async def display_status(request: Request) -> Response:
    web = web_of(request)
    definitions = await web.norms()
    hub = web.hub
    return JSONResponse({"epoch": hub.epoch, "sequence": hub.sequence, "live": hub.live,
                         "last_update": hub.last_update,
                         "items": [s for s in hub.state.values()
                                   if definitions.display_snapshot(s)]})


async def display_stream(request: Request) -> Response:
    web = web_of(request)
    definitions = await web.norms()
    last_event_id = request.headers.get("last-event-id")
    return EventSourceResponse(
        web.hub.subscribe(last_event_id, visible=definitions.display_snapshot,
                          heartbeat=web.settings.heartbeat_seconds),
        ping=15, headers={"Cache-Control": "no-store"})


async def not_found_api(request: Request) -> Response:
    return problem(404, f"no API resource at {request.url.path[:100]}")


routes = [
    Route("/", dashboard),
    Route("/dashboard/{screen}", dashboard),
    Route("/display/{screen}", display),
    Route("/api/status", status),
    Route("/api/stream", stream),
    Route("/api/norms", norms_api),
    Route("/api/history", history_api),
    Route("/api/open", open_api),
    Route("/api/display/status", display_status),
    Route("/api/display/stream", display_stream),
]
