"""Wrong client input gets a 400 that names the parameter, never a 500."""

from __future__ import annotations

import html
from typing import Any

import pytest
from starlette.testclient import TestClient
from webtesting import add_account, basic

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
def viewer(product: Any) -> None:
    assert add_account(product.dsn, "vera", "viewer") == 0


@pytest.mark.parametrize(("path", "parameter"), [
    ("/publiek?jaar=twintig", "jaar"),
    ("/publiek?jaar=1999", "jaar"),
    ("/publiek/resultaten.csv?jaar=99999", "jaar"),
    ("/publiek/resultaten.json?jaar=-1", "jaar"),
    ("/publiek?lang=fr", "lang"),
    ("/api/public/status?lang=xx", "lang"),
    ("/api/history?scope_key=indicator:x:y&range=decade", "range"),
    ("/api/history?scope_key=&range=today", "scope_key"),
    ("/api/history?scope_key=drop%20table&range=today", "scope_key"),
    ("/api/open?norm=bestaat-niet", "norm"),
    ("/api/open?norm=balie-wachttijd-inloop&limit=0", "limit"),
    ("/api/open?norm=balie-wachttijd-inloop&limit=abc", "limit"),
    ("/api/open?norm=balie-wachttijd-inloop&scope=planet.mars", "scope"),
    ("/api/open?norm=balie-wachttijd-inloop&scope=location", "scope"),
])
def test_bad_parameter_is_400_naming_it(client: TestClient, path: str, parameter: str) -> None:
    client.cookies.clear()
    answer = client.get(path, headers=basic("vera"))
    assert answer.status_code == 400, answer.text[:300]
    assert f"'{parameter}'" in html.unescape(answer.text)


@pytest.mark.parametrize("path", [
    "/bestaat-niet", "/publiek/widget/%00", "/display/NIET-GOED", "/api/public/norms/x" * 3,
    "/admin/screens/%2e%2e", "/static/../app.py", "/dashboard/onbekend"])
def test_odd_paths_are_not_server_errors(client: TestClient, path: str) -> None:
    answer = client.get(path, headers=basic("vera"))
    assert answer.status_code < 500, answer.text[:300]


def test_api_errors_are_problem_json(client: TestClient) -> None:
    answer = client.get("/api/history?range=today", headers=basic("vera"))
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["status"] == 400


def test_history_and_open_items_answer_for_good_input(client: TestClient) -> None:
    trend = client.get("/api/history?scope_key=indicator:balie-wachttijd-inloop:binnen-norm"
                       "&range=year", headers=basic("vera"))
    assert trend.status_code == 200
    assert trend.json()["bucket_seconds"] == 12 * 3600
    found = client.get("/api/open?norm=balie-wachttijd-inloop&scope=location.stadhuis",
                       headers=basic("vera"))
    assert found.status_code == 200
    assert found.json()["open"] == 0


def test_security_headers(client: TestClient) -> None:
    answer = client.get("/publiek")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
