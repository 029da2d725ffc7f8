"""House rules that the folder tree promises: services never import one another."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("ingest", "evaluator", "web")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    others = [f"services.{s}" for s in SERVICES if s != service]
    offenders = []
    for path in sorted((ROOT / "services" / service).rglob("*.py")):
        for module in imported_modules(path):
            if any(module == o or module.startswith(o + ".") for o in others):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders, "\n".join(offenders)


def test_connectors_use_only_the_contract_and_their_sdk() -> None:
    offenders = []
    for path in sorted((ROOT / "connectors").rglob("*.py")):
        for module in imported_modules(path):
            if module == "services" or module.startswith("services."):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders, "\n".join(offenders)


def test_test_modules_have_unique_names() -> None:
    # Test folders have no __init__.py, so two modules with one name would collide.
    names = [p.name for p in (ROOT / "tests").rglob("*.py") if p.name != "conftest.py"]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})
