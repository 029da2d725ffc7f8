"""Fixtures for the web service: the app in-process against the module's test database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from webtesting import CASE_TYPES

from schemas.settings import CommonSettings, Secret
from services.web.app import create_app
from services.web.context import WebSettings


@pytest.fixture(scope="module")
def web_settings(product: Any) -> WebSettings:
    common = CommonSettings(kafka_bootstrap=product.infra.kafka.bootstrap,
                            database_url=Secret(product.dsn), topic_prefix=product.prefix)
    return WebSettings(common=common, recorder=False, secret_key=Secret("t" * 40),
                       heartbeat_seconds=1, display_stale_seconds=10,
                       case_types=str(CASE_TYPES))


@pytest.fixture(scope="module")
def client(web_settings: WebSettings) -> Iterator[TestClient]:
    with TestClient(create_app(web_settings), follow_redirects=False) as test_client:
        yield test_client

