"""Screen layouts: which norms a dashboard or hall display shows, with which widget, in
which order and groups. Stored in ``web_screens``; exported and imported as YAML.

A layout as stored and exported::

    screens:
      - screen: hal-stadhuis          # a-z, 0-9 and '-'; the URL is /display/hal-stadhuis
        kind: display                 # display (hall, no login) or dashboard (supervisors)
        title: {nl: Publiekshal, en: Public hall}
        rotate_seconds: 15            # display only: seconds per page
        groups:                       # on a display each group is a page
          - title: {nl: Balie, en: Counter}
            items:
              - {norm: balie-wachttijd-inloop, widget: gauge}

Everything is checked before anything is stored, and every problem is reported
with where it is (``screens[0].groups[1].items[2].widget``), the value found and
what was expected. Unknown keys are errors, so a misspelt key does not pass
silently. A display may only show norms with ``display: true``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import yaml

from schemas.norms import NormDefinition

KINDS = ("dashboard", "display")
WIDGETS = ("traffic-light", "gauge", "number", "trend")
SCREEN_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
MIN_ROTATE, MAX_ROTATE, DEFAULT_ROTATE = 5, 600, 15
MAX_GROUPS, MAX_ITEMS = 50, 200
MAX_TITLE = 120

SELECT_SCREENS = "SELECT screen, kind, layout FROM web_screens ORDER BY kind, screen"
SELECT_SCREEN = "SELECT screen, kind, layout FROM web_screens WHERE screen = $1"
UPSERT_SCREEN = """
INSERT INTO web_screens (screen, kind, layout, updated_by) VALUES ($1, $2, $3::jsonb, $4)
ON CONFLICT (screen) DO UPDATE SET kind = EXCLUDED.kind, layout = EXCLUDED.layout,
    updated_at = now(), updated_by = EXCLUDED.updated_by
"""
DELETE_SCREEN = "DELETE FROM web_screens WHERE screen = $1 RETURNING screen"


class LayoutError(ValueError):
    """A layout that cannot be stored; ``problems`` lists each mistake."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class Item:
    norm: str
    widget: str


@dataclass(frozen=True, slots=True)
class Group:
    title: dict[str, str]
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Screen:
    screen: str
    kind: str
    title: dict[str, str]
    rotate_seconds: int
    groups: tuple[Group, ...]

    def norms(self) -> list[str]:
        return [item.norm for group in self.groups for item in group.items]

    def layout_json(self) -> str:
        """The ``layout`` column: everything but the id and the kind."""
        return orjson.dumps(self.as_dict(with_id=False)).decode()

    def as_dict(self, with_id: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"screen": self.screen, "kind": self.kind} if with_id else {}
        out["title"] = dict(self.title)
        if self.kind == "display":
            out["rotate_seconds"] = self.rotate_seconds
        out["groups"] = [{"title": dict(g.title),
                          "items": [{"norm": i.norm, "widget": i.widget} for i in g.items]}
                         for g in self.groups]
        return out

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("nl") or self.screen


def default_screen(kind: str, norms: list[NormDefinition]) -> Screen:
    """What a screen shows before anyone laid it out: every norm it may show, in order.

    A display gets pages of four norms; a dashboard one group.
    """
    if kind == "display":
        chosen = [n for n in norms if n.display]
        pages = [chosen[i:i + 4] for i in range(0, len(chosen), 4)] or [[]]
        groups = tuple(Group({"nl": f"Pagina {p + 1}", "en": f"Page {p + 1}"},
                             tuple(Item(n.norm, "number") for n in page))
                       for p, page in enumerate(pages))
        return Screen("hal", "display", {"nl": "Wachttijden", "en": "Waiting times"},
                      DEFAULT_ROTATE, groups)
    return Screen("dashboard", "dashboard", {"nl": "Alle normen", "en": "All norms"},
                  DEFAULT_ROTATE,
                  (Group({"nl": "Alle normen", "en": "All norms"},
                         tuple(Item(n.norm, "gauge") for n in norms)),))


# -- checking ---------------------------------------------------------------------------------


def parse_screen(data: Any, known: Mapping[str, NormDefinition], where: str = "screen"
                 ) -> Screen:
    """A checked :class:`Screen` from plain data (YAML, JSON or a form); LayoutError if not."""
    problems: list[str] = []
    screen = _parse_screen(data, known, where, problems)
    if problems or screen is None:
        raise LayoutError(problems or [f"{where}: expected a mapping"])
    return screen


def _parse_screen(data: Any, known: Mapping[str, NormDefinition], where: str,
                  problems: list[str]) -> Screen | None:
    if not isinstance(data, dict):
        problems.append(f"{where}: expected a mapping, got {_show(data)}")
        return None
    _unknown_keys(data, {"screen", "kind", "title", "rotate_seconds", "groups"}, where, problems)
    screen_id = data.get("screen")
    if not isinstance(screen_id, str) or not SCREEN_ID.fullmatch(screen_id):
        problems.append(f"{where}.screen: expected 1-63 characters a-z, 0-9 or '-', "
                        f"got {_show(screen_id)}")
    kind = data.get("kind")
    if kind not in KINDS:
        problems.append(f"{where}.kind: expected one of {', '.join(KINDS)}, got {_show(kind)}")
    title = _title(data.get("title"), f"{where}.title", problems)
    rotate = data.get("rotate_seconds", DEFAULT_ROTATE)
    if isinstance(rotate, bool) or not isinstance(rotate, int) or not (
            MIN_ROTATE <= rotate <= MAX_ROTATE):
        problems.append(f"{where}.rotate_seconds: expected a whole number from {MIN_ROTATE} "
                        f"to {MAX_ROTATE}, got {_show(rotate)}")
    groups = _groups(data.get("groups"), known, kind, f"{where}.groups", problems)
    if problems:
        return None
    return Screen(screen_id, kind, title, rotate, groups)  # type: ignore[arg-type]


def _groups(data: Any, known: Mapping[str, NormDefinition], kind: Any, where: str,
            problems: list[str]) -> tuple[Group, ...]:
    if not isinstance(data, list) or not 1 <= len(data) <= MAX_GROUPS:
        problems.append(f"{where}: expected a list of 1 to {MAX_GROUPS} groups, got {_show(data)}")
        return ()
    groups = []
    seen: set[str] = set()
    for g, group in enumerate(data):
        here = f"{where}[{g}]"
        if not isinstance(group, dict):
            problems.append(f"{here}: expected a mapping with title and items, got {_show(group)}")
            continue
        _unknown_keys(group, {"title", "items"}, here, problems)
        title = _title(group.get("title"), f"{here}.title", problems)
        items = group.get("items")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            problems.append(f"{here}.items: expected a list of at most {MAX_ITEMS} items, "
                            f"got {_show(items)}")
            continue
        parsed = [_item(item, known, kind, f"{here}.items[{i}]", seen, problems)
                  for i, item in enumerate(items)]
        groups.append(Group(title, tuple(p for p in parsed if p is not None)))
    return tuple(groups)


def _item(data: Any, known: Mapping[str, NormDefinition], kind: Any, where: str,
          seen: set[str], problems: list[str]) -> Item | None:
    if not isinstance(data, dict):
        problems.append(f"{where}: expected a mapping with norm and widget, got {_show(data)}")
        return None
    _unknown_keys(data, {"norm", "widget"}, where, problems)
    norm, widget = data.get("norm"), data.get("widget", "gauge")
    ok = True
    if not isinstance(norm, str) or norm not in known:
        problems.append(f"{where}.norm: expected a loaded norm ({', '.join(sorted(known))}), "
                        f"got {_show(norm)}")
        ok = False
    elif kind == "display" and not known[norm].display:
        problems.append(f"{where}.norm: {norm!r} is not for hall displays (publish.display "
                        f"is false in its definition)")
        ok = False
    elif norm in seen:
        problems.append(f"{where}.norm: {norm!r} appears twice on this screen")
        ok = False
    if widget not in WIDGETS:
        problems.append(f"{where}.widget: expected one of {', '.join(WIDGETS)}, "
                        f"got {_show(widget)}")
        ok = False
    if not ok:
        return None
    seen.add(norm)  # type: ignore[arg-type]
    return Item(norm, widget)  # type: ignore[arg-type]


def _title(data: Any, where: str, problems: list[str]) -> dict[str, str]:
    if isinstance(data, str):
        data = {"nl": data}
    if not isinstance(data, dict) or not isinstance(data.get("nl"), str) or not data["nl"].strip():
        problems.append(f"{where}: expected a text, or nl and en texts, got {_show(data)}")
        return {}
    _unknown_keys(data, {"nl", "en"}, where, problems)
    title = {"nl": data["nl"].strip()}
    if isinstance(data.get("en"), str) and data["en"].strip():
        title["en"] = data["en"].strip()
    for lang, text in title.items():
        if len(text) > MAX_TITLE:
            problems.append(f"{where}.{lang}: expected at most {MAX_TITLE} characters, "
                            f"got {len(text)}")
    return title


def _unknown_keys(data: dict[str, Any], allowed: set[str], where: str,
                  problems: list[str]) -> None:
    for key in data:
        if key not in allowed:
            problems.append(f"{where}: unknown key {_show(key)} (expected "
                            f"{', '.join(sorted(allowed))})")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- YAML ------------------------------------------------------------------------------------


def to_yaml(screens: list[Screen]) -> str:
    body = {"screens": [s.as_dict() for s in screens]}
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)


def from_yaml(text: str, known: Mapping[str, NormDefinition]) -> list[Screen]:
    """Every screen in a YAML export, all checked; LayoutError lists all problems."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise LayoutError([f"not valid YAML{where}"]) from None
    if not isinstance(data, dict) or set(data) != {"screens"} or not isinstance(
            data["screens"], list):
        raise LayoutError(["expected a mapping with one key, 'screens', holding a list"])
    problems: list[str] = []
    screens: list[Screen] = []
    ids: set[str] = set()
    for index, entry in enumerate(data["screens"]):
        screen = _parse_screen(entry, known, f"screens[{index}]", problems)
        if screen is None:
            continue
        if screen.screen in ids:
            problems.append(f"screens[{index}].screen: {screen.screen!r} appears twice")
        ids.add(screen.screen)
        screens.append(screen)
    if problems:
        raise LayoutError(problems)
    return screens


# -- storage ---------------------------------------------------------------------------------


def from_row(row: Mapping[str, Any]) -> Screen:
    """A stored screen. Stored rows were checked when saved; norms that were removed from
    the charter since are dropped here rather than failing the page."""
    layout = row["layout"]
    if isinstance(layout, str):
        layout = orjson.loads(layout)
    groups = tuple(Group(g.get("title") or {"nl": ""},
                         tuple(Item(i["norm"], i.get("widget", "gauge"))
                               for i in g.get("items", [])))
                   for g in layout.get("groups", []))
    return Screen(row["screen"], row["kind"], layout.get("title") or {"nl": row["screen"]},
                  int(layout.get("rotate_seconds", DEFAULT_ROTATE)), groups)


async def load_all(db: Any) -> list[Screen]:
    return [from_row(r) for r in await db.fetch(SELECT_SCREENS)]


async def load(db: Any, screen: str) -> Screen | None:
    if not SCREEN_ID.fullmatch(screen):
        return None
    row = await db.fetchrow(SELECT_SCREEN, screen)
    return None if row is None else from_row(row)


async def save(db: Any, screens: list[Screen], by: str) -> None:
    """Store ``screens`` in one transaction (``db`` is a pool or connection)."""
    async with _connection(db) as connection, connection.transaction():
        for screen in screens:
            await connection.execute(UPSERT_SCREEN, screen.screen, screen.kind,
                                     screen.layout_json(), by)


async def delete(db: Any, screen: str) -> bool:
    return await db.fetchval(DELETE_SCREEN, screen) is not None


class _connection:
    """``async with`` a connection from a pool, or the connection itself."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.acquired: Any = None

    async def __aenter__(self) -> Any:
        if hasattr(self.db, "acquire"):
            self.acquired = self.db.acquire()
            return await self.acquired.__aenter__()
        return self.db

    async def __aexit__(self, *exc: Any) -> None:
        if self.acquired is not None:
            await self.acquired.__aexit__(*exc)
