"""The event contract: every schema is valid, every type is documented, errors name the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from schemas.contract import ContractError, is_valid, known_types, problems, validate
from schemas.topics import topic_names

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def drawn(**overrides: Any) -> dict[str, Any]:
    event = {"specversion": "1.0", "id": "e-1", "source": "/wachtrij",
             "type": "nl.servicenorm.queue.ticket.drawn", "time": "2026-03-02T09:00:00+01:00",
             "subject": "t-1", "data": {"location": "stadhuis", "service": "paspoort",
                                        "appointment": False}}
    event.update(overrides)
    return event


@pytest.mark.parametrize("path", sorted((SCHEMAS / "events").glob("*.schema.json")),
                         ids=lambda p: p.name)
def test_every_schema_is_a_valid_json_schema(path: Path) -> None:
    Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_every_event_type_is_in_the_asyncapi_document() -> None:
    document = yaml.safe_load((SCHEMAS / "asyncapi.yaml").read_text())
    named = {m["name"] for m in document["components"]["messages"].values()}
    assert named == set(known_types())


def test_a_valid_event_passes() -> None:
    assert validate(drawn())["subject"] == "t-1"


@pytest.mark.parametrize(
    ("event", "pointer", "expected"),
    [
        (drawn(time="2026-03-02 09:00"), "/time", "date-time"),
        (drawn(subject="jan.jansen@example.nl"), "/subject", "opaque identifier"),
        (drawn(data={"location": "stadhuis", "service": "paspoort", "appointment": False,
                     "naam": "Jan"}), "/data/naam", "no such field"),
        (drawn(data={"location": "stadhuis", "service": "paspoort"}), "/data/appointment",
         "required"),
        (drawn(specversion="1.1"), "/specversion", "exactly '1.0'"),
        (drawn(extra="x"), "/extra", "no such field"),
    ],
)
def test_problems_name_the_field_and_what_was_expected(event: dict[str, Any], pointer: str,
                                                        expected: str) -> None:
    found = problems(event)
    assert any(p.pointer == pointer and expected in p.expected for p in found), found


def test_contract_error_carries_the_index_of_a_batch_event() -> None:
    with pytest.raises(ContractError) as caught:
        validate(drawn(type="nope"), index=3)
    assert str(caught.value).startswith("event 3: /type")


def test_topic_prefix_is_checked() -> None:
    assert topic_names("gemeente-x").status == "gemeente-x.status"
    with pytest.raises(ValueError, match="topic prefix"):
        topic_names("bad prefix")


# --- the fast validator agrees with the thorough one --------------------------------------

values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
    st.sampled_from(["", "stadhuis", "Stad Huis", "2026-02-30", "2026-03-02",
                     "2026-03-02T09:00:00+01:00", "2026-02-30T09:00:00Z",
                     "2026-03-02T25:00:00Z", "2026-03-02 09:00", "1.0", "no-show", "email",
                     "t-1", "a" * 130, "nl.servicenorm.queue.ticket.called"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(),
                                                         max_size=2),
)
fields = st.sampled_from(["specversion", "id", "source", "type", "time", "subject",
                          "datacontenttype", "data", "extra"])
data_fields = st.sampled_from(["location", "service", "appointment", "desk", "reason",
                               "naam", "received_on", "case_type", "value", "indicator"])


@settings(max_examples=400, deadline=None)
@given(type_=st.sampled_from(sorted(known_types())), top=st.dictionaries(fields, values,
                                                                          max_size=3),
       data=st.dictionaries(data_fields, values, max_size=3), drop=st.sets(fields, max_size=2))
def test_fast_and_thorough_validators_agree(type_: str, top: dict[str, Any],
                                            data: dict[str, Any], drop: set[str]) -> None:
    event: dict[str, Any] = {**drawn(type=type_), **top}
    if isinstance(event.get("data"), dict):
        event["data"] = {**event["data"], **data}
    for name in drop:
        event.pop(name, None)
    assert is_valid(event) == (not problems(event)), event


def test_topic_names_know_their_prefix() -> None:
    from schemas.topics import topic_names

    assert topic_names().prefix == "servicenorm"
    assert topic_names("gemeente-a.prod").prefix == "gemeente-a.prod"
