"""Results per month, quarter and year, computed in SQL from recorded observations."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest
from webtesting import CHARTER, INSERT_OBSERVATION, observation, run_sql

from schemas.norms import load_file
from services.web.periods import figures

pytestmark = pytest.mark.integration
YEAR = 2025
WALK_IN = load_file(CHARTER / "balie-wachttijd-inloop.yaml")  # min_items 5, target 90, limit 80
PHONE = load_file(CHARTER / "telefoon-bereikbaarheid.yaml")   # min_items 10


@pytest.fixture(scope="module")
def found(product: Any) -> list[Any]:
    rows = []
    # January: 10 finished items, 8 within the limit, 5 minutes each.
    jan = datetime(YEAR, 1, 20, 9, 0, tzinfo=UTC)
    rows += [observation(f"j{i}", WALK_IN.norm, jan, 300.0, i < 8) for i in range(10)]
    # 31 Jan 23:30 UTC is 1 Feb 00:30 in Amsterdam: counts for February.
    edge = datetime(YEAR, 1, 31, 23, 30, tzinfo=UTC)
    rows += [observation(f"e{i}", WALK_IN.norm, edge, 600.0, True) for i in range(5)]
    # April: 3 items, below min_items 5: no figure.
    april = datetime(YEAR, 4, 2, 9, 0, tzinfo=UTC)
    rows += [observation(f"a{i}", WALK_IN.norm, april, 60.0, True) for i in range(3)]
    # Open and other years' items do not count.
    rows += [observation("open1", WALK_IN.norm, None, 60.0, True)]
    rows += [observation("old1", WALK_IN.norm, datetime(YEAR - 1, 12, 31, 22, 0, tzinfo=UTC),
                         60.0, False)]
    # Phone: 9 calls in March, below its min_items 10.
    march = datetime(YEAR, 3, 3, 9, 0, tzinfo=UTC)
    rows += [observation(f"p{i}", PHONE.norm, march, 20.0, True) for i in range(9)]
    run_sql(product.dsn, INSERT_OBSERVATION, *rows)

    async def go() -> list[Any]:
        connection = await asyncpg.connect(product.dsn)
        try:
            return await figures(connection, [WALK_IN, PHONE], YEAR)
        finally:
            await connection.close()

    return asyncio.run(go())


def _pick(found: list[Any], norm: str, indicator: str, grain: str) -> dict[date, Any]:
    return {f.period: f for f in found
            if f.norm == norm and f.indicator == indicator and f.grain == grain}


def test_share_within_per_month_in_amsterdam_time(found: list[Any]) -> None:
    months = _pick(found, WALK_IN.norm, "binnen-norm", "month")
    assert months[date(YEAR, 1, 1)].items == 10
    assert months[date(YEAR, 1, 1)].value == 80.0
    assert months[date(YEAR, 1, 1)].status == "orange"  # 80 is the grenswaarde: still orange
    assert months[date(YEAR, 2, 1)].items == 5
    assert months[date(YEAR, 2, 1)].value == 100.0
    assert months[date(YEAR, 2, 1)].status == "green"


def test_below_min_items_no_figure_is_published(found: list[Any]) -> None:
    april = _pick(found, WALK_IN.norm, "binnen-norm", "month")[date(YEAR, 4, 1)]
    assert (april.items, april.value, april.status) == (3, None, "too-few")
    phone = _pick(found, PHONE.norm, "binnen-norm", "month")[date(YEAR, 3, 1)]
    assert (phone.value, phone.status) == (None, "too-few")


def test_quarters_and_the_year_add_up(found: list[Any]) -> None:
    quarters = _pick(found, WALK_IN.norm, "binnen-norm", "quarter")
    assert quarters[date(YEAR, 1, 1)].items == 15
    assert quarters[date(YEAR, 1, 1)].value == round(100 * 13 / 15, 1)
    assert quarters[date(YEAR, 4, 1)].value is None
    year = _pick(found, WALK_IN.norm, "binnen-norm", "year")[date(YEAR, 1, 1)]
    assert year.items == 18  # not the open item, not last year's
    assert year.value == round(100 * 16 / 18, 1)


def test_mean_waiting_time_in_the_indicator_unit(found: list[Any]) -> None:
    january = _pick(found, WALK_IN.norm, "gemiddelde-wachttijd", "month")[date(YEAR, 1, 1)]
    assert january.value == 5.0  # minutes
    assert january.status == "green"  # target 7 minutes, lower is better
