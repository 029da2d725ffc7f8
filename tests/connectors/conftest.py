"""Fixtures for the connector tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_ingest import FakeIngest, free_socket, make_app, start_server, stop_server


@pytest.fixture
def ingest() -> Iterator[FakeIngest]:
    """A real HTTP ingest stand-in on a free port, stopped after the test."""
    sock = free_socket()
    state = FakeIngest(f"http://127.0.0.1:{sock.getsockname()[1]}/events")
    server, thread = start_server(sock, make_app(state))
    try:
        yield state
    finally:
        stop_server(server, thread)
        sock.close()
