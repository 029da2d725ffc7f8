"""Message catalogues: every key in both languages, every key used is defined."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.web import i18n

WEB = Path(i18n.__file__).parent
# Keys built at run time from a prefix plus a value, and the values they take.
DYNAMIC = {
    "status.": ("green", "orange", "red", "no-data", "stale", "unavailable"),
    "unit.short.": ("percent", "seconds", "minutes", "hours", "days", "count", "score"),
    "unit.long.": ("percent", "seconds", "minutes", "hours", "days", "count", "score"),
    "calendar.": ("calendar-days", "working-days", "opening-hours"),
    "direction.": ("higher-is-better", "lower-is-better"),
    "level.": ("location", "service", "desk", "team", "line", "channel", "category",
               "case_type"),
    "range.": ("today", "7d", "month", "quarter", "year"),
    "month.": tuple(str(m) for m in range(1, 13)),
    "kind.": ("dashboard", "display"),
    "widget.": ("traffic-light", "gauge", "number", "trend"),
    "role.": ("viewer", "editor", "admin"),
    "live.": ("connecting", "live", "unavailable"),
    "window.": ("minutes", "hours", "days"),
    "card.": ("promise", "scope", "owner", "published"),
    "error.": ("forbidden", "not_found", "no_screen", "unavailable", "csrf"),
    "login.": ("failed",),
    "weekday.": tuple(str(d) for d in range(7)),
    "cases.list.": ("overdue", "at_risk"),
    "cases.none.": ("overdue", "at_risk"),
    "cases.caption.": ("overdue", "at_risk"),
    "cases.penalty.": ("fix_by", "fix_by_passed"),
    "cases.stage.": ("on-track", "at-risk", "overdue", "notice-received", "penalty-running",
                     "capped"),
}
USED = re.compile(r"""\bt\(\s*["']([a-z0-9_.-]+)["']""")


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("static/js/*.js"), *WEB.glob("*.py")]:
        keys |= {k for k in USED.findall(path.read_text(encoding="utf-8"))
                 if not k.endswith(".")}
    for prefix, values in DYNAMIC.items():
        keys |= {prefix + v for v in values}
    return keys


def test_both_languages_have_the_same_keys() -> None:
    dutch, english = set(i18n.catalogue("nl")), set(i18n.catalogue("en"))
    assert dutch - english == set()
    assert english - dutch == set()


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_key_used_is_in_the_catalogue(lang: str) -> None:
    missing = _used_keys() - set(i18n.catalogue(lang))
    assert missing == set()


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_message_is_empty_and_placeholders_match(lang: str) -> None:
    other = i18n.catalogue("en" if lang == "nl" else "nl")
    for key, text in i18n.catalogue(lang).items():
        if key != "value.none" and not key.startswith("unit.short."):
            assert text.strip(), key
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", other[key])), key


def test_translator_fills_values_and_survives_a_missing_key() -> None:
    t = i18n.translator("nl")
    assert t("nav.logout", name="ada") == "Uitloggen (ada)"
    assert t("does.not.exist") == "does.not.exist"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language must be one of"):
        i18n.catalogue("fr")
