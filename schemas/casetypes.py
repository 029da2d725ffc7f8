"""Case types as configuration: decision terms, service norms and the dwangsom per kind of case.

One YAML file per organisation lists its case types: the statutory decision term
(``8w``), the organisation's own service norm (``6w`` or ``10wd``), the longest
extension the law allows, the legal basis in words, whether the penalty for late
decisions applies, how many working days before the deadline a case counts as at
risk, the team that handles it, and optionally the zaaktype identificaties in a
ZGW Catalogi API that map to it. Each entry becomes a :class:`CaseTypeDefinition`
holding a :class:`services.evaluator.deadlines.CaseType`.

A file is checked as norm files are (``schemas/norms.py``, whose YAML reading and
problem reporting this module reuses): first against ``case-types.schema.json``,
then, when the shape is right, for what a schema cannot say. Every problem names
file, line, JSON pointer and what was expected.

Legal reading and departures from the obvious:

1. Units. ``d`` is calendar days, ``w`` weeks, ``mo`` months and ``wd`` working
   days. ``m`` is not accepted: in norm files it means minutes. A statutory term
   is never in working days (the Awb counts calendar time); a service norm may be.
2. The dwangsom (Awb 4:17) applies to a decision on an application, and a
   decision on an objection counts as one; it does not apply to complaints
   (Awb 9:11 ends in a finding, not a decision). It is a yes/no per case type
   because the law leaves the judgement to the kind of case. The amounts are
   law, not configuration: they live in ``services/evaluator/dwangsom.py``.
3. A service norm that could end after the statutory term (for some day of
   receipt) is refused: a promise later than the law is no promise.
4. ``zgw_zaaktypen`` ties a case type to zaaktypen by their ``identificatie``,
   which stays the same across versions of a zaaktype, rather than by URL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker

from schemas.norms import (
    DefinitionError,
    Problem,
    Text,
    _describe,
    _in_file_order,
    _locate,
    _parse_yaml,
    _Path,
    _pointer,
)
from services.evaluator.deadlines import CaseType, Term, TermUnit

SCHEMA_PATH = Path(__file__).parent / "case-types.schema.json"
DEFAULT_AT_RISK_WITHIN = 5
"""Working days before the statutory deadline from which an open case is at risk."""

_TERM = re.compile(r"([1-9][0-9]*)(wd|mo|d|w)")
_UNITS = {"d": TermUnit.DAYS, "w": TermUnit.WEEKS, "mo": TermUnit.MONTHS,
          "wd": TermUnit.WORKING_DAYS}
_SUFFIXES = {unit: suffix for suffix, unit in _UNITS.items()}


# Terms ---------------------------------------------------------------------------------------


def parse_term(text: str, *, statutory: bool) -> Term:
    """'8w', '42d', '3mo' or (own norms only) '10wd' as a :class:`Term`."""
    match = _TERM.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected a term such as '8w', '42d', '3mo' or '10wd', got {text!r}")
    return Term(int(match[1]), _UNITS[match[2]], statutory=statutory)


def format_term(term: Term) -> str:
    """The term as written in a case-type file, such as '8w'."""
    return f"{term.amount}{_SUFFIXES[term.unit]}"


# Model ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseTypeDefinition:
    """One case type of the organisation, as configured."""

    code: str
    title: Text
    case_type: CaseType
    dwangsom: bool
    at_risk_within: int
    team: str
    zgw_zaaktypen: tuple[str, ...] = ()

    @property
    def statutory_term(self) -> Term:
        return self.case_type.statutory_term

    @property
    def service_norm(self) -> Term:
        return self.case_type.service_norm

    def to_dict(self) -> dict[str, Any]:
        """The entry in the file format."""
        out: dict[str, Any] = {
            "code": self.code,
            "title": {"nl": self.title.nl, "en": self.title.en},
            "statutory_term": format_term(self.statutory_term),
            "service_norm": format_term(self.service_norm),
            "max_extension_weeks": self.case_type.max_extension_weeks,
            "legal_basis": self.case_type.legal_basis,
            "dwangsom": self.dwangsom,
            "at_risk_within": self.at_risk_within,
            "team": self.team,
        }
        if self.zgw_zaaktypen:
            out["zgw_zaaktypen"] = list(self.zgw_zaaktypen)
        return out


@dataclass(frozen=True, slots=True)
class CaseTypeCatalogue:
    """All case types of one organisation, by code."""

    organisation: str
    version: int
    case_types: tuple[CaseTypeDefinition, ...]

    def get(self, code: str) -> CaseTypeDefinition | None:
        return next((c for c in self.case_types if c.code == code), None)

    def __getitem__(self, code: str) -> CaseTypeDefinition:
        found = self.get(code)
        if found is None:
            raise KeyError(f"no case type {code!r} in the catalogue of {self.organisation!r}; "
                           f"known: {', '.join(self.codes())}")
        return found

    def __contains__(self, code: object) -> bool:
        return any(c.code == code for c in self.case_types)

    def __iter__(self) -> Iterator[CaseTypeDefinition]:
        return iter(self.case_types)

    def __len__(self) -> int:
        return len(self.case_types)

    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.case_types)

    def for_zaaktype(self, identificatie: str) -> CaseTypeDefinition | None:
        """The case type a ZGW zaaktype (by its ``identificatie``) maps to, if any."""
        return next((c for c in self.case_types if identificatie in c.zgw_zaaktypen), None)

    def to_dict(self) -> dict[str, Any]:
        """The catalogue in the file format, JSON-able; ``from_dict`` reads it back."""
        return {"organisation": self.organisation, "version": self.version,
                "case_types": [c.to_dict() for c in self.case_types]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> CaseTypeCatalogue:
        """Check ``data`` (the file format) as a file is checked, then build the model."""
        found = _problems(data, source, None)
        if found:
            raise DefinitionError(found)
        return _build(data)


# Checking ------------------------------------------------------------------------------------


@cache
def _validator() -> Draft202012Validator:
    document = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(document, format_checker=FormatChecker())


@cache
def schema() -> Mapping[str, Any]:
    """The JSON Schema of a case-type file, as a read-only view."""
    return _validator().schema


def _semantic_problems(doc: Mapping[str, Any]) -> Iterator[tuple[_Path, str]]:
    first_code: dict[str, int] = {}
    first_zaaktype: dict[str, int] = {}
    for index, entry in enumerate(doc["case_types"]):
        path: _Path = ("case_types", index)
        code = entry["code"]
        if code in first_code:
            yield (*path, "code"), (f"expected a code not used before in this file, got {code!r} "
                                    f"(also /case_types/{first_code[code]}/code)")
        first_code.setdefault(code, index)
        for position, identificatie in enumerate(entry.get("zgw_zaaktypen", ())):
            if identificatie in first_zaaktype and first_zaaktype[identificatie] != index:
                yield (*path, "zgw_zaaktypen", position), (
                    f"expected a zaaktype mapped to one case type only, got {identificatie!r} "
                    f"(also in /case_types/{first_zaaktype[identificatie]})")
            first_zaaktype.setdefault(identificatie, index)
        yield from _term_problems(path, entry)


def _term_problems(path: _Path, entry: Mapping[str, Any]) -> Iterator[tuple[_Path, str]]:
    # Departure 3: the service norm may never end after the statutory term.
    try:
        _case_type(entry)
    except ValueError:
        yield (*path, "service_norm"), (
            f"expected a service norm that never ends after the statutory term "
            f"{entry['statutory_term']!r}, got {entry['service_norm']!r}, which can end later "
            "for some day of receipt")


def _problems(data: Any, filename: str, root: yaml.Node | None) -> list[Problem]:
    def problem(path: _Path, message: str, *, key: bool = False) -> Problem:
        node = _locate(root, path, key=key)
        if node is None:
            return Problem(filename, None, None, _pointer(path), message)
        mark = node.start_mark
        return Problem(filename, mark.line + 1, mark.column + 1, _pointer(path), message)

    if data is None:
        return [problem((), "expected a list of case types (a mapping with organisation, "
                            "version and case_types), got nothing")]
    found = {problem(path, message, key=key)
             for error in _validator().iter_errors(data)
             for path, key, message in _describe(error)}
    if not found:
        found = {problem(path, message) for path, message in _semantic_problems(data)}
    return _in_file_order(found)


# Building ------------------------------------------------------------------------------------


def _case_type(entry: Mapping[str, Any]) -> CaseType:
    return CaseType(
        code=entry["code"],
        statutory_term=parse_term(entry["statutory_term"], statutory=True),
        service_norm=parse_term(entry["service_norm"], statutory=False),
        max_extension_weeks=entry["max_extension_weeks"],
        legal_basis=entry["legal_basis"],
    )


def _build(doc: Mapping[str, Any]) -> CaseTypeCatalogue:
    return CaseTypeCatalogue(
        organisation=doc["organisation"],
        version=int(doc["version"]),
        case_types=tuple(
            CaseTypeDefinition(
                code=entry["code"],
                title=Text(entry["title"]["nl"], entry["title"]["en"]),
                case_type=_case_type(entry),
                dwangsom=entry["dwangsom"],
                at_risk_within=int(entry.get("at_risk_within", DEFAULT_AT_RISK_WITHIN)),
                team=entry["team"],
                zgw_zaaktypen=tuple(entry.get("zgw_zaaktypen", ())),
            )
            for entry in doc["case_types"]
        ),
    )


# Loading -------------------------------------------------------------------------------------


def load_text(text: str, filename: str) -> CaseTypeCatalogue:
    """The catalogue in YAML ``text``; ``filename`` is used in error messages only."""
    data, root, found = _parse_yaml(text, filename)
    if root is not None or not found:  # no syntax error: check the content too
        found = _in_file_order([*found, *_problems(data, filename, root)])
    if found:
        raise DefinitionError(found)
    return _build(data)


def load_file(path: str | Path) -> CaseTypeCatalogue:
    """The catalogue in the YAML file at ``path``."""
    return load_text(Path(path).read_text(encoding="utf-8"), str(path))
