"""What every page of the web service shares: settings, the hubs, the database pool,
the norm definitions, templates, and the guards for login, roles and parameters.

Departures from the obvious:

1. The database pool is made on first use and remade after a failure, so the
   service starts (and live screens run from Kafka) while PostgreSQL is away;
   pages that need the database answer 503 meanwhile instead of failing to start.
2. Definitions are refreshed from the database every few seconds in the
   background; when that fails the last known definitions stay in use.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from schemas.norms import NormDefinition
from schemas.settings import CommonSettings, Secret, env_int
from services.web import i18n
from services.web.auth import (
    SESSION_ACCOUNT,
    Account,
    AccountStore,
    basic_credentials,
    csrf_token,
)
from services.web.definitions import Definitions
from services.web.hub import Hub

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
DB_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)


@dataclass(frozen=True, slots=True)
class WebSettings:
    common: CommonSettings
    client_queue: int = 256
    replay: int = 10_000
    recorder: bool = True
    secret_key: Secret = field(default_factory=lambda: Secret(""))
    secure_cookie: bool = False
    heartbeat_seconds: int = 10
    display_stale_seconds: int = 45
    case_types: str = ""
    """Path of the case-type catalogue (YAML), for case-type titles; empty: codes only."""

    @classmethod
    def from_env(cls) -> WebSettings:
        key = os.environ.get("SERVICENORM_WEB_SECRET_KEY", "")
        if not key:
            key = secrets.token_urlsafe(32)
            log.warning("SERVICENORM_WEB_SECRET_KEY is not set: using a random key, so logins "
                        "end when this process stops and do not carry over to other replicas")
        return cls(
            common=CommonSettings.from_env(),
            client_queue=env_int("WEB_CLIENT_QUEUE", 256),
            replay=env_int("WEB_REPLAY", 10_000),
            recorder=os.environ.get("SERVICENORM_WEB_RECORDER", "on") != "off",
            secret_key=Secret(key),
            secure_cookie=os.environ.get("SERVICENORM_WEB_SECURE_COOKIE", "off") == "on",
            heartbeat_seconds=env_int("WEB_HEARTBEAT_SECONDS", 10),
            display_stale_seconds=env_int("WEB_DISPLAY_STALE_SECONDS", 45),
            case_types=os.environ.get("SERVICENORM_CASE_TYPES", ""),
        )


class Unavailable(Exception):
    """The database cannot be reached now; the client may retry (503)."""


class BadParameter(Exception):
    """A query or form parameter is wrong; the message names it (400)."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"parameter '{name}' {message}")


@dataclass
class Web:
    settings: WebSettings
    hub: Hub
    public_hub: Hub
    definitions: Definitions = field(default_factory=Definitions)
    pool: asyncpg.Pool | None = None
    env: Environment = field(default_factory=lambda: _environment())

    # -- database -----------------------------------------------------------------------------

    async def db(self) -> asyncpg.Pool:
        """The pool, made on first use (1); Unavailable when PostgreSQL cannot be reached."""
        if self.pool is None:
            try:
                self.pool = await asyncpg.create_pool(self.settings.common.database_url,
                                                      min_size=0, max_size=4,
                                                      command_timeout=15, timeout=5)
            except DB_ERRORS as exc:
                log.warning("web cannot reach PostgreSQL: %s", type(exc).__name__)
                raise Unavailable() from exc
        return self.pool

    async def forget_pool(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.terminate()

    async def norms(self) -> Definitions:
        """The definitions, refreshed when old; the last known ones when the database is away."""
        try:
            await self.definitions.refresh(await self.db())
        except DB_ERRORS as exc:
            if not self.definitions.norms:
                raise Unavailable() from exc
            log.warning("using the last known norm definitions: %s", type(exc).__name__)
        except Unavailable:
            if not self.definitions.norms:
                raise
        return self.definitions

    # -- accounts -----------------------------------------------------------------------------

    async def account(self, request: Request) -> Account | None:
        """The logged-in account (session), or the one named by HTTP Basic credentials."""
        store = AccountStore(await self.db())
        name = request.session.get(SESSION_ACCOUNT)
        if isinstance(name, str):
            account = await store.get(name)
            if account is None:
                request.session.pop(SESSION_ACCOUNT, None)
            return account
        credentials = basic_credentials(request.headers.get("authorization"))
        if credentials is not None:
            return await store.verify(*credentials)
        return None

    async def require(self, request: Request, role: str, api: bool = False
                      ) -> Account | Response:
        """The account when it may act as ``role``; otherwise the answer to send."""
        account = await self.account(request)
        if account is None:
            if api:
                return problem(401, "log in, or send HTTP Basic credentials of an account",
                               headers={"WWW-Authenticate": 'Basic realm="servicenorm"'})
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={_quote(target)}", status_code=303)
        if not account.may(role):
            if api:
                return problem(403, f"this needs the role {role} or higher")
            return self.page(request, "error.html", {"status": 403, "message_key":
                                                     "error.forbidden"}, status=403)
        return account

    # -- rendering ----------------------------------------------------------------------------

    def page(self, request: Request, template: str, values: Mapping[str, Any],
             status: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
        lang = i18n.language_of(request.scope)
        t = i18n.translator(lang)
        context = {
            "lang": lang, "t": t, "request": request, "path": request.url.path,
            "csrf": csrf_token(request.session) if "session" in request.scope else "",
            "account": request.scope.get("state", {}).get("account"),
            "messages_json": orjson.dumps(i18n.catalogue(lang)).decode(),
            "text": lambda value: value.get(lang) if value is not None else "",
            **values,
        }
        html = self.env.get_template(template).render(context)
        return HTMLResponse(html, status_code=status, headers=dict(headers or {}))

    def card(self, norm: NormDefinition, lang: str) -> dict[str, Any]:
        """The norm card in one language, for pages and scripts."""
        return norm_card(norm, lang)


def norm_card(norm: NormDefinition, lang: str) -> dict[str, Any]:
    limit = norm.limit.describe(lang) if norm.limit is not None else None
    return {
        "norm": norm.norm, "version": norm.version, "title": norm.title.get(lang),
        "promise": norm.promise.get(lang), "method": norm.method.get(lang),
        "data_source": norm.data_source.get(lang), "owner": norm.owner,
        "limit": limit, "calendar": norm.calendar, "scope": list(norm.scope),
        "public": norm.public, "display": norm.display,
        "effective_from": norm.effective_from.isoformat(),
        "effective_until": norm.effective_until.isoformat() if norm.effective_until else None,
        "indicators": [{
            "id": i.id, "kind": i.kind, "title": i.title.get(lang), "unit": i.unit,
            "target": i.band.target, "limit": i.band.limit, "direction": i.band.direction,
            "window_seconds": i.window_seconds, "min_items": i.min_items,
            "periods": list(i.periods)} for i in norm.indicators],
    }


def problem(status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    titles = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
              405: "Method Not Allowed", 503: "Service Unavailable"}
    return JSONResponse({"title": titles.get(status, "Error"), "status": status,
                         "detail": detail}, status_code=status, headers=dict(headers or {}),
                        media_type="application/problem+json")


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def choice(request: Request, name: str, allowed: tuple[str, ...] | Mapping[str, Any],
           default: str | None = None) -> str:
    """A query parameter that must be one of ``allowed``."""
    value = request.query_params.get(name, default)
    if value is None:
        raise BadParameter(name, "is required")
    if value not in allowed:
        raise BadParameter(name, f"must be one of {', '.join(allowed)}, got {value[:40]!r}")
    return value


def whole_number(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadParameter(name, f"must be a whole number from {low} to {high}, got {raw[:40]!r}")
    return int(raw)


def scope_param(request: Request, name: str, levels: tuple[str, ...]) -> dict[str, str]:
    """A scope as 'location.stadhuis,service.paspoort', levels in the norm's order."""
    raw = request.query_params.get(name, "")
    scope: dict[str, str] = {}
    for part in filter(None, raw.split(",")):
        level, sep, value = part.partition(".")
        if not sep or level not in levels or not value or len(value) > 100:
            raise BadParameter(name, f"must be level.value pairs with levels from "
                                     f"{', '.join(levels)}, got {raw[:60]!r}")
        scope[level] = value
    return scope


def now_utc() -> datetime:
    return datetime.now(UTC)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="/")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(("html", "xml")), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["number"] = format_number
    env.filters["clock"] = clock
    env.globals["window_words"] = window_words
    return env


def clock(epoch: float | None) -> str:
    """A moment as the time of day in Amsterdam, '14:05:09'; empty for none."""
    if not epoch:
        return ""
    from services.web.periods import AMSTERDAM

    return datetime.fromtimestamp(epoch, AMSTERDAM).strftime("%H:%M:%S")


def window_words(seconds: float, t: Callable[..., str]) -> str:
    """A live window in words: 'afgelopen 60 minuten', '7 dagen'."""
    whole = int(seconds)
    if whole % 86_400 == 0:
        return t("window.days", n=whole // 86_400)
    if whole % 3_600 == 0 and whole > 3_600:
        return t("window.hours", n=whole // 3_600)
    return t("window.minutes", n=max(1, whole // 60))


def format_number(value: float | None, lang: str = "nl", digits: int = 1) -> str:
    """A number as people read it in ``lang``: '87,5' in Dutch, '87.5' in English."""
    if value is None:
        return "\u2013"
    text = f"{value:,.{digits}f}" if digits else f"{round(value):,}"
    if digits and text.endswith("0" * digits):
        text = text[: -(digits + 1)]
    if lang == "nl":
        text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return text

