"""Case types as configuration: the example file, terms, and errors that name file and line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from schemas.casetypes import (
    DEFAULT_AT_RISK_WITHIN,
    CaseTypeCatalogue,
    format_term,
    load_file,
    load_text,
    parse_term,
)
from schemas.norms import DefinitionError
from services.evaluator.deadlines import TermUnit, compute_deadline

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "charter" / "case-types" / "voorbeeldstad.yaml"

MINIMAL = """\
organisation: voorbeeldstad
version: 1
case_types:
  - code: klacht
    title: {nl: Klacht, en: Complaint}
    statutory_term: 6w
    service_norm: 4w
    max_extension_weeks: 4
    legal_basis: Awb 9:11
    dwangsom: false
    team: team-klachten
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_text(text, "types.yaml")
    return [str(p) for p in caught.value.problems]


# --- the example -------------------------------------------------------------------------------


def test_example_file_loads_with_the_usual_municipal_case_types() -> None:
    catalogue = load_file(EXAMPLE)

    assert catalogue.organisation == "voorbeeldstad"
    assert {"omgevingsvergunning", "klacht", "bezwaar", "bezwaar-adviescommissie",
            "uittreksel-brp"} <= set(catalogue.codes())
    assert catalogue["klacht"].dwangsom is False
    assert catalogue["omgevingsvergunning"].dwangsom is True
    assert catalogue["bezwaar"].case_type.max_extension_weeks == 6


def test_example_omgevingsvergunning_gives_the_worked_example_deadline() -> None:
    permit = load_file(EXAMPLE)["omgevingsvergunning"]

    deadlines = compute_deadline(permit.case_type, date(2026, 3, 2))

    assert deadlines.statutory_deadline == date(2026, 4, 28)  # 27 April is King's Day
    assert deadlines.service_norm_deadline == date(2026, 4, 13)  # 6 weeks, own norm


def test_example_maps_zaaktypen_to_case_types() -> None:
    catalogue = load_file(EXAMPLE)

    found = catalogue.for_zaaktype("OMV-REGULIER")

    assert found is not None and found.code == "omgevingsvergunning"
    assert catalogue.for_zaaktype("ONBEKEND") is None


def test_catalogue_round_trips_through_its_dict() -> None:
    catalogue = load_file(EXAMPLE)

    assert CaseTypeCatalogue.from_dict(catalogue.to_dict()) == catalogue


def test_at_risk_threshold_defaults_to_five_working_days() -> None:
    assert load_text(MINIMAL, "types.yaml")["klacht"].at_risk_within == DEFAULT_AT_RISK_WITHIN == 5


def test_unknown_code_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"'bouwvergunning'.*known: klacht"):
        load_text(MINIMAL, "types.yaml")["bouwvergunning"]


# --- terms ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "amount", "unit"), [
    ("8w", 8, TermUnit.WEEKS), ("42d", 42, TermUnit.DAYS), ("3mo", 3, TermUnit.MONTHS),
    ("10wd", 10, TermUnit.WORKING_DAYS),
])
def test_terms_parse_and_format_back(text: str, amount: int, unit: TermUnit) -> None:
    term = parse_term(text, statutory=False)

    assert (term.amount, term.unit) == (amount, unit)
    assert format_term(term) == text


def test_minutes_are_not_a_term_unit() -> None:
    with pytest.raises(ValueError, match="got '3m'"):
        parse_term("3m", statutory=True)


def test_statutory_term_in_working_days_is_refused_by_the_model() -> None:
    with pytest.raises(ValueError, match="working days"):
        parse_term("10wd", statutory=True)


# --- errors name file, line and what was expected ----------------------------------------------


def test_term_in_words_is_refused_with_line_and_value() -> None:
    found = problems_of(MINIMAL.replace("statutory_term: 6w", "statutory_term: 6 weken"))

    assert len(found) == 1
    assert found[0].startswith("types.yaml:6:")
    assert "/case_types/0/statutory_term" in found[0]
    assert "'6 weken'" in found[0] and "such as '8w'" in found[0]


def test_statutory_term_in_working_days_is_refused_in_a_file() -> None:
    found = problems_of(MINIMAL.replace("statutory_term: 6w", "statutory_term: 30wd"))

    assert any("statutory_term" in p and "'30wd'" in p for p in found)


def test_service_norm_longer_than_the_statutory_term_is_refused() -> None:
    found = problems_of(MINIMAL.replace("service_norm: 4w", "service_norm: 7w"))

    assert len(found) == 1
    assert found[0].startswith("types.yaml:7:")
    assert "never ends after the statutory term '6w', got '7w'" in found[0]


def test_code_used_twice_is_refused() -> None:
    entry = MINIMAL.split("case_types:\n", 1)[1]
    found = problems_of(MINIMAL + entry)

    assert any("/case_types/1/code" in p and "not used before" in p for p in found)


def test_zaaktype_mapped_to_two_case_types_is_refused() -> None:
    first = MINIMAL + "    zgw_zaaktypen: [KLACHT]\n"
    second = first.split("case_types:\n", 1)[1].replace("code: klacht", "code: klacht-2")
    found = problems_of(first + second)

    assert any("/case_types/1/zgw_zaaktypen/0" in p and "'KLACHT'" in p for p in found)


def test_missing_key_is_named() -> None:
    found = problems_of(MINIMAL.replace("    dwangsom: false\n", ""))

    assert any("expected key 'dwangsom'" in p for p in found)


def test_misspelt_key_gets_a_hint_and_its_own_line() -> None:
    found = problems_of(MINIMAL.replace("team: team-klachten", "teem: team-klachten"))

    assert any(p.startswith("types.yaml:11:") and "did you mean 'team'?" in p for p in found)


def test_dwangsom_must_be_true_or_false_not_yes() -> None:
    found = problems_of(MINIMAL.replace("dwangsom: false", "dwangsom: yes"))

    assert any("/dwangsom" in p and "'yes'" in p for p in found)


def test_key_given_twice_is_refused() -> None:
    found = problems_of(MINIMAL + "version: 2\n")

    assert any("'version' again" in p for p in found)


def test_empty_file_is_refused() -> None:
    assert any("got nothing" in p for p in problems_of(""))


def test_from_dict_runs_the_same_checks() -> None:
    data = load_text(MINIMAL, "types.yaml").to_dict()
    data["case_types"][0]["service_norm"] = "9w"

    with pytest.raises(DefinitionError, match="<dict>"):
        CaseTypeCatalogue.from_dict(data)
