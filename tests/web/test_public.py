"""The citizens' side: only published norms, figures per period from SQL, downloads, widget.

The data is put in place directly (observations in PostgreSQL, snapshots on the
indicators topic), so these tests need no evaluator and no ingest.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient
from webtesting import (
    CHARTER,
    INSERT_OBSERVATION,
    add_account,
    basic,
    observation,
    publish_snapshots,
    run_sql,
    snapshot,
    wait_until,
)

from schemas.norms import load_file
from services.web.definitions import Definitions
from services.web.periods import current_year

pytestmark = pytest.mark.integration

HIDDEN = "terugbelverzoek"
HIDDEN_WORDS = ("terugbelverzoek", "terugbel", "call-back", "teruggebeld")


@pytest.fixture(scope="module", autouse=True)
def data(product: Any) -> None:
    """Live snapshots and recorded items for a public norm and for the unpublished one."""
    publish_snapshots(product.infra.kafka.bootstrap, product.prefix, [
        snapshot("balie-wachttijd-inloop", None, "green", None),
        snapshot("balie-wachttijd-inloop", "binnen-norm", "green", 93.5),
        snapshot("balie-wachttijd-inloop", "binnen-norm", "orange", 85.0,
                 scope={"location": "stadhuis"}),
        snapshot("balie-wachttijd-inloop", "binnen-norm", "red", 50.0,
                 scope={"location": "stadhuis", "service": "paspoort", "desk": "d1"}, count=2),
        snapshot(HIDDEN, None, "red", None),
        snapshot(HIDDEN, "binnen-norm", "red", 41.0),
        snapshot(HIDDEN, "binnen-norm", "red", 41.0, scope={"team": "kcc"}),
        {"scope_key": "organisation", "kind": "organisation", "norm": None, "indicator": None,
         "scope": {}, "status": "red", "score": None, "since": None,
         "updated_at": datetime.now(UTC).isoformat()},
    ])
    year = current_year()
    ended = datetime(year, 1, 15, 10, 0, tzinfo=UTC)
    rows = [observation(f"h{i}", HIDDEN, ended, 3600.0, i % 2 == 0, {"team": "kcc"})
            for i in range(40)]
    rows += [observation(f"b{i}", "balie-wachttijd-inloop", ended, 300.0, i < 9,
                         {"location": "stadhuis"}) for i in range(10)]
    run_sql(product.dsn, INSERT_OBSERVATION, *rows)
    assert add_account(product.dsn, "vera", "viewer") == 0


@pytest.fixture
def loaded(client: TestClient) -> TestClient:
    """The client, without cookies, once the hub holds every snapshot (checked through the
    internal API)."""
    client.cookies.clear()
    def both_there() -> bool:
        items = client.get("/api/status", headers=basic("vera")).json()["items"]
        norms = {i["norm"] for i in items}
        return HIDDEN in norms and "balie-wachttijd-inloop" in norms
    wait_until(both_there, 60, "snapshots in the hub")
    return client


def _no_hidden_norm(text: str) -> None:
    lowered = text.lower()
    for word in HIDDEN_WORDS:
        assert word not in lowered, f"{word!r} leaked"


def test_the_internal_api_does_see_the_unpublished_norm(loaded: TestClient) -> None:
    # The leak tests below only mean something if the data is really there.
    items = loaded.get("/api/status", headers=basic("vera")).json()["items"]
    assert any(i["norm"] == HIDDEN for i in items)


@pytest.mark.parametrize("path", [
    "/publiek", "/publiek?lang=en", "/publiek/resultaten.csv", "/publiek/resultaten.json",
    "/api/public/status", f"/api/public/norms/{HIDDEN}", f"/publiek/widget/{HIDDEN}",
    "/toegankelijkheid", "/display/hal", "/api/display/status"])
def test_unpublished_norm_is_on_no_public_page(loaded: TestClient, path: str) -> None:
    loaded.cookies.clear()
    answer = loaded.get(path)
    assert answer.status_code in (200, 404)
    _no_hidden_norm(answer.text)


def test_unpublished_norm_widget_and_json_are_404_like_an_unknown_one(loaded: TestClient) -> None:
    for path in (f"/publiek/widget/{HIDDEN}", f"/api/public/norms/{HIDDEN}"):
        hidden = loaded.get(path)
        unknown = loaded.get(path.replace(HIDDEN, "bestaat-niet"))
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.text == unknown.text.replace("bestaat-niet", HIDDEN)


@pytest.mark.parametrize("path", ["/api/public/stream", "/api/display/stream"])
def test_public_stream_snapshot_holds_no_unpublished_norm(loaded: TestClient, path: str) -> None:
    with loaded.stream("GET", path) as answer:
        assert answer.status_code == 200
        lines = []
        for line in answer.iter_lines():
            lines.append(line)
            if line.startswith("data:"):
                break
    body = orjson.loads(lines[-1].removeprefix("data:").strip())
    norms = {item["norm"] for item in body["items"]}
    assert "balie-wachttijd-inloop" in norms
    assert HIDDEN not in norms
    _no_hidden_norm("\n".join(lines))


def test_public_status_leaves_out_rollups_and_deep_levels(loaded: TestClient) -> None:
    items = loaded.get("/api/public/status").json()["items"]
    kinds = {item["kind"] for item in items}
    assert kinds <= {"norm", "indicator"}
    assert all(len(item["scope"]) <= 1 for item in items)
    assert "organisation" not in {item["scope_key"] for item in items}


def test_public_page_shows_status_in_text_and_the_norm_promise(loaded: TestClient) -> None:
    page = loaded.get("/publiek")
    assert page.status_code == 200
    assert "Komt u zonder afspraak naar de balie?" in page.text
    assert "Op norm" in page.text  # the organisation roll-up is green
    assert "93,5%" in page.text
    english = loaded.get("/publiek?lang=en")
    assert "If you come to the counter without an appointment" in english.text
    assert "Within norm" in english.text


def test_public_page_shows_the_period_figures(loaded: TestClient) -> None:
    page = loaded.get("/publiek").text
    # 9 of the 10 walk-in visitors of January were helped within 10 minutes.
    assert "januari" in page
    assert "90%" in page
    assert "10 aanvragen" in page


def test_downloads_carry_the_same_figures(loaded: TestClient) -> None:
    year = current_year()
    rows = list(csv.DictReader(io.StringIO(loaded.get("/publiek/resultaten.csv").text)))
    january = [r for r in rows if r["norm"] == "balie-wachttijd-inloop"
               and r["indicator"] == "binnen-norm" and r["grain"] == "month"]
    assert january == [{"norm": "balie-wachttijd-inloop", "indicator": "binnen-norm",
                        "grain": "month", "period": f"{year}-01-01", "label": f"{year}-01",
                        "items": "10", "value": "90.0", "status": "green"}]
    body = loaded.get("/publiek/resultaten.json").json()
    assert body["year"] == year
    assert {n["norm"] for n in body["norms"]} >= {"balie-wachttijd-inloop"}
    assert HIDDEN not in {n["norm"] for n in body["norms"]}


def test_widget_for_a_public_norm(loaded: TestClient) -> None:
    widget = loaded.get("/publiek/widget/balie-wachttijd-inloop")
    assert widget.status_code == 200
    assert "frame-ancestors *" in widget.headers["content-security-policy"]
    assert "Op norm" in widget.text
    data = loaded.get("/api/public/norms/balie-wachttijd-inloop").json()
    assert data["norm"] == "balie-wachttijd-inloop"
    assert all(i["norm"] == "balie-wachttijd-inloop" for i in data["items"])


def test_values_from_too_few_items_are_hidden() -> None:
    definitions = Definitions()
    definitions.replace([])
    norm = load_file(CHARTER / "balie-wachttijd-inloop.yaml")
    definitions.norms = {norm.norm: norm}
    few = snapshot(norm.norm, "binnen-norm", "no-data", 50.0, scope={"location": "x"}, count=2)
    shown = definitions.public_snapshot(few)
    assert shown is not None and shown["value"] is None and shown["today"]["value"] is None
    enough = snapshot(norm.norm, "binnen-norm", "green", 95.0, scope={"location": "x"}, count=5)
    assert definitions.public_snapshot(enough)["value"] == 95.0  # type: ignore[index]
