"""The local stack's small helpers (the stack itself runs under every integration test)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy" / "local"))

import stack


def test_cluster_ids_are_kraft_shaped_and_never_look_like_an_option() -> None:
    ids = {stack._kafka_cluster_id() for _ in range(3000)}
    assert len(ids) == 3000
    assert all(len(i) == 22 and i[0].isalnum() for i in ids)


def test_free_port_is_free() -> None:
    port = stack.free_port()
    assert 1024 <= port <= 65535
    assert not stack.port_open(port)
