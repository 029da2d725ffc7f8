"""Languages of the screens: one JSON message catalogue per language in ``locales/``.

Dutch is the default; English is chosen with ``?lang=en`` (remembered in a cookie)
or the language switch on each page. Norm texts are not in the catalogues: they
come from the definitions' own ``nl``/``en`` fields.

Departures from the obvious:

1. The catalogues are flat JSON, not gettext. The screens have a few hundred
   short texts and their JavaScript needs the same texts; one JSON file per
   language serves both without a compile step. A unit test checks that every
   key exists in every language and that every key used in a template or script
   is in the catalogue.
2. A missing key shows the key itself and logs an error rather than failing the
   page: a person sees a slightly odd word instead of an error page.
3. The language is settled by a small ASGI middleware, so that server-sent
   event streams pass through untouched (Starlette's ``BaseHTTPMiddleware``
   buffers them).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from functools import cache
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = ("nl", "en")
DEFAULT = "nl"
COOKIE = "servicenorm_lang"
YEAR_SECONDS = 365 * 24 * 3600


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """The messages of ``lang``, read once."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {lang!r}")
    with (LOCALES / f"{lang}.json").open(encoding="utf-8") as handle:
        data: dict[str, str] = json.load(handle)
    return data


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)``: the message for ``key`` in ``lang``, with values filled in (2)."""
    messages = catalogue(lang)

    def t(key: str, **values: Any) -> str:
        text = messages.get(key)
        if text is None:
            log.error("message %r missing in the %s catalogue", key, lang)
            return key
        return text.format(**values) if values else text

    return t


def language_of(scope: Scope) -> str:
    """The language chosen for a request (set by :class:`LanguageMiddleware`)."""
    state = scope.get("state") or {}
    lang = state.get("lang", DEFAULT)
    return lang if lang in LANGUAGES else DEFAULT


class LanguageMiddleware:
    """Settle the language of each request: ``?lang=``, else the cookie, else Dutch (3).

    An unknown ``lang`` answers 400 naming the parameter; a valid one is remembered
    in a cookie for a year.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        asked = query.get("lang", [None])[-1]
        if asked is not None and asked not in LANGUAGES:
            await _bad_language(asked, send)
            return
        lang = asked or _cookie_language(scope) or DEFAULT
        scope.setdefault("state", {})["lang"] = lang
        if asked is None:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = (f"{COOKIE}={asked}; Path=/; Max-Age={YEAR_SECONDS}; SameSite=Lax")
                message["headers"] = [*message.get("headers", []),
                                      (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookie_language(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is the client's problem, not ours
                return None
            morsel = jar.get(COOKIE)
            if morsel is not None and morsel.value in LANGUAGES:
                return morsel.value
    return None


async def _bad_language(asked: str, send: Send) -> None:
    body = json.dumps({"title": "Bad Request", "status": 400,
                       "detail": f"query parameter 'lang' must be one of "
                                 f"{', '.join(LANGUAGES)}, got {asked[:40]!r}"}).encode()
    await send({"type": "http.response.start", "status": 400,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
