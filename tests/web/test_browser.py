"""The screens in a real browser (Debian's Chromium through Playwright), against the real
services: ingest, evaluator and web on the test broker and database."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from webtesting import PASSWORD, add_account, wait_until

from services.web.periods import AMSTERDAM

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WEB_ENV = {"SERVICENORM_WEB_SECRET_KEY": "browser-tests-" + "k" * 30,
           "SERVICENORM_WEB_HEARTBEAT_SECONDS": "2",
           "SERVICENORM_WEB_DISPLAY_STALE_SECONDS": "8"}
EVALUATOR_ENV = {"SERVICENORM_EVALUATOR_CASE_TICK_SECONDS": "2"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NORM = "balie-wachttijd-inloop"
LONG = 90_000  # ms: two cores shared with other test runs


@pytest.fixture(scope="module")
def running(product: Any) -> Any:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium")
    assert add_account(product.dsn, "vera", "viewer") == 0
    product.start("ingest")
    product.start("evaluator", extra_env=EVALUATOR_ENV)
    product.start("web", extra_env=WEB_ENV)
    for name in ("ingest", "evaluator", "web"):
        product.wait_ready(name, timeout=120)
    return product


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nl-NL")
    context.set_default_timeout(LONG)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def with_data(running: Any) -> Any:
    """Finished tickets within the limit, so the walk-in norm is (or stays) green."""
    post_tickets(running, 8, wait_minutes=2)
    return running


def log_in(page: Any, running: Any) -> None:
    page.goto(running.url("web", "/login"))
    page.get_by_label("Gebruikersnaam").fill("vera")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile(r".*/$"))


def post_tickets(running: Any, count: int, wait_minutes: float) -> None:
    now = datetime.now(UTC)
    events = []
    for _ in range(count):
        subject = f"t-{uuid.uuid4().hex[:12]}"
        drawn = now - timedelta(minutes=wait_minutes + 1)
        common = {"specversion": "1.0", "source": "/test/browser", "subject": subject}
        events += [
            {**common, "id": uuid.uuid4().hex, "type": "nl.servicenorm.queue.ticket.drawn",
             "time": drawn.isoformat(),
             "data": {"location": "stadhuis", "service": "paspoort", "appointment": False}},
            {**common, "id": uuid.uuid4().hex, "type": "nl.servicenorm.queue.ticket.called",
             "time": (drawn + timedelta(minutes=wait_minutes)).isoformat(),
             "data": {"location": "stadhuis", "desk": "balie-1"}},
        ]
    answer = httpx.post(running.url("ingest", "/events"), content=orjson.dumps(events),
                        headers={"Content-Type": "application/cloudevents-batch+json"}, timeout=30)
    assert answer.status_code == 202, answer.text


def post_cases(running: Any, late: str, soon: str) -> None:
    """Two permit applications, dated back from today (Amsterdam).

    ``late`` was received 100 days ago, so its 8 weeks ended about 44 days ago; the
    notice of default came 30 days ago, after that, so the penalty runs from 16 days
    ago: today is penalty day 17, 14 x €23 + 3 x €35 = €427. ``soon`` was received 54
    days ago: its deadline is two days from now (a holiday may add a few), at risk.
    """
    today = datetime.now(AMSTERDAM).date()

    def event(type_: str, subject: str, days_ago: int, **data: Any) -> dict[str, Any]:
        day = today - timedelta(days=days_ago)
        when = datetime(day.year, day.month, day.day, 10, tzinfo=AMSTERDAM)
        return {"specversion": "1.0", "id": uuid.uuid4().hex, "source": "/test/zaken",
                "type": f"nl.servicenorm.case.{type_}", "subject": subject,
                "time": when.isoformat(), "data": {**data, "received_on": day.isoformat()}}

    permit = {"case_type": "omgevingsvergunning", "team": "team-vergunningen"}
    events = [event("received", late, 100, **permit),
              event("default-notice.received", late, 30),
              event("received", soon, 54, **permit)]
    answer = httpx.post(running.url("ingest", "/events"), content=orjson.dumps(events),
                        headers={"Content-Type": "application/cloudevents-batch+json"}, timeout=30)
    assert answer.status_code == 202, answer.text


def axe_violations(page: Any) -> list[Any]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]]


# -- the tests, in the order the data grows --------------------------------------------------


def test_tile_changes_colour_after_events(running: Any, page: Any) -> None:
    log_in(page, running)
    tile = page.locator(f'.tile[data-norm="{NORM}"]')
    tile.wait_for()
    assert tile.get_attribute("data-status") == "no-data"
    grey = tile.evaluate("t => getComputedStyle(t).borderLeftColor")
    post_tickets(running, 8, wait_minutes=2)
    page.wait_for_function(
        f"""() => {{ const t = document.querySelector('.tile[data-norm="{NORM}"]');
                    return t && t.dataset.status === 'green'; }}""", timeout=LONG)
    assert tile.locator(".status__text").inner_text() == "Op norm"
    assert tile.evaluate("t => getComputedStyle(t).borderLeftColor") != grey
    assert "100%" in tile.locator(".tile__number").inner_text()
    assert page.locator("#last-update").inner_text() != "nog geen gegevens"


def test_drill_down_and_norm_card_by_keyboard(with_data: Any, page: Any) -> None:
    log_in(page, with_data)
    button = page.locator(f'.tile__open[data-norm="{NORM}"]')
    button.wait_for()
    page.wait_for_function(
        f"""() => document.querySelector('.tile[data-norm="{NORM}"]').dataset.status
                  === 'green'""", timeout=LONG)
    button.focus()
    page.keyboard.press("Enter")
    detail = page.locator("#detail")
    detail.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "detail-title"
    assert button.get_attribute("aria-expanded") == "true"
    # The norm card: promise, method, source, limit, bands, owner, version.
    card = page.locator("#card").inner_text()
    for text in ("Komt u zonder afspraak", "wachtrijsysteem", "10 minuten",
                 "Streefwaarde 90%, grenswaarde 80%", "team-publiekszaken", "1 ("):
        assert text in card
    # Down to the location, the service, the desk, by Tab and Enter only.
    for level in ("stadhuis", "paspoort", "balie-1"):
        child = page.locator("#children button", has_text=level)
        child.wait_for()
        child.focus()
        page.keyboard.press("Enter")
        page.wait_for_function(f"document.getElementById('detail-title').textContent"
                               f".includes('{level}')")
    assert "stadhuis · paspoort · balie-1" in page.locator("#detail-title").inner_text()
    assert page.locator("#indicator-rows tr").count() == 4
    # Up again through the breadcrumb, then Escape closes and gives focus back to the tile.
    page.locator("#crumbs button", has_text="Hele organisatie").click()
    page.wait_for_function("!document.getElementById('detail-title').textContent"
                           ".includes('balie-1')")
    page.keyboard.press("Escape")
    detail.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.dataset.norm") == NORM


def test_trend_api_serves_the_recorded_minutes(running: Any) -> None:
    key = f"indicator:{NORM}:binnen-norm"

    def points() -> list[Any]:
        answer = httpx.get(running.url("web", "/api/history"), params={
            "scope_key": key, "range": "today"}, auth=("vera", PASSWORD), timeout=30)
        assert answer.status_code == 200
        return answer.json()["points"]  # type: ignore[no-any-return]

    assert wait_until(points, 90, "recorded indicator minutes")[-1][1] == 100.0


def test_public_page_shows_status_in_text_as_well_as_colour(with_data: Any, page: Any) -> None:
    page.goto(with_data.url("web", "/publiek"))
    holder = page.locator(f'[data-live-status="{NORM}"]')
    page.wait_for_function(
        f"""() => document.querySelector('[data-live-status="{NORM}"] .status')
                  .dataset.status === 'green'""", timeout=LONG)
    badge = holder.locator(".status")
    assert badge.locator(".status__text").inner_text() == "Op norm"
    assert badge.locator("svg use").get_attribute("href") == "#i-green"
    colour = badge.evaluate("b => getComputedStyle(b).color")
    assert colour not in ("rgb(85, 85, 85)", "rgb(0, 0, 0)")
    assert "terugbelverzoek" not in page.content().lower()


@pytest.mark.parametrize("path", ["/publiek", "/display/hal", "/", "/toegankelijkheid",
                                  "/publiek/widget/" + NORM])
def test_no_axe_violations(running: Any, page: Any, path: str) -> None:
    if path == "/":
        log_in(page, running)
        page.locator(f'.tile__open[data-norm="{NORM}"]').click()
        page.locator("#detail").wait_for(state="visible")
        page.wait_for_function("document.querySelectorAll('#indicator-rows tr').length > 0")
    else:
        page.goto(running.url("web", path))
    page.wait_for_timeout(2_000)  # let the first snapshot render
    assert axe_violations(page) == []


def test_case_deadlines_by_keyboard(running: Any, page: Any) -> None:
    late, soon = f"zk-{uuid.uuid4().hex[:8]}", f"zk-{uuid.uuid4().hex[:8]}"
    post_cases(running, late, soon)
    log_in(page, running)
    # 1. The tile turns red with the penalty running, live from the stream.
    page.wait_for_function(
        "() => document.getElementById('cases-tile').dataset.status === 'red'"
        " && document.querySelector('#cases-tile [data-count=\"penalty_running\"]')"
        ".textContent !== '0'", timeout=LONG)
    tile = page.locator("#cases-tile")
    assert tile.locator(".status__text").inner_text() == "Buiten norm"
    assert tile.locator("svg use").first.get_attribute("href") == "#i-red"
    assert re.fullmatch(r"€\u00a0[0-9.]+", tile.locator('[data-count="exposure"]').inner_text())
    # 2. Open it with the keyboard: focus moves to the view's heading.
    opener = page.locator("#cases-open")
    opener.focus()
    page.keyboard.press("Enter")
    page.locator("#cases-detail").wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "cases-title"
    assert opener.get_attribute("aria-expanded") == "true"
    # 3. The overdue case, with its penalty so far and the explanation of its deadline.
    row = page.locator(f'table[data-list="overdue"] tr[data-case="{late}"]')
    row.wait_for()
    text = row.inner_text()
    assert "Omgevingsvergunning (reguliere procedure)" in text
    assert "Dwangsom loopt" in text
    assert "Dag 17 van 42: €\u00a0427 tot nu toe." in text
    summary = row.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert "De wettelijke termijn is 8 weken" in row.locator("details ol").inner_text()
    # Live rounds (every 2 s here) keep the explanation open and the focus where it was.
    page.wait_for_timeout(5_000)
    assert row.locator("details").evaluate("d => d.open") is True
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    assert page.locator(f'table[data-list="at_risk"] tr[data-case="{soon}"]').count() == 1
    # 4. Per team, through the select.
    scope = page.locator("#cases-scope")
    scope.focus()
    scope.select_option("team.team-vergunningen")
    page.wait_for_function("() => document.getElementById('cases-title').textContent"
                           ".includes('team-vergunningen')")
    row.wait_for()
    assert row.locator("details").evaluate("d => d.open") is True
    assert page.locator(".cases-compliance caption").count() == 1
    # 5. No axe-core violations with the view open, then Escape gives focus back.
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    page.locator("#cases-detail").wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == "cases-open"


def test_hall_display_recovers_after_web_restart(with_data: Any, page: Any) -> None:
    page.goto(with_data.url("web", "/display/hal"))
    norm = page.locator(f'.display__norm[data-norm="{NORM}"]')
    page.wait_for_function(
        f"""() => document.querySelector('.display__norm[data-norm="{NORM}"]')
                  .dataset.status === 'green'""", timeout=LONG)
    assert "Pagina 1 van" in page.locator("#page-label").inner_text()
    # 1. The web service goes away: the display must not keep showing the old green.
    with_data.stop("web")
    page.wait_for_function(
        f"""() => document.querySelector('.display__norm[data-norm="{NORM}"]')
                  .dataset.status === 'unavailable'""", timeout=LONG)
    assert page.locator("#unavailable").is_visible()
    assert "Niet beschikbaar" in norm.inner_text()
    # 2. It comes back on the same port: the display picks up by itself.
    with_data.start("web", extra_env=WEB_ENV)
    with_data.wait_ready("web", timeout=120)
    page.wait_for_function(
        f"""() => document.querySelector('.display__norm[data-norm="{NORM}"]')
                  .dataset.status === 'green'""", timeout=LONG)
    assert not page.locator("#unavailable").is_visible()


def test_hall_display_pause_button_stops_rotation(running: Any, page: Any) -> None:
    page.goto(running.url("web", "/display/hal"))
    pause = page.get_by_role("button", name="Pauzeer wisselen")
    pause.click()
    assert page.get_by_role("button", name="Wissel weer").is_visible()
    label = page.locator("#page-label").inner_text()
    pages = page.locator(".display__page").count()
    assert pages > 1  # the example charter has more than four display norms
    page.wait_for_timeout(17_000)  # longer than one rotation of 15 s
    assert page.locator("#page-label").inner_text() == label
    # And once resumed, it does rotate: the pause was what held it.
    page.get_by_role("button", name="Wissel weer").click()
    page.wait_for_function("label => document.querySelector('#page-label').innerText !== label",
                           arg=label, timeout=17_000)
