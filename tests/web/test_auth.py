"""Accounts, login, roles, CSRF and HTTP Basic for the internal API."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from webtesting import PASSWORD, add_account, basic, csrf_of, login

from services.web.auth import AccountError, basic_credentials, hash_password, safe_next

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
def accounts(product: Any) -> None:
    for name, role in (("vera", "viewer"), ("eddy", "editor"), ("ada", "admin")):
        assert add_account(product.dsn, name, role) == 0


def test_adding_an_existing_account_is_refused(product: Any) -> None:
    assert add_account(product.dsn, "vera", "admin") == 2


def test_short_password_is_refused() -> None:
    with pytest.raises(AccountError, match="10 to 1024 characters"):
        hash_password("short")


def test_dashboard_without_login_redirects_to_login(client: TestClient) -> None:
    client.cookies.clear()
    answer = client.get("/")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/"


def test_wrong_password_gets_401_and_no_session(client: TestClient) -> None:
    client.cookies.clear()
    answer = login(client, "vera", "not the password")
    assert answer.status_code == 401
    assert "klopt niet" in answer.text
    assert client.get("/").status_code == 303


def test_unknown_name_gets_the_same_answer(client: TestClient) -> None:
    client.cookies.clear()
    answer = login(client, "nobody", "whatever-password")
    assert answer.status_code == 401


def test_login_without_csrf_token_is_refused(client: TestClient) -> None:
    client.cookies.clear()
    client.get("/login")
    answer = client.post("/login", data={"name": "vera", "password": PASSWORD})
    assert answer.status_code == 403
    assert client.get("/").status_code == 303


def test_viewer_sees_dashboard_but_not_admin(client: TestClient) -> None:
    client.cookies.clear()
    assert login(client, "vera").status_code == 303
    assert client.get("/").status_code == 200
    assert client.get("/admin").status_code == 403
    assert client.get("/admin/accounts").status_code == 403


def test_editor_may_lay_out_screens_but_not_manage_accounts(client: TestClient) -> None:
    client.cookies.clear()
    login(client, "eddy")
    assert client.get("/admin").status_code == 200
    assert client.get("/admin/accounts").status_code == 403


def test_admin_manages_accounts_with_csrf(client: TestClient) -> None:
    client.cookies.clear()
    login(client, "ada")
    token = csrf_of(client, "/admin/accounts")
    refused = client.post("/admin/accounts", data={"action": "add", "name": "nina",
                                                   "password": PASSWORD, "role": "viewer"})
    assert refused.status_code == 403
    added = client.post("/admin/accounts", data={"action": "add", "name": "nina",
                                                 "password": PASSWORD, "role": "viewer",
                                                 "csrf_token": token})
    assert added.status_code == 303
    listing = client.get("/admin/accounts")
    assert "nina" in listing.text
    removed = client.post("/admin/accounts", data={"action": "remove", "name": "nina",
                                                   "csrf_token": token})
    assert removed.status_code == 303
    assert "nina" not in client.get("/admin/accounts").text


def test_last_admin_cannot_be_demoted(client: TestClient) -> None:
    client.cookies.clear()
    login(client, "ada")
    token = csrf_of(client, "/admin/accounts")
    answer = client.post("/admin/accounts", data={"action": "role", "name": "ada",
                                                  "role": "viewer", "csrf_token": token})
    assert answer.status_code == 400
    assert "last admin" in answer.text


def test_logout_ends_the_session(client: TestClient) -> None:
    client.cookies.clear()
    login(client, "vera")
    token = csrf_of(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 303


def test_internal_api_needs_credentials(client: TestClient) -> None:
    client.cookies.clear()
    assert client.get("/api/status").status_code == 401
    assert "Basic" in client.get("/api/status").headers["www-authenticate"]
    assert client.get("/api/status", headers=basic("vera", "wrong-password")).status_code == 401
    assert client.get("/api/status", headers=basic("vera")).status_code == 200
    assert client.get("/api/norms", headers=basic("vera")).status_code == 200
    assert client.get("/api/stream").status_code == 401


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("Bearer x", None), ("Basic !!!", None),
    ("Basic dmVyYTpwdw==", ("vera", "pw")), ("Basic bm9jb2xvbg==", None)])
def test_basic_header_parsing(header: str | None, expected: tuple[str, str] | None) -> None:
    assert basic_credentials(header) == expected


@pytest.mark.parametrize(("target", "expected"), [
    ("/admin", "/admin"), ("//evil.example", "/"), ("https://evil.example", "/"),
    ("/\\evil", "/"), (None, "/")])
def test_next_after_login_stays_on_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


@pytest.mark.parametrize("path", [
    "/api/status", "/api/stream", "/api/norms", "/api/history?key=organisation&range=today",
    "/api/open?norm=balie-wachttijd-inloop", "/api/cases"])
def test_every_internal_api_refuses_an_anonymous_request(client: TestClient, path: str) -> None:
    client.cookies.clear()
    answer = client.get(path)
    assert answer.status_code == 401, path
    assert answer.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("path", ["/", "/dashboard/standaard", "/admin", "/admin/schermen.yaml",
                                  "/admin/accounts"])
def test_every_staff_screen_sends_an_anonymous_visitor_to_the_login(
        client: TestClient, path: str) -> None:
    client.cookies.clear()
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303, path
    assert answer.headers["location"].startswith("/login")
