"""Fixtures that start the real parts: a Kafka broker, a PostgreSQL cluster, the services.

The broker and the database start once per test session, on free ports, with
their data in a temporary folder; they use the same code as ``deploy/local``.
Each test module that needs the services gets its own topic prefix, so modules
do not see each other's events.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

import stack  # noqa: E402  (deploy/local is not a package)

CHARTER = ROOT / "deploy" / "charter" / "voorbeeldstad"


class Infra:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.logs = home / "logs"
        self.kafka = stack.Kafka(home / "kafka", stack.free_port(), stack.free_port(),
                                 self.logs, home / "run")
        self.postgres = stack.Postgres(home / "postgres", stack.free_port(), self.logs)

    def start(self) -> Infra:
        self.postgres.start()
        self.kafka.start()
        return self

    def stop(self) -> None:
        self.kafka.stop()
        self.postgres.stop()


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    home = tmp_path_factory.mktemp("stack")
    started = Infra(home).start()
    yield started
    started.stop()


class Product:
    """The services of one test module, against the session's broker and database."""

    def __init__(self, infra: Infra, prefix: str) -> None:
        self.infra = infra
        self.prefix = prefix
        self.database = prefix.replace("-", "_")
        self.processes: dict[str, stack.Process] = {}
        self.ports: dict[str, int] = {}

    @property
    def env(self) -> dict[str, str]:
        return {
            "SERVICENORM_KAFKA_BOOTSTRAP": self.infra.kafka.bootstrap,
            "SERVICENORM_DATABASE_URL": self.dsn,
            "SERVICENORM_TOPIC_PREFIX": self.prefix,
            "SERVICENORM_EVALUATOR_APP_ID": f"{self.prefix}-evaluator",
            "SERVICENORM_CASE_TYPES": str(stack.CASE_TYPES),
            "PYTHONUNBUFFERED": "1",
        }

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.infra.postgres.port}/{self.database}"

    def run(self, *args: str, extra_env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(stack.servicenorm(*args), env={**os.environ, **self.env,
                                                             **(extra_env or {})},
                              capture_output=True, text=True, cwd=ROOT, timeout=120)

    def setup(self, charter: Path = CHARTER) -> None:
        bindir = stack.postgres_bin()
        subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p",
                        str(self.infra.postgres.port), "-U", "postgres", self.database],
                       check=True)
        for args in (("setup",), ("norms", "load", str(charter))):
            done = self.run(*args)
            assert done.returncode == 0, done.stdout + done.stderr
        self.add_user("toezicht", "viewer", self.VIEWER_PASSWORD)

    VIEWER_PASSWORD = "test-wachtwoord-lang-genoeg"

    def add_user(self, name: str, role: str, password: str) -> None:
        done = self.run("users", "add", name, "--role", role,
                        extra_env={"SERVICENORM_NEW_PASSWORD": password})
        assert done.returncode == 0, done.stdout + done.stderr

    @property
    def basic_auth(self) -> tuple[str, str]:
        """Credentials of a viewer account, for the internal API."""
        return ("toezicht", self.VIEWER_PASSWORD)

    def start(self, name: str, extra_env: dict[str, str] | None = None) -> stack.Process:
        port = self.ports.get(name) or stack.free_port()
        args: list[str] = [name] if name == "evaluator" else [name, "--port", str(port)]
        process = stack.Process(f"{self.prefix}-{name}", stack.servicenorm(*args),
                                self.infra.logs / f"{self.prefix}-{name}.log",
                                self.infra.home / "run", {**self.env, **(extra_env or {})})
        process.start()
        self.processes[name] = process
        if name != "evaluator":
            self.ports[name] = port
            stack.wait_for_port(port, name, process.proc, process.log, timeout=60)
        return process

    def stop(self, name: str, sig: int = 15) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            process.stop(sig=sig)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def url(self, name: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def log(self, name: str) -> str:
        return (self.infra.logs / f"{self.prefix}-{name}.log").read_text(errors="replace")

    def wait_ready(self, name: str, timeout: float = 60.0) -> None:
        """Wait for /health (ingest, web) or the evaluator's ready line."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if name == "evaluator":
                if "evaluator ready" in self.log(name):
                    return
            else:
                try:
                    if httpx.get(self.url(name, "/health"), timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        raise AssertionError(f"{name} not ready in {timeout}s:\n{self.log(name)[-3000:]}")


@pytest.fixture(scope="module")
def product(infra: Infra) -> Iterator[Product]:
    """Topics, tables and the example charter under a fresh prefix; services started by tests."""
    started = Product(infra, f"t{uuid.uuid4().hex[:8]}")
    started.setup()
    yield started
    started.stop_all()


