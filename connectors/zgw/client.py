"""A small reading client for the ZGW Zaken and Catalogi APIs as Open Zaak serves them.

Departures from the obvious, numbered so the code can point back:

1. Every request carries a fresh JWT (HS256 over client id and secret, with ``iat``
   now), as the ZGW authorisation scheme expects; a token made per request never
   expires during a long poll.
2. The bearer token is only sent to the hosts of the configured Zaken and Catalogi
   APIs. A ``next`` link, a ``hoofdObject`` in a notification or a zaaktype URL that
   points elsewhere is refused, so a crafted notification cannot make the connector
   hand its token to another server.
3. ``Accept-Crs: EPSG:4326`` goes with every request: the Zaken API refuses zaak
   requests without it (because of ``zaakgeometrie``), the Catalogi API ignores it.
4. Lists are followed through ``next`` until it is null. Older Zaken APIs answer
   ``/statussen`` with a plain list; that is taken as one page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import orjson

log = logging.getLogger(__name__)

ACCEPT_CRS = "EPSG:4326"
DEFAULT_TIMEOUT_SECONDS = 15.0
MAX_PAGES = 10_000
"""A guard against a server whose ``next`` never ends."""

_SERVER_ERROR = 500


class ZgwError(Exception):
    """Root of the client's errors; ``retriable`` says whether trying later can help."""

    retriable = False


class ZgwUnavailable(ZgwError):
    """The API could not be reached or answered 5xx or 429: try again later."""

    retriable = True


class ZgwRefused(ZgwError):
    """The API refused the request (401, 403, 404, 4xx): fix the settings or the URL."""


@dataclass(frozen=True, slots=True)
class Secret:
    """A credential that never prints."""

    value: str

    def __repr__(self) -> str:
        return "Secret('********')"

    def __str__(self) -> str:
        return "********"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class ZgwClient:
    """Reads zaken, statussen and zaaktypen; see 1-4 in the module docstring."""

    def __init__(self, zaken_url: str, catalogi_url: str, client_id: str, secret: Secret, *,
                 user_id: str = "servicenorm", timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 http: httpx.AsyncClient | None = None) -> None:
        for name, value in (("zaken_url", zaken_url), ("catalogi_url", catalogi_url)):
            if urlsplit(value).scheme not in ("http", "https"):
                raise ValueError(f"`{name}` must be an http(s) URL such as "
                                 f"'https://zaken.example.nl/zaken/api/v1', got {value!r}")
        if not client_id:
            raise ValueError("`client_id` must be the client id registered in the ZGW "
                             "autorisaties, got an empty string")
        self.zaken_url = zaken_url.rstrip("/")
        self.catalogi_url = catalogi_url.rstrip("/")
        self.client_id = client_id
        self._secret = secret
        self._user_id = user_id
        self._origins = {_origin(self.zaken_url), _origin(self.catalogi_url)}
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    def allowed(self, url: str) -> bool:
        """True for URLs on the hosts of the configured APIs (2)."""
        return _origin(url) in self._origins

    def _token(self) -> str:
        claims = {"iss": self.client_id, "iat": int(time.time()), "client_id": self.client_id,
                  "user_id": self._user_id, "user_representation": self._user_id}
        return jwt.encode(claims, self._secret.value, algorithm="HS256")

    async def get(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        """The JSON document at ``url``."""
        if not self.allowed(url):
            raise ZgwRefused(f"refusing to send credentials to {url!r}: not on the hosts of "
                             f"the configured APIs ({', '.join(sorted(self._origins))})")
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json",
                   "Accept-Crs": ACCEPT_CRS}
        try:
            response = await self._http.get(url, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise ZgwUnavailable(f"GET {url}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= _SERVER_ERROR or response.status_code == 429:
            raise ZgwUnavailable(f"GET {url}: HTTP {response.status_code}")
        if not response.is_success:
            raise ZgwRefused(f"GET {url}: HTTP {response.status_code}: {response.text[:200]!r}")
        return orjson.loads(response.content)

    async def pages(self, url: str, params: Mapping[str, str] | None = None
                    ) -> AsyncIterator[dict[str, Any]]:
        """Every result of a paginated list, following ``next`` (4)."""
        seen: set[str] = set()
        page: str | None = url
        query = params
        while page is not None:
            if page in seen or len(seen) >= MAX_PAGES:
                raise ZgwRefused(f"pagination of {url!r} loops or does not end at {page!r}")
            seen.add(page)
            document = await self.get(page, query)
            query = None  # ``next`` carries the query already
            if isinstance(document, list):
                for item in document:
                    yield item
                return
            for item in document.get("results", []):
                yield item
            page = document.get("next")
            log.debug("read page %d of %s (count %s)", len(seen), url, document.get("count"))

    # -- the resources used --

    def zaken(self, params: Mapping[str, str]) -> AsyncIterator[dict[str, Any]]:
        return self.pages(f"{self.zaken_url}/zaken", params)

    def statussen(self, zaak_url: str) -> AsyncIterator[dict[str, Any]]:
        return self.pages(f"{self.zaken_url}/statussen", {"zaak": zaak_url})

    def zaaktypen(self, params: Mapping[str, str] | None = None
                  ) -> AsyncIterator[dict[str, Any]]:
        return self.pages(f"{self.catalogi_url}/zaaktypen", params)
