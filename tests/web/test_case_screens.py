"""Case deadlines on the supervisors' dashboard: the Termijnen tile, ``/api/cases`` and the
helpers behind them; and that no case reaches a public or display endpoint.

The snapshots are made by the evaluator's own code (case book and ``casework.snapshots``)
for Thu 3 Dec 2026, so they have the shape the evaluator publishes:

* zk-late: permit received Tue 1 Sep 2026, deadline Tue 27 Oct; notice of default Sun
  1 Nov; penalty from Sun 15 Nov, day 19 on 3 Dec: 14 x €23 + 5 x €35 = €497.
* zk-capped: objection received Mon 1 Jun 2026, deadline Mon 13 Jul; notice Sat 1 Aug;
  penalty days 15 Aug to 25 Sep, capped at €1,442; the 4:18 date Fri 9 Oct has passed,
  so it no longer counts as exposure.
* zk-due: objection received Wed 21 Oct 2026, deadline Wed 2 Dec: one working day late.
* zk-complaint: complaint received Tue 15 Sep, suspended 20-30 Sep, extended by 4 weeks:
  deadline Fri 4 Dec, at risk.
* zk-soon: permit received Mon 2 Nov, deadline Mon 28 Dec: on track, in no list.
* zk-decided: complaint decided in time on 20 Nov: counts in the compliance shares.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient
from webtesting import CASE_TYPES, add_account, basic, publish_snapshots, wait_until

from schemas.casetypes import load_file
from services.evaluator.cases import CaseBook
from services.evaluator.casework import snapshots
from services.evaluator.timeutil import AMSTERDAM
from services.web import cases, i18n

TODAY = date(2026, 12, 3)
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=AMSTERDAM)
CASE_IDS = ("zk-late", "zk-capped", "zk-due", "zk-complaint", "zk-soon", "zk-decided")
NBSP = "\u00a0"


def case_event(type_: str, subject: str, day: str, **data: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": uuid.uuid4().hex, "source": "/test/zaken",
            "type": f"nl.servicenorm.case.{type_}", "time": f"{day}T10:00:00+01:00",
            "subject": subject, "data": data}


def received(subject: str, day: str, case_type: str, team: str) -> dict[str, Any]:
    return case_event("received", subject, day, case_type=case_type, team=team,
                      received_on=day)


def case_snapshots() -> list[dict[str, Any]]:
    book = CaseBook(load_file(CASE_TYPES))
    book.apply_many([
        received("zk-late", "2026-09-01", "omgevingsvergunning", "team-vergunningen"),
        case_event("default-notice.received", "zk-late", "2026-11-01",
                   received_on="2026-11-01"),
        received("zk-capped", "2026-06-01", "bezwaar", "team-juridische-zaken"),
        case_event("default-notice.received", "zk-capped", "2026-08-01",
                   received_on="2026-08-01"),
        received("zk-due", "2026-10-21", "bezwaar", "team-juridische-zaken"),
        received("zk-complaint", "2026-09-15", "klacht", "team-klachtbehandeling"),
        case_event("suspended", "zk-complaint", "2026-09-20", from_date="2026-09-20"),
        case_event("resumed", "zk-complaint", "2026-09-30", on_date="2026-09-30"),
        case_event("extended", "zk-complaint", "2026-10-20", weeks=4),
        received("zk-soon", "2026-11-02", "omgevingsvergunning", "team-vergunningen"),
        received("zk-decided", "2026-11-02", "klacht", "team-klachtbehandeling"),
        case_event("decided", "zk-decided", "2026-11-20", decided_on="2026-11-20"),
    ])
    made = snapshots(book, book.evaluate(TODAY), NOW)
    return [orjson.loads(orjson.dumps(s)) for s in made]  # as it comes off the topic


@pytest.fixture(scope="module")
def state() -> dict[str, dict[str, Any]]:
    return {s["scope_key"]: s for s in case_snapshots()}


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["case_id"] for row in rows]


# -- helpers, without Kafka ------------------------------------------------------------------


@pytest.mark.parametrize(("cents", "lang", "expected"), [
    (144_200, "nl", f"€{NBSP}1.442"), (144_200, "en", "€1,442"), (49_700, "nl", f"€{NBSP}497"),
    (1_250, "nl", f"€{NBSP}12,50"), (1_250, "en", "€12.50"), (0, "nl", f"€{NBSP}0"),
    (123_456_789, "nl", f"€{NBSP}1.234.567,89"), (None, "nl", "\u2013")])
def test_euros_are_written_as_people_write_them(cents: int | None, lang: str,
                                                expected: str) -> None:
    assert cases.format_euros(cents, lang) == expected


def test_days_and_dates_in_words() -> None:
    t = i18n.translator("nl")
    assert cases.format_day("2026-04-28", t) == "di 28 april 2026"
    assert cases.format_day(date(2026, 4, 28), i18n.translator("en")) == "Tue 28 April 2026"
    words = [cases.days_left_text(n, t) for n in (3, 1, 0, -1, -27)]
    assert words == ["Nog 3 werkdagen", "Nog 1 werkdag", "Vandaag is de laatste dag",
                     "1 werkdag te laat", "27 werkdagen te laat"]


def test_lists_are_sorted_by_deadline_whatever_the_order_in(
        state: dict[str, dict[str, Any]]) -> None:
    shuffled = {**state, cases.ORGANISATION_KEY: {**state[cases.ORGANISATION_KEY]}}
    listed = list(shuffled[cases.ORGANISATION_KEY]["cases"])
    random.Random(7).shuffle(listed)
    shuffled[cases.ORGANISATION_KEY]["cases"] = listed
    found = cases.view(shuffled, None, None, "nl", str(CASE_TYPES))
    assert found is not None
    assert ids(found["lists"]["overdue"]) == ["zk-capped", "zk-late", "zk-due"]
    assert ids(found["lists"]["at_risk"]) == ["zk-complaint"]
    deadlines = [row["deadline"] for row in found["lists"]["overdue"]]
    assert deadlines == sorted(deadlines) == ["2026-07-13", "2026-10-27", "2026-12-02"]


def test_overdue_row_says_how_the_deadline_was_reached_and_where_the_penalty_stands(
        state: dict[str, dict[str, Any]]) -> None:
    found = cases.view(state, None, None, "nl", str(CASE_TYPES))
    assert found is not None
    late = next(r for r in found["lists"]["overdue"] if r["case_id"] == "zk-late")
    assert late["case_type_title"] == "Omgevingsvergunning (reguliere procedure)"
    assert late["team"] == "team-vergunningen"
    assert late["deadline_text"] == "di 27 oktober 2026"
    assert late["working_days_text"] == "27 werkdagen te laat"
    assert late["stage_text"] == "Dwangsom loopt"
    assert "De wettelijke termijn is 8 weken" in late["explanation"][0]
    assert late["penalty"]["day_number"] == 19
    assert late["penalty"]["amount_text"] == f"€{NBSP}497"
    assert late["penalty_lines"] == [
        "Ingebrekestelling ontvangen op zo 1 november 2026.",
        f"Dag 19 van 42: €{NBSP}497 tot nu toe.",
        ("Zonder besluit loopt de dwangsom tot en met za 26 december 2026. Stel het bedrag "
         "dan uiterlijk ma 11 januari 2027 vast (Awb 4:18).")]
    capped = next(r for r in found["lists"]["overdue"] if r["case_id"] == "zk-capped")
    assert capped["penalty"]["capped"] is True
    assert f"Maximum bereikt na 42 dagen: €{NBSP}1.442." in capped["penalty_lines"]
    assert capped["penalty_lines"][-1] == ("Het bedrag moest uiterlijk vr 9 oktober 2026 zijn "
                                           "vastgesteld (Awb 4:18).")
    due = next(r for r in found["lists"]["overdue"] if r["case_id"] == "zk-due")
    assert due["penalty"] is None
    assert due["penalty_lines"] == ["Nog geen ingebrekestelling."]


def test_suspension_and_extension_are_explained_in_the_page_language(
        state: dict[str, dict[str, Any]]) -> None:
    for lang, words in (("nl", ("verlengd met 4 weken", "stond stil")),
                        ("en", ("extended by 4 weeks", "suspended"))):
        found = cases.view(state, None, None, lang, str(CASE_TYPES))
        assert found is not None
        complaint = found["lists"]["at_risk"][0]
        assert complaint["deadline"] == "2026-12-04"
        assert complaint["extension_weeks"] == 4
        text = " ".join(complaint["explanation"]).lower()
        assert all(word in text for word in words), text
    assert complaint["case_type_title"] == "Complaint"


def test_counts_exposure_and_compliance(state: dict[str, dict[str, Any]]) -> None:
    found = cases.view(state, None, None, "nl", str(CASE_TYPES))
    assert found is not None
    assert found["status"] == "red"
    assert found["counts"]["overdue"] == 3 and found["counts"]["at_risk"] == 1
    # The capped penalty's 4:18 date has passed: only the running one is still at stake.
    assert found["exposure_text"] == f"€{NBSP}497"
    quarter = next(r for r in found["compliance"] if r["period"] == "quarter")
    assert quarter["label"] == "4e kwartaal 2026"
    assert quarter["statutory_text"] == "100% (1 van 1)"
    month = next(r for r in found["compliance"] if r["period"] == "month")
    assert month["statutory_text"] == "Geen besluiten"
    assert cases.tile(state, "nl") == {"status": "red", "at_risk": "1", "overdue": "3",
                                       "penalty_running": "1", "exposure_text": f"€{NBSP}497"}
    assert cases.tile({}, "nl")["overdue"] == "\u2013"


def test_filter_per_team_and_case_type(state: dict[str, dict[str, Any]]) -> None:
    team = cases.view(state, "team", "team-juridische-zaken", "nl", str(CASE_TYPES))
    assert team is not None
    assert ids(team["lists"]["overdue"]) == ["zk-capped", "zk-due"]
    assert team["lists"]["at_risk"] == []
    assert [f["value"] for f in team["filters"]["team"]] == [
        "team-juridische-zaken", "team-klachtbehandeling", "team-vergunningen"]
    assert {f["label"] for f in team["filters"]["case_type"]} == {
        "Bezwaar", "Klacht", "Omgevingsvergunning (reguliere procedure)"}
    complaints = cases.view(state, "case_type", "klacht", "nl", str(CASE_TYPES))
    assert complaints is not None
    assert ids(complaints["lists"]["at_risk"]) == ["zk-complaint"]
    shares = {r["period"]: r["statutory_text"] for r in complaints["compliance"]}
    assert shares["year"] == "100% (1 van 1)"
    assert cases.view(state, "team", "team-onbekend", "nl", str(CASE_TYPES)) is None


def test_a_part_the_evaluator_no_longer_publishes_is_left_out(
        state: dict[str, dict[str, Any]]) -> None:
    old = (NOW - timedelta(hours=2)).isoformat()
    aged = {**state, "cases:team.team-vergunningen": {
        **state["cases:team.team-vergunningen"], "updated_at": old}}
    found = cases.view(aged, None, None, "nl", str(CASE_TYPES))
    assert found is not None
    assert "team-vergunningen" not in {f["value"] for f in found["filters"]["team"]}
    assert cases.view(aged, "team", "team-vergunningen", "nl", str(CASE_TYPES)) is None


def test_without_a_catalogue_the_codes_are_shown(state: dict[str, dict[str, Any]]) -> None:
    found = cases.view(state, None, None, "nl", "/bestaat/niet.yaml")
    assert found is not None
    assert found["lists"]["overdue"][0]["case_type_title"] == "bezwaar"


def test_no_snapshot_yet_is_no_data_not_green() -> None:
    found = cases.view({}, None, None, "nl", "")
    assert found is not None
    assert found["available"] is False and found["status"] == "no-data"


# -- endpoint and pages, with the snapshots on the indicators topic --------------------------


@pytest.fixture(scope="module")
def published(product: Any, client: TestClient) -> TestClient:
    assert add_account(product.dsn, "vera", "viewer") == 0
    publish_snapshots(product.infra.kafka.bootstrap, product.prefix, case_snapshots())

    def all_there() -> bool:
        items = client.get("/api/status", headers=basic("vera")).json()["items"]
        return sum(i["kind"] == "cases" for i in items) == 7
    wait_until(all_there, 60, "case snapshots in the hub")
    client.cookies.clear()
    return client


@pytest.mark.integration
def test_api_gives_the_lists_in_deadline_order(published: TestClient) -> None:
    answer = published.get("/api/cases", headers=basic("vera"))
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    assert ids(body["lists"]["overdue"]) == ["zk-capped", "zk-late", "zk-due"]
    assert ids(body["lists"]["at_risk"]) == ["zk-complaint"]
    assert body["exposure_text"] == f"€{NBSP}497"
    assert body["complete"] == {"overdue": True, "at_risk": True}
    team = published.get("/api/cases?scope=team.team-vergunningen", headers=basic("vera"))
    assert ids(team.json()["lists"]["overdue"]) == ["zk-late"]
    english = published.get("/api/cases?scope=case_type.omgevingsvergunning&lang=en",
                            headers=basic("vera")).json()
    assert english["lists"]["overdue"][0]["case_type_title"] == (
        "Environmental permit (regular procedure)")
    assert "Day 19 of 42: €497 so far." in english["lists"]["overdue"][0]["penalty_lines"]


@pytest.mark.integration
def test_api_needs_a_login(published: TestClient) -> None:
    published.cookies.clear()
    answer = published.get("/api/cases")
    assert answer.status_code == 401
    assert "zk-late" not in answer.text


@pytest.mark.integration
@pytest.mark.parametrize("scope", ["planet.mars", "team", "team.", "location.stadhuis",
                                   "team.%01x", "case_type." + "x" * 101])
def test_api_bad_scope_is_400_naming_it(published: TestClient, scope: str) -> None:
    answer = published.get(f"/api/cases?scope={scope}", headers=basic("vera"))
    assert answer.status_code == 400, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "'scope'" in answer.json()["detail"]


@pytest.mark.integration
def test_api_unknown_team_is_404(published: TestClient) -> None:
    answer = published.get("/api/cases?scope=team.team-bestaat-niet", headers=basic("vera"))
    assert answer.status_code == 404


@pytest.mark.integration
def test_dashboard_shows_the_tile(published: TestClient) -> None:
    page = published.get("/", headers=basic("vera"))
    assert page.status_code == 200
    html = page.text
    assert 'id="cases-open"' in html and 'aria-controls="cases-detail"' in html
    assert "Termijnen" in html and "Dwangsom tot nu toe" in html
    assert f"€{NBSP}497" in html
    assert 'data-status="red"' in html and "Buiten norm" in html
    assert "/static/js/cases.js" in html
    english = published.get("/?lang=en", headers=basic("vera")).text
    assert "Case deadlines" in english and "€497" in english


@pytest.mark.integration
@pytest.mark.parametrize("path", [
    "/publiek", "/publiek?lang=en", "/publiek/resultaten.csv", "/publiek/resultaten.json",
    "/api/public/status", "/publiek/widget/balie-wachttijd-inloop",
    "/api/public/norms/balie-wachttijd-inloop", "/toegankelijkheid", "/display/hal",
    "/api/display/status"])
def test_no_case_data_on_public_or_display_pages(published: TestClient, path: str) -> None:
    published.cookies.clear()
    answer = published.get(path)
    assert answer.status_code in (200, 404)
    _no_case_data(answer.text)


@pytest.mark.integration
@pytest.mark.parametrize("path", ["/api/public/stream", "/api/display/stream"])
def test_no_case_data_on_public_or_display_streams(published: TestClient, path: str) -> None:
    published.cookies.clear()
    with published.stream("GET", path) as answer:
        assert answer.status_code == 200
        lines = []
        for line in answer.iter_lines():
            lines.append(line)
            if line.startswith("data:"):
                break
    body = orjson.loads(lines[-1].removeprefix("data:").strip())
    assert all(item.get("kind") != "cases" for item in body["items"])
    _no_case_data("\n".join(lines))


def _no_case_data(text: str) -> None:
    # Ids and field names of case snapshots; the words themselves are in every page's
    # message catalogue, and team names are norm owners on the public page.
    for word in (*CASE_IDS, "cases:organisation", "cases:team.", "cases:case_type.",
                 "exposure_cents", "working_days_left", "notice_received_on"):
        assert word not in text, f"{word!r} leaked"
