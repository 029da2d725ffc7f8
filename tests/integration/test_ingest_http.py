"""Ingest against the real broker: what clients get back for good and bad requests."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import orjson
import pytest

pytestmark = pytest.mark.integration

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"


def drawn(**overrides: Any) -> dict[str, Any]:
    event = {"specversion": "1.0", "id": uuid.uuid4().hex, "source": "/test/queue",
             "type": "nl.servicenorm.queue.ticket.drawn", "time": "2026-03-02T09:00:00+01:00",
             "subject": f"t-{uuid.uuid4().hex[:8]}",
             "data": {"location": "stadhuis", "service": "paspoort", "appointment": False}}
    event.update(overrides)
    return event


@pytest.fixture(scope="module")
def ingest(product: Any) -> Any:
    product.start("ingest")
    product.wait_ready("ingest")
    return product


def post(product: Any, body: bytes, content_type: str = BATCH) -> httpx.Response:
    return httpx.post(product.url("ingest", "/events"), content=body,
                      headers={"content-type": content_type}, timeout=30)


def test_single_event_in_structured_mode_is_accepted(ingest: Any) -> None:
    response = post(ingest, orjson.dumps(drawn()), STRUCTURED)
    assert response.status_code == 202
    assert response.json() == {"accepted": 1}


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field", "expected"),
    [
        (b"{not json", BATCH, 400, None, "not valid JSON"),
        (orjson.dumps(drawn()), "application/json", 415, None, "application/cloudevents+json"),
        (orjson.dumps([drawn(data={"location": "stadhuis", "appointment": False})]), BATCH,
         422, "/data/service", "required"),
        (orjson.dumps([drawn(type="nl.servicenorm.unknown")]), BATCH, 422, "/type",
         "a known event type"),
        (orjson.dumps([drawn(time="gisteren")]), BATCH, 422, "/time", "date-time"),
        (orjson.dumps([drawn(subject="Jan Jansen")]), BATCH, 422, "/subject", "opaque"),
        (orjson.dumps([drawn(data={"location": "stadhuis", "service": "paspoort",
                                   "appointment": False, "bsn": "123456782"})]), BATCH,
         422, "/data/bsn", "no such field"),
        (orjson.dumps({"not": "a list"}), BATCH, 422, "/", "JSON array"),
        (orjson.dumps([]), BATCH, 422, "/", "at least one"),
        (orjson.dumps(drawn(specversion="0.3")), STRUCTURED, 422, "/specversion", "'1.0'"),
    ],
)
def test_bad_requests_get_a_problem_naming_the_field(ingest: Any, body: bytes, content_type: str,
                                                     status: int, field: str | None,
                                                     expected: str) -> None:
    response = post(ingest, body, content_type)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    text = orjson.dumps(problem).decode()
    assert expected in text
    if field is not None:
        assert any(e["field"] == field for e in problem["errors"]), problem


def test_one_bad_event_refuses_the_whole_batch_and_names_its_index(ingest: Any) -> None:
    batch = [drawn(), drawn(), drawn(data={"location": "Stad Huis", "service": "paspoort",
                                           "appointment": False})]
    response = post(ingest, orjson.dumps(batch))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(2, "/data/location")]


def test_oversized_body_is_refused_with_413(ingest: Any) -> None:
    body = orjson.dumps([drawn() for _ in range(6000)])  # well over 1 MiB
    response = post(ingest, body)
    assert response.status_code == 413
    assert "at most" in response.json()["detail"]


def test_status_events_cannot_be_injected(ingest: Any) -> None:
    event = drawn(type="nl.servicenorm.status.changed",
                  data={"kind": "indicator", "scope_key": "x", "status": "green"})
    response = post(ingest, orjson.dumps([event]))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "/type"


def test_stopped_broker_turns_into_503_with_retry_after(ingest: Any) -> None:
    """Runs last in this module: it stops and restarts the session's broker."""
    kafka = ingest.infra.kafka
    kafka.stop()
    try:
        started = time.monotonic()
        response = post(ingest, orjson.dumps([drawn()]))
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"].isdigit()
        assert response.headers["content-type"] == "application/problem+json"
        assert time.monotonic() - started < 40
    finally:
        kafka.start()
    # After the broker is back, the same request is accepted again.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if post(ingest, orjson.dumps([drawn()])).status_code == 202:
            return
        time.sleep(1)
    raise AssertionError("ingest did not recover after the broker came back")
