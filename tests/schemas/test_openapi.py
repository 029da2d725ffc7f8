"""The OpenAPI document describes routes that exist, and every JSON API route is in it."""

from __future__ import annotations

from pathlib import Path

import yaml
from starlette.routing import Route

from services.ingest.app import create_app as create_ingest
from services.web.app import create_app as create_web

DOCUMENT = yaml.safe_load((Path(__file__).resolve().parents[2] / "schemas" /
                           "openapi.yaml").read_text())


def _paths(app: object) -> set[str]:
    return {r.path for r in app.routes if isinstance(r, Route)}  # type: ignore[attr-defined]


def test_every_documented_path_exists() -> None:
    existing = _paths(create_ingest()) | _paths(create_web())
    for path in DOCUMENT["paths"]:
        assert path in existing, f"{path} is documented but not served"


def test_every_api_route_is_documented() -> None:
    api = {p for p in _paths(create_web()) | _paths(create_ingest())
           if p.startswith("/api/") or p == "/events"}
    assert api <= set(DOCUMENT["paths"]), api - set(DOCUMENT["paths"])
