"""Take PNG screenshots of each screen of a running product, for the README.

    python -m services.web.screenshots --url http://127.0.0.1:8080 \\
        --user ada --password-env SERVICENORM_SCREENSHOT_PASSWORD --out docs/screenshots

The Termijnen view (case deadlines) is taken when the dashboard has that tile.
It drives Debian's Chromium (``/usr/bin/chromium``) through Playwright; it never
downloads a browser. The account must be an admin to photograph the admin
screens; with a viewer those are skipped.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SETTLE_MS = 2500
TIMEOUT_MS = 60_000


def _shoot(page: Any, url: str, out: Path, name: str, full: bool = True) -> Path:
    page.goto(url)
    page.wait_for_timeout(SETTLE_MS)
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    log.info("screenshot %s", path)
    return path


def _shoot_cases(page: Any, out: Path) -> Path:
    page.locator("#detail-close").click()
    page.locator("#cases-open").click()
    view = page.locator("#cases-detail")
    view.wait_for(state="visible")
    page.locator("#cases-lists table, #cases-lists p").first.wait_for()
    explanation = page.locator("#cases-lists details")
    if explanation.count():
        explanation.first.locator("summary").click()
    page.wait_for_timeout(SETTLE_MS)
    path = out / "termijnen.png"
    view.screenshot(path=str(path))
    log.info("screenshot %s", path)
    return path


def take(base: str, user: str, password: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="nl-NL")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        # 1. Public screens, without login.
        taken.append(_shoot(page, f"{base}/publiek", out, "publiek"))
        taken.append(_shoot(page, f"{base}/toegankelijkheid", out, "toegankelijkheid"))
        widget = context.new_page()
        widget.set_viewport_size({"width": 420, "height": 300})
        taken.append(_shoot(widget, f"{base}/publiek/widget/balie-wachttijd-inloop", out,
                            "widget"))
        hall = context.new_page()
        hall.set_viewport_size({"width": 1920, "height": 1080})
        taken.append(_shoot(hall, f"{base}/display/hal", out, "hal-scherm", full=False))
        # 2. Log in, then the dashboard and the drill-down.
        page.goto(f"{base}/login")
        page.get_by_label("Gebruikersnaam").fill(user)
        page.get_by_label("Wachtwoord").fill(password)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url(f"{base}/")
        taken.append(_shoot(page, f"{base}/", out, "dashboard"))
        first = page.locator(".tile__open").first
        first.click()
        page.locator("#detail").wait_for(state="visible")
        children = page.locator("#children button")
        if children.count():
            children.first.click()
        page.wait_for_timeout(SETTLE_MS)
        page.locator("#detail").scroll_into_view_if_needed()
        path = out / "dashboard-detail.png"
        page.locator("#detail").screenshot(path=str(path))
        taken.append(path)
        # 3. Case deadlines, when the case book is on: the view with one explanation open.
        if page.locator("#cases-open").count():
            taken.append(_shoot_cases(page, out))
        # 4. Admin screens, when the account may see them.
        if page.goto(f"{base}/admin").status == 200:
            taken.append(_shoot(page, f"{base}/admin", out, "beheer"))
            taken.append(_shoot(page, f"{base}/admin/screens/hal-stadhuis?kind=display", out,
                                "beheer-scherm"))
        browser.close()
    return taken


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="screenshots of every screen for the README")
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-env", default="SERVICENORM_SCREENSHOT_PASSWORD",
                        help="environment variable that holds the password")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    password = os.environ.get(args.password_env)
    if not password:
        print(f"set {args.password_env} to the password of {args.user}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in take(args.url.rstrip("/"), args.user, password, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
