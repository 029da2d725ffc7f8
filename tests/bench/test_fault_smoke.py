"""Smoke versions of three fault tests from bench/faults, on a broker and database of their own.

The broker is stopped and started by ``broker-restart``, so this module does not
share the session's broker (tests/conftest.py) with other modules.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# bench/ is not an installed package; the checkout's root must come first on the path,
# before tests/, where this folder would pass for a namespace package named "bench".
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.faults import broker_restart, dead_letters, evaluator_kill
from bench.sse import raise_open_files
from bench.stack import Cluster

pytestmark = [pytest.mark.integration, pytest.mark.timeout(420)]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    raise_open_files()
    started = Cluster().start()
    yield started
    started.stop()


def test_evaluator_kill_loses_and_doubles_nothing(cluster: Cluster) -> None:
    result = asyncio.run(evaluator_kill.run(cluster, smoke=True))
    figures = result.figures
    assert result.error is None
    assert figures["kills"] == 1 and figures["events"] == 5_000
    assert figures["lost_events"] == 0, figures["walk_in_visitors_today"]
    assert figures["double_counts"] == 0, figures["appointment_items_today"]
    assert figures["observation_rows_missing"] == 0, figures["observations"]
    assert figures["observation_rows_extra"] == 0, figures["observations"]


def test_broker_restart_keeps_every_accepted_event(cluster: Cluster) -> None:
    result = asyncio.run(broker_restart.run(cluster, smoke=True))
    figures = result.figures
    assert result.error is None
    assert figures["accepted_ids"] > 0
    assert figures["accepted_ids_lost"] == 0
    assert figures["answers_5xx_other_than_503"] == 0, figures["statuses_by_phase"]
    assert "500" not in str(figures["statuses_by_phase"])


@pytest.fixture(scope="module")
def dead_letter_figures(cluster: Cluster) -> dict[str, object]:
    result = asyncio.run(dead_letters.run(cluster, smoke=True))
    assert result.error is None
    return result.figures


def test_dead_letters_take_the_rubbish_and_processing_goes_on(
        dead_letter_figures: dict[str, object]) -> None:
    figures = dead_letter_figures
    assert figures["without_reason"] == []
    assert figures["good_items_without_observations"] == 0
    assert figures["evaluator_alive"]
    assert set(figures["not_dead_lettered"]) <= {"huge"}  # type: ignore[arg-type]


def test_oversized_record_is_dead_lettered(dead_letter_figures: dict[str, object]) -> None:
    assert dead_letter_figures["not_dead_lettered"] == []
