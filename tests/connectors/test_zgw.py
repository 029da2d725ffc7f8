"""The ZGW connector against a local Zaken/Catalogi API stand-in and the ingest stand-in.

The stand-in follows the shapes of the ZGW OpenAPI specifications as Open Zaak serves
them: paginated lists (count/next/previous/results), JWT bearer tokens (HS256),
``Accept-Crs`` required on zaak requests, zaken with ``opschorting``, ``verlenging`` and
free text in ``omschrijving`` and ``toelichting`` that must never reach an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
import orjson
import pytest
from conftest import FakeIngest, free_socket, start_server, stop_server
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.sdk import AMSTERDAM, EventFactory, IngestClient
from connectors.zgw import main
from connectors.zgw.cli import draft_case_types
from connectors.zgw.client import Secret, ZgwClient, ZgwRefused
from connectors.zgw.cursor import Cursor
from connectors.zgw.mapping import (
    case_type_entry,
    extension_weeks,
    parse_duration,
    reason_code,
    term_from_duration,
)
from connectors.zgw.server import make_app, poll_forever
from connectors.zgw.sync import Connector
from schemas.casetypes import load_file, load_text
from schemas.contract import problems
from services.evaluator.cases import CaseBook, CaseState

ROOT = Path(__file__).resolve().parents[2]
CASE_TYPES = ROOT / "deploy" / "charter" / "case-types" / "voorbeeldstad.yaml"
CLIENT_ID = "servicenorm-test"
SECRET = "a-test-secret-that-is-long-enough-for-hs256"
SOURCE = "/test/zgw"
RSIN = "002220647"

# Free text and identifying data in the zaken: none of it may appear in an event.
FREE_TEXT = (
    "Dakkapel op Dorpsstraat 12 voor Jan Jansen",
    "BSN 999990019, telefoon 0612345678",
    "Aanvulling bouwtekeningen gevraagd aan Jan Jansen",
    "Welstandsadvies nodig voor Dorpsstraat 12",
    "Brief aan Jan Jansen verstuurd",
    "ZAAK-2026-0000042",
    "Jan Jansen",
    "999990019",
)


def amsterdam(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=AMSTERDAM)


# --- the ZGW stand-in --------------------------------------------------------------------------


@dataclass
class FakeZgw:
    base: str
    zaken: dict[str, dict[str, Any]] = field(default_factory=dict)
    statussen: list[dict[str, Any]] = field(default_factory=list)
    zaaktypen: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 100
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def zaaktype(self, identificatie: str, doorlooptijd: str = "P56D",
                 servicenorm: str | None = "P42D") -> str:
        key = str(uuid.uuid4())
        url = f"{self.base}/catalogi/api/v1/zaaktypen/{key}"
        self.zaaktypen[key] = {
            "url": url, "identificatie": identificatie,
            "omschrijving": f"Zaaktype {identificatie}", "omschrijvingGeneriek": "",
            "vertrouwelijkheidaanduiding": "openbaar", "doel": "Beslissen op een aanvraag",
            "aanleiding": "Een aanvraag", "toelichting": "", "indicatieInternOfExtern": "extern",
            "handelingInitiator": "aanvragen", "onderwerp": identificatie,
            "handelingBehandelaar": "behandelen", "doorlooptijd": doorlooptijd,
            "servicenorm": servicenorm, "opschortingEnAanhoudingMogelijk": True,
            "verlengingMogelijk": True, "verlengingstermijn": "P42D", "trefwoorden": [],
            "publicatieIndicatie": False, "publicatietekst": "", "verantwoordingsrelatie": [],
            "productenOfDiensten": [], "selectielijstProcestype": "", "referentieproces": {},
            "concept": False, "verantwoordelijke": "team vergunningen",
            "beginGeldigheid": "2024-01-01", "eindeGeldigheid": None,
            "versiedatum": "2024-01-01", "catalogus": f"{self.base}/catalogi/api/v1/catalogussen/1",
            "statustypen": [], "resultaattypen": [], "eigenschappen": [],
            "informatieobjecttypen": [], "roltypen": [], "besluittypen": [],
            "deelzaaktypen": [], "gerelateerdeZaaktypen": [], "zaakobjecttypen": [],
        }
        return url

    def zaak(self, zaaktype: str, startdatum: str, **changes: Any) -> dict[str, Any]:
        key = str(uuid.uuid4())
        url = f"{self.base}/zaken/api/v1/zaken/{key}"
        zaak = {
            "url": url, "uuid": key, "identificatie": FREE_TEXT[5], "bronorganisatie": RSIN,
            "omschrijving": FREE_TEXT[0], "toelichting": FREE_TEXT[1], "zaaktype": zaaktype,
            "registratiedatum": startdatum, "verantwoordelijkeOrganisatie": RSIN,
            "startdatum": startdatum, "einddatum": None, "einddatumGepland": None,
            "uiterlijkeEinddatumAfdoening": None, "publicatiedatum": None,
            "communicatiekanaal": "", "productenOfDiensten": [],
            "vertrouwelijkheidaanduiding": "openbaar", "betalingsindicatie": "",
            "betalingsindicatieWeergave": "", "laatsteBetaaldatum": None,
            "zaakgeometrie": None, "verlenging": None,
            "opschorting": {"indicatie": False, "reden": "", "eerdereOpschorting": False},
            "selectielijstklasse": "", "hoofdzaak": None, "deelzaken": [],
            "relevanteAndereZaken": [], "eigenschappen": [],
            "rollen": [f"{self.base}/zaken/api/v1/rollen/{uuid.uuid4()}"], "status": None,
            "zaakinformatieobjecten": [], "zaakobjecten": [],
            "kenmerken": [{"kenmerk": FREE_TEXT[6], "bron": "balie"}],
            "archiefnominatie": None, "archiefstatus": "nog_te_archiveren",
            "archiefactiedatum": None, "resultaat": None, "opdrachtgevendeOrganisatie": "",
            "laatstGemuteerd": f"{startdatum}T09:00:00Z",
        }
        zaak.update(changes)
        self.zaken[key] = zaak
        return zaak

    def status(self, zaak: dict[str, Any], moment: str) -> None:
        key = str(uuid.uuid4())
        self.statussen.append({
            "url": f"{self.base}/zaken/api/v1/statussen/{key}", "uuid": key,
            "zaak": zaak["url"], "statustype": f"{self.base}/catalogi/api/v1/statustypen/1",
            "datumStatusGezet": moment, "statustoelichting": FREE_TEXT[4],
            "indicatieLaatstGezetteStatus": True, "gezetdoor": None,
            "zaakinformatieobjecten": [],
        })

    def count(self, path: str) -> int:
        return sum(1 for seen, _ in self.requests if seen == path)


def _fout(status: int, title: str) -> Response:
    return JSONResponse({"type": "", "code": "fout", "title": title, "status": status,
                         "detail": title, "instance": ""}, status_code=status,
                        media_type="application/problem+json")


def _page(request: Request, state: FakeZgw, items: list[dict[str, Any]]) -> Response:
    page = int(request.query_params.get("page", "1"))
    size = int(request.query_params.get("pageSize", state.page_size))
    start = (page - 1) * size
    more = start + size < len(items)
    return JSONResponse({
        "count": len(items),
        "next": str(request.url.include_query_params(page=page + 1)) if more else None,
        "previous": str(request.url.include_query_params(page=page - 1)) if page > 1 else None,
        "results": items[start:start + size],
    }, headers={"Content-Crs": "EPSG:4326"})


def make_zgw_app(state: FakeZgw) -> Starlette:
    def check(request: Request, crs: bool) -> Response | None:
        with state.lock:
            state.requests.append((request.url.path, dict(request.query_params)))
        header = request.headers.get("authorization", "")
        try:
            claims = jwt.decode(header.removeprefix("Bearer "), SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            return _fout(403, "Authenticatiegegevens zijn niet geldig")
        state.claims.append(claims)
        if claims.get("client_id") != CLIENT_ID:
            return _fout(403, "Onbekende client")
        if crs and request.headers.get("accept-crs") != "EPSG:4326":
            return _fout(412, "Accept-Crs header ontbreekt")
        return None

    async def zaken_list(request: Request) -> Response:
        refused = check(request, crs=True)
        if refused:
            return refused
        found = list(state.zaken.values())
        if request.query_params.get("einddatum__isnull") == "true":
            found = [z for z in found if z["einddatum"] is None]
        if "einddatum__gt" in request.query_params:
            after = request.query_params["einddatum__gt"]
            found = [z for z in found if z["einddatum"] and z["einddatum"] > after]
        return _page(request, state, found)

    async def zaak_detail(request: Request) -> Response:
        refused = check(request, crs=True)
        if refused:
            return refused
        zaak = state.zaken.get(request.path_params["key"])
        return JSONResponse(zaak, headers={"Content-Crs": "EPSG:4326"}) if zaak else _fout(
            404, "Niet gevonden")

    async def statussen_list(request: Request) -> Response:
        refused = check(request, crs=False)
        if refused:
            return refused
        wanted = request.query_params.get("zaak")
        return _page(request, state, [s for s in state.statussen if s["zaak"] == wanted])

    async def zaaktypen_list(request: Request) -> Response:
        refused = check(request, crs=False)
        return refused or _page(request, state, list(state.zaaktypen.values()))

    async def zaaktype_detail(request: Request) -> Response:
        refused = check(request, crs=False)
        if refused:
            return refused
        found = state.zaaktypen.get(request.path_params["key"])
        return JSONResponse(found) if found else _fout(404, "Niet gevonden")

    return Starlette(routes=[
        Route("/zaken/api/v1/zaken", zaken_list),
        Route("/zaken/api/v1/zaken/{key}", zaak_detail),
        Route("/zaken/api/v1/statussen", statussen_list),
        Route("/catalogi/api/v1/zaaktypen", zaaktypen_list),
        Route("/catalogi/api/v1/zaaktypen/{key}", zaaktype_detail),
    ])


@pytest.fixture
def zgw() -> Iterator[FakeZgw]:
    sock = free_socket()
    state = FakeZgw(f"http://127.0.0.1:{sock.getsockname()[1]}")
    server, thread = start_server(sock, make_zgw_app(state))
    try:
        yield state
    finally:
        stop_server(server, thread)
        sock.close()


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZGW_CLIENT_SECRET", SECRET)


def poll(zgw: FakeZgw, ingest: FakeIngest, cursor: Path, now: datetime,
         *extra: str) -> int:
    return main(["poll", "--zgw-url", zgw.base, "--client-id", CLIENT_ID,
                 "--case-types", str(CASE_TYPES), "--cursor", str(cursor),
                 "--ingest", ingest.url, "--source", SOURCE, *extra], clock=lambda: now)


def by_type(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        found.setdefault(event["type"].removeprefix("nl.servicenorm.case."), []).append(event)
    return found


def assert_no_free_text(events: list[dict[str, Any]]) -> None:
    text = orjson.dumps(events).decode()
    leaked = [value for value in FREE_TEXT if value in text]
    assert leaked == []


def permit_with_suspension_and_extension(zgw: FakeZgw) -> dict[str, Any]:
    zaaktype = zgw.zaaktype("OMV-REGULIER")
    zaak = zgw.zaak(zaaktype, "2026-03-02",
                    opschorting={"indicatie": True, "reden": FREE_TEXT[2],
                                 "eerdereOpschorting": False},
                    verlenging={"reden": FREE_TEXT[3], "duur": "P42D"})
    zgw.status(zaak, "2026-03-02T09:15:00+01:00")  # ontvangen
    zgw.status(zaak, "2026-03-10T13:30:00Z")  # aanvulling gevraagd, 14:30 in Amsterdam
    return zaak


# --- polling -----------------------------------------------------------------------------------


def test_poll_maps_suspension_extension_resumption_and_decision(
        zgw: FakeZgw, ingest: FakeIngest, tmp_path: Path, secret_env: None) -> None:
    zaak = permit_with_suspension_and_extension(zgw)
    cursor = tmp_path / "cursor.json"

    # 1. Seen suspended and extended
    assert poll(zgw, ingest, cursor, amsterdam(2026, 3, 12)) == 0
    first = by_type(ingest.events)
    assert first["received"][0]["data"] == {"case_type": "omgevingsvergunning",
                                            "team": "team-vergunningen",
                                            "received_on": "2026-03-02"}
    assert first["suspended"][0]["data"] == {"from_date": "2026-03-11", "reason": "incomplete"}
    assert first["extended"][0]["data"] == {"weeks": 6}
    assert {e["subject"] for e in ingest.events} == {zaak["uuid"]}

    # 2. Completed on 20 March: the status set that day dates the resumption
    zaak["opschorting"] = {"indicatie": False, "reden": "", "eerdereOpschorting": True}
    zgw.status(zaak, "2026-03-20T09:00:00+01:00")
    assert poll(zgw, ingest, cursor, amsterdam(2026, 3, 21)) == 0
    second = by_type(ingest.accepted[-1].events)
    assert list(second) == ["resumed"]
    assert second["resumed"][0]["data"] == {"on_date": "2026-03-20"}

    # 3. Closed on 20 May
    zaak["einddatum"] = "2026-05-20"
    assert poll(zgw, ingest, cursor, amsterdam(2026, 5, 20, 17)) == 0
    third = by_type(ingest.accepted[-1].events)
    assert third["decided"][0]["data"] == {"decided_on": "2026-05-20"}

    # The chain ends in the case book: 27 Apr + 6 weeks + 9 suspended days = Wed 17 Jun.
    assert all(problems(e) == [] for e in ingest.events)
    book = CaseBook(load_file(CASE_TYPES))
    book.apply_many(ingest.events)
    view = book.view(zaak["uuid"], date(2026, 5, 21))
    assert view is not None
    assert view.statutory_deadline == date(2026, 6, 17)
    assert view.state is CaseState.DECIDED_IN_TIME
    assert_no_free_text(ingest.events)


def test_status_history_is_read_only_when_the_suspension_changes(
        zgw: FakeZgw, ingest: FakeIngest, tmp_path: Path, secret_env: None) -> None:
    permit_with_suspension_and_extension(zgw)
    cursor = tmp_path / "cursor.json"

    poll(zgw, ingest, cursor, amsterdam(2026, 3, 12))
    poll(zgw, ingest, cursor, amsterdam(2026, 3, 13))

    assert zgw.count("/zaken/api/v1/statussen") == 1


def test_requests_carry_a_valid_jwt_and_accept_crs(
        zgw: FakeZgw, ingest: FakeIngest, tmp_path: Path, secret_env: None) -> None:
    permit_with_suspension_and_extension(zgw)

    assert poll(zgw, ingest, tmp_path / "cursor.json", amsterdam(2026, 3, 12)) == 0

    assert zgw.claims and all(c["client_id"] == c["iss"] == CLIENT_ID for c in zgw.claims)
    assert len(ingest.events) == 3  # no 412 or 403 on the way


def test_wrong_secret_fails_without_sending(
        zgw: FakeZgw, ingest: FakeIngest, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    permit_with_suspension_and_extension(zgw)
    monkeypatch.setenv("ZGW_CLIENT_SECRET", "another-secret-that-is-long-enough-for-hs256")

    assert poll(zgw, ingest, tmp_path / "cursor.json", amsterdam(2026, 3, 12)) == 1
    assert ingest.events == []


def test_restart_with_the_cursor_sends_nothing_again(
        zgw: FakeZgw, ingest: FakeIngest, tmp_path: Path, secret_env: None) -> None:
    permit_with_suspension_and_extension(zgw)
    cursor = tmp_path / "cursor.json"
    poll(zgw, ingest, cursor, amsterdam(2026, 3, 12))
    sent = len(ingest.events)

    assert poll(zgw, ingest, cursor, amsterdam(2026, 3, 12, 11)) == 0

    assert sent == 3 and len(ingest.events) == sent
    assert Cursor.load(cursor).last_poll_on == date(2026, 3, 12)


def test_without_a_cursor_a_resend_carries_the_same_ids(
        zgw: FakeZgw, ingest: FakeIngest, tmp_path: Path, secret_env: None) -> None:
    permit_with_suspension_and_extension(zgw)
    poll(zgw, ingest, tmp_path / "one.json", amsterdam(2026, 3, 12))
    first = sorted(e["id"] for e in ingest.events)

    poll(zgw, ingest, tmp_path / "two.json", amsterdam(2026, 3, 12, 11))
    second = sorted(e["id"] for e in ingest.accepted[-1].events)

    assert first == second


def test_pagination_is_followed_and_unknown_zaaktypen_skipped(
        zgw: FakeZgw, ingest: FakeIngest, tmp_path: Path, secret_env: None) -> None:
    zgw.page_size = 2
    known = zgw.zaaktype("KLACHT", doorlooptijd="P42D", servicenorm=None)
    unknown = zgw.zaaktype("ONBEKEND-TYPE")
    zaken = [zgw.zaak(known, f"2026-03-0{day}") for day in range(2, 7)]
    zgw.zaak(unknown, "2026-03-02")

    assert poll(zgw, ingest, tmp_path / "cursor.json", amsterdam(2026, 3, 9)) == 0

    open_pages = [q for path, q in zgw.requests
                  if path == "/zaken/api/v1/zaken" and q.get("einddatum__isnull") == "true"]
    assert [q.get("page", "1") for q in open_pages] == ["1", "2", "3"]
    received = by_type(ingest.events)["received"]
    assert sorted(e["subject"] for e in received) == sorted(z["uuid"] for z in zaken)
    assert {e["data"]["case_type"] for e in received} == {"klacht"}
    assert_no_free_text(ingest.events)


def test_a_zaak_closed_between_polls_is_still_seen(
        zgw: FakeZgw, ingest: FakeIngest, tmp_path: Path, secret_env: None) -> None:
    zaak = zgw.zaak(zgw.zaaktype("BEZWAAR"), "2026-03-02")
    cursor = tmp_path / "cursor.json"
    poll(zgw, ingest, cursor, amsterdam(2026, 3, 3))

    zaak["einddatum"] = "2026-03-04"
    poll(zgw, ingest, cursor, amsterdam(2026, 3, 5))

    assert by_type(ingest.events)["decided"][0]["data"] == {"decided_on": "2026-03-04"}


# --- notifications -----------------------------------------------------------------------------


@pytest.fixture
async def callback_app(zgw: FakeZgw, ingest: FakeIngest,
                       tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    client = ZgwClient(f"{zgw.base}/zaken/api/v1", f"{zgw.base}/catalogi/api/v1", CLIENT_ID,
                       Secret(SECRET))
    async with IngestClient(ingest.url, max_attempts=3) as sink:
        connector = Connector(client, load_file(CASE_TYPES), sink, EventFactory(SOURCE),
                              Cursor.load(tmp_path / "cursor.json"),
                              clock=lambda: amsterdam(2026, 3, 12))
        app = make_app(connector, Secret("Bearer abonnement-token"))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://connector") as http:
            yield http
    await client.aclose()


def notification(zgw: FakeZgw, zaak: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {"kanaal": "zaken", "hoofdObject": zaak["url"], "resource": "status",
            "resourceUrl": f"{zgw.base}/zaken/api/v1/statussen/{uuid.uuid4()}",
            "actie": "create", "aanmaakdatum": "2026-03-12T09:00:00Z",
            "kenmerken": {"bronorganisatie": RSIN, "zaaktype": zaak["zaaktype"],
                          "vertrouwelijkheidaanduiding": "openbaar"}}
    return body | changes


async def test_notification_fetches_the_zaak_and_sends_its_events(
        zgw: FakeZgw, ingest: FakeIngest, callback_app: httpx.AsyncClient) -> None:
    zaak = permit_with_suspension_and_extension(zgw)

    response = await callback_app.post("/callbacks", json=notification(zgw, zaak),
                                       headers={"Authorization": "Bearer abonnement-token"})

    assert response.status_code == 204
    assert zgw.count(f"/zaken/api/v1/zaken/{zaak['uuid']}") == 1
    assert sorted(by_type(ingest.events)) == ["extended", "received", "suspended"]
    assert_no_free_text(ingest.events)


async def test_notification_with_a_wrong_token_is_refused(
        zgw: FakeZgw, ingest: FakeIngest, callback_app: httpx.AsyncClient) -> None:
    zaak = permit_with_suspension_and_extension(zgw)

    response = await callback_app.post("/callbacks", json=notification(zgw, zaak),
                                       headers={"Authorization": "Bearer guessed"})

    assert response.status_code == 401
    assert zgw.requests == [] and ingest.events == []


async def test_notification_about_a_foreign_host_is_refused_unread(
        zgw: FakeZgw, ingest: FakeIngest, callback_app: httpx.AsyncClient) -> None:
    zaak = permit_with_suspension_and_extension(zgw)
    foreign = notification(zgw, zaak, hoofdObject="http://elders.example/zaken/api/v1/zaken/1")

    response = await callback_app.post("/callbacks", json=foreign,
                                       headers={"Authorization": "Bearer abonnement-token"})

    assert response.status_code == 400
    assert "not on the configured" in response.json()["detail"]
    assert zgw.requests == [] and ingest.events == []


async def test_notification_on_another_channel_is_ignored(
        zgw: FakeZgw, ingest: FakeIngest, callback_app: httpx.AsyncClient) -> None:
    zaak = permit_with_suspension_and_extension(zgw)

    response = await callback_app.post(
        "/callbacks", json=notification(zgw, zaak, kanaal="documenten"),
        headers={"Authorization": "Bearer abonnement-token"})

    assert response.status_code == 204
    assert zgw.requests == [] and ingest.events == []


async def test_notification_about_a_deleted_zaak_is_refused_for_good(
        zgw: FakeZgw, ingest: FakeIngest, callback_app: httpx.AsyncClient) -> None:
    zaak = permit_with_suspension_and_extension(zgw)
    del zgw.zaken[zaak["uuid"]]

    response = await callback_app.post("/callbacks", json=notification(zgw, zaak),
                                       headers={"Authorization": "Bearer abonnement-token"})

    assert response.status_code == 422  # not 5xx: the Notificaties API need not retry
    assert "HTTP 404" in response.json()["detail"]
    assert ingest.events == []


async def test_unreachable_zaken_api_asks_for_a_retry(
        ingest: FakeIngest, tmp_path: Path) -> None:
    sock = free_socket()  # bound, never served: connections are refused
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    client = ZgwClient(f"{base}/zaken/api/v1", f"{base}/catalogi/api/v1", CLIENT_ID,
                       Secret(SECRET))
    async with IngestClient(ingest.url, max_attempts=1) as sink:
        connector = Connector(client, load_file(CASE_TYPES), sink, EventFactory(SOURCE),
                              Cursor())
        transport = httpx.ASGITransport(app=make_app(connector))
        async with httpx.AsyncClient(transport=transport, base_url="http://c") as http:
            response = await http.post("/callbacks", json={
                "kanaal": "zaken", "hoofdObject": f"{base}/zaken/api/v1/zaken/1",
                "resource": "zaak", "actie": "update"})
    await client.aclose()

    assert response.status_code == 503


# --- the notice of default ---------------------------------------------------------------------


def test_notice_command_posts_the_default_notice_event(ingest: FakeIngest) -> None:
    case = "4f1c0a52-1c2b-4a5e-9f4e-2f2b0c6d8e11"
    argv = ["notice", "--case", case, "--received-on", "2026-05-06", "--ingest", ingest.url,
            "--source", SOURCE]

    assert main(argv, clock=lambda: amsterdam(2026, 5, 6, 15)) == 0
    assert main(argv, clock=lambda: amsterdam(2026, 5, 7, 9)) == 0

    first, again = ingest.events
    assert first["type"] == "nl.servicenorm.case.default-notice.received"
    assert (first["subject"], first["data"]) == (case, {"received_on": "2026-05-06"})
    assert problems(first) == []
    assert first["id"] == again["id"]  # registering twice is harmless


def test_notice_for_a_name_instead_of_an_id_is_refused(ingest: FakeIngest) -> None:
    code = main(["notice", "--case", "Jan Jansen", "--received-on", "2026-05-06",
                 "--ingest", ingest.url])

    assert code == 1 and ingest.posted == []


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])

    out = capsys.readouterr().out
    assert stopped.value.code == 0
    assert all(word in out for word in ("poll", "serve", "notice", "casetypes"))


# --- case types from the Catalogi API ----------------------------------------------------------


def test_casetypes_command_prints_a_draft_that_loads(
        zgw: FakeZgw, secret_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    zgw.zaaktype("OMV-REGULIER")
    zgw.zaaktype("KLACHT", doorlooptijd="P6W", servicenorm=None)

    assert main(["casetypes", "--zgw-url", zgw.base, "--client-id", CLIENT_ID,
                 "--organisation", "voorbeeldstad"]) == 0

    catalogue = load_text(capsys.readouterr().out, "<draft>")
    permit = catalogue["omv-regulier"]
    assert (permit.to_dict()["statutory_term"], permit.to_dict()["service_norm"]) == ("8w", "6w")
    assert permit.case_type.max_extension_weeks == 6
    assert catalogue.for_zaaktype("KLACHT") is catalogue["klacht"]


def test_draft_reports_a_service_norm_longer_than_the_term(
        capsys: pytest.CaptureFixture[str]) -> None:
    entry = {"identificatie": "X", "omschrijving": "X", "doorlooptijd": "P14D",
             "servicenorm": "P21D", "verlengingMogelijk": False}

    draft_case_types("voorbeeldstad", [entry])

    assert "needs fixing" in capsys.readouterr().err


# --- mapping details ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "term"), [
    ("P56D", "8w"), ("P8W", "8w"), ("P30D", "30d"), ("P3M", "3mo"), ("P1Y", "12mo"),
    ("P1W3D", "10d"),
])
def test_durations_become_terms(text: str, term: str) -> None:
    assert term_from_duration(text) == term


@pytest.mark.parametrize("text", ["56 dagen", "P", "PT8H", "-P5D", "P1M3D"])
def test_unusable_durations_are_refused_with_the_value(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text).replace("+", r"\+")):
        term_from_duration(text)


@pytest.mark.parametrize(("text", "weeks"), [
    ("P42D", 6), ("P6W", 6), ("P30D", 5), ("P1M", None), ("-P7D", None), ("P0D", None),
    ("onzin", None),
])
def test_extension_in_whole_weeks_rounded_up(text: str, weeks: int | None) -> None:
    assert extension_weeks(text) == weeks


def test_duration_parts() -> None:
    parsed = parse_duration("P1Y2M3W4D")

    assert (parsed.years, parsed.months, parsed.weeks, parsed.days) == (1, 2, 3, 4)
    assert parsed.calendar_days is None and parsed.total_months == 14


@pytest.mark.parametrize(("reden", "code"), [
    ("Aanvulling gevraagd", "incomplete"), ("Aanvraag onvolledig", "incomplete"),
    ("Overmacht: brand in archief", "force-majeure"), ("Op verzoek van aanvrager", "agreed"),
    ("Jan Jansen is op vakantie", None), (None, None),
])
def test_suspension_reason_is_a_code_or_nothing(reden: str | None, code: str | None) -> None:
    assert reason_code(reden) == code


def test_zaaktype_without_extension_gets_zero_weeks() -> None:
    entry = case_type_entry({"identificatie": "UITTREKSEL", "omschrijving": "Uittreksel",
                             "doorlooptijd": "P56D", "servicenorm": "P7D",
                             "verlengingMogelijk": False, "handelingInitiator": "aanvragen"})

    assert entry["max_extension_weeks"] == 0 and entry["dwangsom"] is True
    assert entry["code"] == "uittreksel" and entry["service_norm"] == "1w"


async def test_client_will_not_send_its_token_to_another_host() -> None:
    client = ZgwClient("http://zaken.example/zaken/api/v1", "http://zaken.example/catalogi/api/v1",
                       CLIENT_ID, Secret(SECRET))

    with pytest.raises(ZgwRefused, match="refusing to send credentials"):
        await client.get("http://elders.example/zaken/api/v1/zaken")
    await client.aclose()
    assert repr(Secret(SECRET)) == "Secret('********')" and SECRET not in str(Secret(SECRET))


async def test_polling_loop_keeps_going_when_the_zaken_api_is_down(
        ingest: FakeIngest, caplog: pytest.LogCaptureFixture) -> None:
    sock = free_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    client = ZgwClient(f"{base}/zaken/api/v1", f"{base}/catalogi/api/v1", CLIENT_ID,
                       Secret(SECRET))
    async with IngestClient(ingest.url, max_attempts=1) as sink:
        connector = Connector(client, load_file(CASE_TYPES), sink, EventFactory(SOURCE),
                              Cursor())
        task = asyncio.create_task(poll_forever(connector, 0.01))
        await asyncio.sleep(0.3)
        still_running = not task.done()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await client.aclose()

    assert still_running
    assert sum("poll failed, trying again" in r.message for r in caplog.records) >= 2
