"""Case deadlines through the running evaluator: lists, exposure and status changes.

The evaluator runs on event time, so "today" is fixed by the newest event: a
queue ticket on Thu 3 Dec 2026 at noon.

A permit application received Tue 1 Sep 2026 has 8 weeks: deadline Tue 27 Oct 2026.
A notice of default arrived Sun 1 Nov 2026; the penalty runs from two weeks after
the later of the two, Sun 15 Nov 2026 (penalty day 1). On 3 Dec it is day 19:
14 x €23 + 5 x €35 = €322 + €175 = €497.
A second application, received Mon 26 Oct 2026, has its deadline on Mon 21 Dec 2026:
13 working days after 3 Dec, more than the 5 that count as at risk: on track.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer

pytestmark = pytest.mark.integration


def case_event(type_: str, subject: str, when: str, **data: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": uuid.uuid4().hex, "source": "/test/zaken",
            "type": f"nl.servicenorm.case.{type_}", "time": when, "subject": subject,
            "data": data}


@pytest.fixture(scope="module")
def cases_running(product: Any) -> Any:
    product.start("ingest")
    product.start("web")
    product.start("evaluator", extra_env={"SERVICENORM_EVALUATOR_CLOCK": "event",
                                          "SERVICENORM_EVALUATOR_CASE_TICK_SECONDS": "1"})
    product.wait_ready("ingest")
    product.wait_ready("evaluator")
    return product


async def test_overdue_case_with_running_penalty_and_exposure(cases_running: Any) -> None:
    product = cases_running
    late, fine = f"zaak-{uuid.uuid4().hex[:8]}", f"zaak-{uuid.uuid4().hex[:8]}"
    events = [
        case_event("received", late, "2026-09-01T10:00:00+02:00",
                   case_type="omgevingsvergunning", team="team-vergunningen",
                   received_on="2026-09-01"),
        case_event("default-notice.received", late, "2026-11-01T09:00:00+01:00",
                   received_on="2026-11-01"),
        case_event("received", fine, "2026-10-26T10:00:00+01:00",
                   case_type="omgevingsvergunning", team="team-vergunningen",
                   received_on="2026-10-26"),
        # Sets the event clock: today is Thu 3 Dec 2026.
        {"specversion": "1.0", "id": uuid.uuid4().hex, "source": "/test/queue",
         "type": "nl.servicenorm.queue.ticket.drawn", "time": "2026-12-03T12:00:00+01:00",
         "subject": f"t-{uuid.uuid4().hex[:8]}",
         "data": {"location": "stadhuis", "service": "paspoort", "appointment": False}},
    ]
    status = AIOKafkaConsumer(f"{product.prefix}.status",
                              bootstrap_servers=product.infra.kafka.bootstrap,
                              group_id=None, auto_offset_reset="earliest")
    await status.start()
    try:
        async with httpx.AsyncClient() as client:
            response = await client.post(product.url("ingest", "/events"),
                                         content=orjson.dumps(events),
                                         headers={"content-type":
                                                  "application/cloudevents-batch+json"})
            assert response.status_code == 202, response.text
            snapshot = await _cases_snapshot(client, product, expect_open=2)
        assert snapshot["status"] == "red"
        assert snapshot["counts"]["penalty_running"] == 1
        assert snapshot["counts"]["on_track"] == 1
        assert snapshot["exposure_cents"] == 49_700
        listed = {c["case_id"]: c for c in snapshot["cases"]}
        assert listed[late]["statutory"]["deadline"] == "2026-10-27"
        assert listed[late]["penalty"]["day_number"] == 19
        assert listed[fine]["statutory"]["deadline"] == "2026-12-21"
        # Sorted by deadline: the overdue case first.
        assert [c["case_id"] for c in snapshot["cases"]] == [late, fine]
        change = await _case_change(status, late)
        assert change["data"]["kind"] == "case"
        assert change["data"]["status"] == "red"
    finally:
        await status.stop()


async def _cases_snapshot(client: httpx.AsyncClient, product: Any,
                          expect_open: int) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        response = await client.get(product.url("web", "/api/status"), auth=product.basic_auth)
        assert response.status_code == 200
        for item in response.json()["items"]:
            if item["scope_key"] == "cases:organisation" and item["counts"]["open"] >= expect_open:
                return item
        await asyncio.sleep(0.5)
    raise AssertionError("no case snapshot arrived:\n" + product.log("evaluator")[-3000:])


async def _case_change(consumer: AIOKafkaConsumer, case_id: str) -> dict[str, Any]:
    async with asyncio.timeout(60):
        while True:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    event = orjson.loads(record.value)
                    if event["subject"].endswith(case_id) and event["data"]["kind"] == "case":
                        return event
