"""Login and logout, screen layouts (editor or higher) and accounts (admin).

Every form carries the session's CSRF token and every POST checks it before
anything else; a failed check answers 403 and changes nothing. Forms post back
to the page they came from and redirect after success (post/redirect/get), so
a reload never submits twice.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.web import i18n, layouts
from services.web.auth import (
    ROLES,
    SESSION_ACCOUNT,
    Account,
    AccountError,
    AccountStore,
    csrf_ok,
    safe_next,
)
from services.web.context import BadParameter, Web, choice, web_of

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 256 * 1024


async def _form(request: Request) -> FormData:
    return await request.form(max_files=1, max_fields=2000)


def _forbidden_csrf(web: Web, request: Request) -> Response:
    return web.page(request, "error.html", {"status": 403, "message_key": "error.csrf"},
                    status=403)


async def _guard(request: Request, role: str) -> tuple[Web, Account | Response]:
    web = web_of(request)
    guard = await web.require(request, role)
    if isinstance(guard, Account):
        request.scope.setdefault("state", {})["account"] = guard
    return web, guard


# -- login ------------------------------------------------------------------------------------


async def login(request: Request) -> Response:
    web = web_of(request)
    target = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return web.page(request, "login.html", {"next": target, "error": None})
    form = await _form(request)
    if not csrf_ok(request.session, form.get("csrf_token")):
        return _forbidden_csrf(web, request)
    name = str(form.get("name") or "").strip().lower()
    password = str(form.get("password") or "")
    account = await AccountStore(await web.db()).verify(name, password)
    if account is None:
        log.info("login refused")  # the name may be a mistyped password: not logged
        return web.page(request, "login.html", {"next": safe_next(str(form.get("next") or "")),
                                                "error": "login.failed", "name": name},
                        status=401)
    request.session.clear()  # a fresh session (and CSRF token) after login
    request.session[SESSION_ACCOUNT] = account.name
    log.info("account %s logged in", account.name)
    return RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)


async def logout(request: Request) -> Response:
    web = web_of(request)
    form = await _form(request)
    if not csrf_ok(request.session, form.get("csrf_token")):
        return _forbidden_csrf(web, request)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


# -- screens ----------------------------------------------------------------------------------


async def admin_home(request: Request) -> Response:
    web, guard = await _guard(request, "editor")
    if not isinstance(guard, Account):
        return guard
    screens = await layouts.load_all(await web.db())
    return web.page(request, "admin.html", {"screens": screens, "problems": [],
                                            "yaml_text": ""})


async def export_yaml(request: Request) -> Response:
    web, guard = await _guard(request, "editor")
    if not isinstance(guard, Account):
        return guard
    text = layouts.to_yaml(await layouts.load_all(await web.db()))
    return Response(text, media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="schermen.yaml"'})


async def import_yaml(request: Request) -> Response:
    web, guard = await _guard(request, "editor")
    if not isinstance(guard, Account):
        return guard
    form = await _form(request)
    if not csrf_ok(request.session, form.get("csrf_token")):
        return _forbidden_csrf(web, request)
    upload = form.get("file")
    text = str(form.get("yaml") or "")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_IMPORT_BYTES + 1)
        text = raw.decode("utf-8", errors="replace")
    problems: list[str] = []
    if len(text.encode()) > MAX_IMPORT_BYTES:
        problems = [f"the file is larger than {MAX_IMPORT_BYTES // 1024} KiB"]
    else:
        try:
            screens = layouts.from_yaml(text, (await web.norms()).norms)
            await layouts.save(await web.db(), screens, guard.name)
            log.info("account %s imported %d screens", guard.name, len(screens))
            return RedirectResponse("/admin?imported=1", status_code=303)
        except layouts.LayoutError as exc:
            problems = exc.problems
    screens_now = await layouts.load_all(await web.db())
    return web.page(request, "admin.html", {"screens": screens_now, "problems": problems,
                                            "yaml_text": text[:MAX_IMPORT_BYTES]}, status=400)


async def new_screen(request: Request) -> Response:
    _, guard = await _guard(request, "editor")
    if not isinstance(guard, Account):
        return guard
    screen_id = request.query_params.get("screen", "")
    if not layouts.SCREEN_ID.fullmatch(screen_id):
        raise BadParameter("screen", f"must be 1-63 characters a-z, 0-9 or '-', "
                                     f"got {screen_id[:40]!r}")
    kind = choice(request, "kind", layouts.KINDS, default="display")
    return RedirectResponse(f"/admin/screens/{screen_id}?kind={kind}", status_code=303)


async def edit_screen(request: Request) -> Response:
    web, guard = await _guard(request, "editor")
    if not isinstance(guard, Account):
        return guard
    screen_id = request.path_params["screen"]
    definitions = await web.norms()
    problems: list[str] = []
    if request.method == "POST":
        form = await _form(request)
        if not csrf_ok(request.session, form.get("csrf_token")):
            return _forbidden_csrf(web, request)
        if form.get("action") == "delete":
            await layouts.delete(await web.db(), screen_id)
            return RedirectResponse("/admin?deleted=1", status_code=303)
        data = screen_from_form(screen_id, form)
        try:
            screen = layouts.parse_screen(data, definitions.norms)
            await layouts.save(await web.db(), [screen], guard.name)
            return RedirectResponse(f"/admin/screens/{screen.screen}?saved=1", status_code=303)
        except layouts.LayoutError as exc:
            problems = exc.problems
        screen = _as_entered(screen_id, data)
    else:
        screen = await layouts.load(await web.db(), screen_id)
        if screen is None and layouts.SCREEN_ID.fullmatch(screen_id):
            kind = request.query_params.get("kind", "dashboard")
            screen = layouts.default_screen(kind if kind in layouts.KINDS else "dashboard",
                                            list(definitions.norms.values()))
            screen = layouts.Screen(screen_id, screen.kind, {"nl": screen_id},
                                    screen.rotate_seconds, screen.groups)
        elif screen is None:
            return web.page(request, "error.html", {"status": 404,
                                                    "message_key": "error.no_screen"},
                            status=404)
    lang = i18n.language_of(request.scope)
    rows = _norm_rows(web, screen, lang)
    return web.page(request, "admin_screen.html", {
        "screen_id": screen_id, "screen": screen, "rows": rows, "problems": problems,
        "widgets": layouts.WIDGETS, "kinds": layouts.KINDS,
        "saved": request.query_params.get("saved") == "1"},
        status=400 if problems else 200)


def _as_entered(screen_id: str, data: dict[str, Any]) -> layouts.Screen:
    """The form as entered, unchecked, so a refused form is shown again with its input."""
    groups = tuple(layouts.Group({"nl": g["title"]},
                                 tuple(layouts.Item(i["norm"], i["widget"]) for i in g["items"]))
                   for g in data["groups"])
    rotate = data.get("rotate_seconds")
    return layouts.Screen(screen_id, str(data.get("kind") or "dashboard"),
                          {k: v for k, v in data["title"].items() if v},
                          rotate if isinstance(rotate, int) else layouts.DEFAULT_ROTATE, groups)


def _norm_rows(web: Web, screen: layouts.Screen | None, lang: str) -> list[dict[str, Any]]:
    placed: dict[str, tuple[int, str, str]] = {}
    if screen is not None:
        position = 0
        for group in screen.groups:
            for item in group.items:
                position += 1
                placed[item.norm] = (position, item.widget, group.title.get("nl", ""))
    rows = []
    for norm in web.definitions.norms.values():
        position, widget, group = placed.get(norm.norm, (0, "gauge", ""))
        rows.append({"norm": norm.norm, "title": norm.title.get(lang), "display": norm.display,
                     "included": norm.norm in placed, "order": position or "",
                     "widget": widget, "group": group})
    return sorted(rows, key=lambda r: (not r["included"], r["order"] or 0, r["norm"]))


def screen_from_form(screen_id: str, form: FormData) -> dict[str, Any]:
    """Plain layout data from the screen form: norms ticked, grouped by their group name
    (groups in order of their first norm), ordered by the order field."""
    chosen = []
    for key in form:
        if key.startswith("include.") and form.get(key) == "on":
            norm = key.removeprefix("include.")
            order_text = str(form.get(f"order.{norm}") or "").strip()
            order = int(order_text) if order_text.isdigit() else 10_000
            chosen.append((order, norm, str(form.get(f"widget.{norm}") or "gauge"),
                           str(form.get(f"group.{norm}") or "").strip()))
    chosen.sort()
    groups: dict[str, list[dict[str, str]]] = {}
    for _, norm, widget, group in chosen:
        groups.setdefault(group or "Algemeen", []).append({"norm": norm, "widget": widget})
    rotate_text = str(form.get("rotate_seconds") or "").strip()
    data: dict[str, Any] = {
        "screen": screen_id, "kind": str(form.get("kind") or ""),
        "title": {"nl": str(form.get("title_nl") or ""), "en": str(form.get("title_en") or "")},
        "groups": [{"title": name, "items": items} for name, items in groups.items()],
    }
    if rotate_text:
        data["rotate_seconds"] = int(rotate_text) if rotate_text.isdigit() else rotate_text
    return data


# -- accounts ---------------------------------------------------------------------------------


async def accounts(request: Request) -> Response:
    web, guard = await _guard(request, "admin")
    if not isinstance(guard, Account):
        return guard
    store = AccountStore(await web.db())
    problem_text = None
    if request.method == "POST":
        form = await _form(request)
        if not csrf_ok(request.session, form.get("csrf_token")):
            return _forbidden_csrf(web, request)
        try:
            await _change_account(store, form, guard)
            return RedirectResponse("/admin/accounts?done=1", status_code=303)
        except AccountError as exc:
            problem_text = str(exc)
    return web.page(request, "admin_accounts.html", {
        "accounts": await store.list(), "roles": ROLES, "problem": problem_text,
        "done": request.query_params.get("done") == "1"}, status=400 if problem_text else 200)


async def _change_account(store: AccountStore, form: FormData, by: Account) -> None:
    action = form.get("action")
    name = str(form.get("name") or "").strip().lower()
    if action == "add":
        await store.add(name, str(form.get("password") or ""), str(form.get("role") or ""))
    elif action == "role":
        await store.set_role(name, str(form.get("role") or ""))
    elif action == "password":
        await store.set_password(name, str(form.get("password") or ""))
    elif action == "remove":
        if name == by.name:
            raise AccountError("you cannot remove your own account")
        await store.remove(name)
    else:
        raise AccountError(f"unknown action {str(action)[:30]!r}")
    log.info("account %s: %s %s", by.name, action, name)


routes = [
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/admin", admin_home),
    Route("/admin/schermen.yaml", export_yaml),
    Route("/admin/import", import_yaml, methods=["POST"]),
    Route("/admin/new", new_screen),
    Route("/admin/screens/{screen}", edit_screen, methods=["GET", "POST"]),
    Route("/admin/accounts", accounts, methods=["GET", "POST"]),
]
