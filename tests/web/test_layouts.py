"""Screen layouts: checks with clear messages, YAML round trip, the admin forms."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from webtesting import CHARTER, add_account, csrf_of, login

from schemas.norms import load_folder
from services.web import layouts

NORMS = {n.norm: n for n in load_folder(CHARTER)}
GOOD = """
screens:
  - screen: hal-stadhuis
    kind: display
    title: {nl: Publiekshal, en: Public hall}
    rotate_seconds: 20
    groups:
      - title: {nl: Balie}
        items:
          - {norm: balie-wachttijd-inloop, widget: gauge}
          - {norm: balie-wachttijd-afspraak, widget: number}
      - title: Telefoon
        items:
          - {norm: telefoon-bereikbaarheid, widget: traffic-light}
  - screen: teamleiders
    kind: dashboard
    title: Teamleiders
    groups:
      - title: Alles
        items:
          - {norm: klachten-afhandeling, widget: trend}
"""


def test_yaml_round_trip() -> None:
    screens = layouts.from_yaml(GOOD, NORMS)
    assert [s.screen for s in screens] == ["hal-stadhuis", "teamleiders"]
    assert screens[0].norms() == ["balie-wachttijd-inloop", "balie-wachttijd-afspraak",
                                  "telefoon-bereikbaarheid"]
    assert layouts.from_yaml(layouts.to_yaml(screens), NORMS) == screens


@pytest.mark.parametrize(("change", "message"), [
    (("widget: gauge", "widget: taart"), "items[0].widget: expected one of"),
    (("norm: klachten-afhandeling", "norm: bestaat-niet"), "expected a loaded norm"),
    (("rotate_seconds: 20", "rotate_seconds: 2"), "rotate_seconds: expected a whole number"),
    (("kind: dashboard", "kind: poster"), "kind: expected one of dashboard, display"),
    (("    title: Teamleiders", "    titel: Teamleiders"), "unknown key 'titel'"),
    (("screen: teamleiders", "screen: Team Leiders"), "screen: expected 1-63 characters"),
])
def test_mistakes_are_named_with_their_place(change: tuple[str, str], message: str) -> None:
    with pytest.raises(layouts.LayoutError) as caught:
        layouts.from_yaml(GOOD.replace(*change), NORMS)
    assert any(message in p for p in caught.value.problems), caught.value.problems


def test_a_display_refuses_a_norm_not_meant_for_displays() -> None:
    text = GOOD.replace("norm: balie-wachttijd-afspraak", "norm: klachten-afhandeling")
    with pytest.raises(layouts.LayoutError, match="not for hall displays"):
        layouts.from_yaml(text, NORMS)


def test_invalid_yaml_says_where() -> None:
    with pytest.raises(layouts.LayoutError, match="line"):
        layouts.from_yaml("screens: [\n  - {", NORMS)


@pytest.mark.integration
def test_editor_imports_exports_and_edits_screens(product: Any, client: TestClient) -> None:
    assert add_account(product.dsn, "eddy", "editor") == 0
    client.cookies.clear()
    login(client, "eddy")
    token = csrf_of(client, "/admin")
    refused = client.post("/admin/import", data={"yaml": GOOD.replace("gauge", "taart"),
                                                 "csrf_token": token})
    assert refused.status_code == 400
    assert "widget: expected one of" in refused.text
    done = client.post("/admin/import", data={"yaml": GOOD, "csrf_token": token})
    assert done.status_code == 303
    exported = client.get("/admin/schermen.yaml")
    assert exported.status_code == 200
    by_id = {s.screen: s for s in layouts.from_yaml(exported.text, NORMS)}
    assert by_id == {s.screen: s for s in layouts.from_yaml(GOOD, NORMS)}
    # The form: keep only the phone norm on the hall screen, as a number.
    saved = client.post("/admin/screens/hal-stadhuis", data={
        "csrf_token": token, "action": "save", "kind": "display", "title_nl": "Hal",
        "rotate_seconds": "30", "include.telefoon-bereikbaarheid": "on",
        "widget.telefoon-bereikbaarheid": "number", "group.telefoon-bereikbaarheid": "Bellen",
        "order.telefoon-bereikbaarheid": "1"})
    assert saved.status_code == 303
    again = layouts.from_yaml(client.get("/admin/schermen.yaml").text, NORMS)
    hall = next(s for s in again if s.screen == "hal-stadhuis")
    assert hall.rotate_seconds == 30
    assert [(g.title["nl"], [(i.norm, i.widget) for i in g.items]) for g in hall.groups] == [
        ("Bellen", [("telefoon-bereikbaarheid", "number")])]
    display = client.get("/display/hal-stadhuis")
    assert display.status_code == 200
    assert 'data-norm="telefoon-bereikbaarheid"' in display.text
    assert "balie-wachttijd-inloop" not in display.text
