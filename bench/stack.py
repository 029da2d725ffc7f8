"""The real parts for a benchmark: a broker and a database in a temp folder, and deployments.

:class:`Cluster` starts one Kafka broker (KRaft) and one PostgreSQL cluster on free
ports with their data in a temporary folder, using the classes of
``deploy/local/stack.py``. :class:`Deployment` is one topic prefix with its own
database, the example charter loaded, and the product's processes started on
demand, so that benchmarks do not see each other's events.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

import stack as local_stack  # noqa: E402  (deploy/local is not a package)

log = logging.getLogger(__name__)

CHARTER = ROOT / "deploy" / "charter" / "voorbeeldstad"
READY_LINE = "evaluator ready"
VIEWER = "bench"
VIEWER_PASSWORD = "bench-viewer-password"  # a throwaway account in a throwaway database


class Cluster:
    """A Kafka broker and a PostgreSQL cluster of our own, in a temp folder."""

    def __init__(self, home: Path | None = None) -> None:
        self.owns_home = home is None
        self.home = home or Path(tempfile.mkdtemp(prefix="servicenorm-bench-"))
        self.logs = self.home / "logs"
        self.run_dir = self.home / "run"
        self.kafka = local_stack.Kafka(self.home / "kafka", local_stack.free_port(),
                                       local_stack.free_port(), self.logs, self.run_dir)
        self.postgres = local_stack.Postgres(self.home / "postgres", local_stack.free_port(),
                                             self.logs)

    @property
    def bootstrap(self) -> str:
        return self.kafka.bootstrap

    def start(self) -> Cluster:
        t0 = time.monotonic()
        self.postgres.start()
        self.kafka.start()
        log.info("cluster up in %.1fs: kafka %s, postgres port %d, data in %s",
                 time.monotonic() - t0, self.bootstrap, self.postgres.port, self.home)
        return self

    def stop(self) -> None:
        self.kafka.stop()
        self.postgres.stop()
        if self.owns_home and not os.environ.get("BENCH_KEEP_DATA"):
            shutil.rmtree(self.home, ignore_errors=True)

    def kafka_pid(self) -> int | None:
        process = self.kafka.process
        return process.proc.pid if process is not None and process.proc is not None else None

    def postgres_pid(self) -> int | None:
        pid_file = self.postgres.home / "data" / "postmaster.pid"
        try:
            return int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None


class Deployment:
    """One topic prefix and database on a :class:`Cluster`, with the services started on demand.

    ``overrides`` (set from ``--service-env`` on the command line) go into every
    service's environment, to try a setting without changing the code.
    """

    overrides: dict[str, str] = {}  # noqa: RUF012  (one setting for the whole run)

    def __init__(self, cluster: Cluster, name: str,
                 extra_env: dict[str, str] | None = None) -> None:
        self.cluster = cluster
        self.prefix = f"b{name}-{uuid.uuid4().hex[:6]}"
        self.database = self.prefix.replace("-", "_")
        self.extra_env = dict(extra_env or {})
        self.processes: dict[str, local_stack.Process] = {}
        self.ports: dict[str, int] = {}

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.cluster.postgres.port}/{self.database}"

    @property
    def app_id(self) -> str:
        return f"{self.prefix}-evaluator"

    @property
    def env(self) -> dict[str, str]:
        return {
            "SERVICENORM_KAFKA_BOOTSTRAP": self.cluster.bootstrap,
            "SERVICENORM_DATABASE_URL": self.dsn,
            "SERVICENORM_TOPIC_PREFIX": self.prefix,
            "SERVICENORM_EVALUATOR_APP_ID": self.app_id,
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
            **Deployment.overrides,
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(local_stack.servicenorm(*args), env={**os.environ, **self.env},
                              capture_output=True, text=True, cwd=ROOT, timeout=180)

    def setup(self) -> Deployment:
        """A database, the topics and the example charter for this prefix."""
        bindir = local_stack.postgres_bin()
        subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p",
                        str(self.cluster.postgres.port), "-U", "postgres", self.database],
                       check=True, capture_output=True)
        for args in (("setup",), ("norms", "load", str(CHARTER))):
            done = self.run(*args)
            if done.returncode != 0:
                raise RuntimeError(f"servicenorm {' '.join(args)} failed:\n"
                                   f"{done.stdout}{done.stderr[-3000:]}")
        log.info("deployment %s set up (database %s)", self.prefix, self.database)
        return self

    def add_viewer(self) -> None:
        """A viewer account, for the staff stream ``/api/stream``."""
        done = subprocess.run(local_stack.servicenorm("users", "add", "--role", "viewer", VIEWER),
                              env={**os.environ, **self.env,
                                   "SERVICENORM_NEW_PASSWORD": VIEWER_PASSWORD},
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"servicenorm users add failed:\n{done.stdout}{done.stderr}")

    def session_cookie(self) -> str:
        """Log the viewer in through the form once; the Cookie header that carries the session.

        HTTP Basic would verify the Argon2 hash on every connection, which at thousands
        of SSE clients costs more than the fan-out itself.
        """
        with httpx.Client(base_url=self.url("web"), timeout=30) as http:
            page = http.get("/login").text
            found = re.search(r'name="csrf_token" value="([^"]+)"', page)
            if found is None:
                raise RuntimeError("no CSRF token on /login")
            answer = http.post("/login", data={"csrf_token": found.group(1), "name": VIEWER,
                                               "password": VIEWER_PASSWORD, "next": "/"})
            if answer.status_code not in (200, 303):
                raise RuntimeError(f"login refused: {answer.status_code}")
            return "; ".join(f"{k}={v}" for k, v in http.cookies.items())

    def log_path(self, name: str) -> Path:
        return self.cluster.logs / f"{self.prefix}-{name}.log"

    def log(self, name: str) -> str:
        path = self.log_path(name)
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self, name: str, extra_env: dict[str, str] | None = None) -> local_stack.Process:
        port = self.ports.get(name) or local_stack.free_port()
        # "evaluator-2" and so on: more workers of the same evaluator group.
        worker = name.startswith("evaluator")
        args = ["evaluator"] if worker else [name, "--port", str(port)]
        process = local_stack.Process(f"{self.prefix}-{name}", local_stack.servicenorm(*args),
                                      self.log_path(name), self.cluster.run_dir,
                                      {**self.env, **(extra_env or {})})
        process.start()
        self.processes[name] = process
        if not worker:
            self.ports[name] = port
            local_stack.wait_for_port(port, name, process.proc, process.log, timeout=60)
        return process

    def pid(self, name: str) -> int | None:
        process = self.processes.get(name)
        return process.proc.pid if process is not None and process.proc is not None else None

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            process.stop(sig=sig)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)
        # Faust keeps its data folder in the working directory, the checkout's root.
        shutil.rmtree(ROOT / f"{self.app_id}-data", ignore_errors=True)

    def url(self, name: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def ready_count(self, name: str = "evaluator") -> int:
        return self.log(name).count(READY_LINE)

    def wait_ready(self, name: str, timeout: float = 90.0, ready_lines: int = 1) -> float:
        """Wait for /health (ingest, web) or the n-th ready line (evaluator); seconds waited."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            process = self.processes.get(name)
            if process is not None and not process.alive():
                raise RuntimeError(f"{name} exited; log:\n{self.log(name)[-3000:]}")
            if name.startswith("evaluator"):
                if self.ready_count(name) >= ready_lines:
                    return time.monotonic() - t0
            elif self._healthy(name):
                return time.monotonic() - t0
            time.sleep(0.05)
        raise RuntimeError(f"{name} not ready in {timeout:.0f}s; log:\n{self.log(name)[-3000:]}")

    def _healthy(self, name: str) -> bool:
        try:
            answer = httpx.get(self.url(name, "/health"), timeout=2)
        except httpx.HTTPError:
            return False
        if name == "web":
            # The web's /health stays 503 until the recorder wrote something, which an
            # idle deployment never does; the live feed having loaded is what counts here.
            return bool(answer.json().get("state_loaded"))
        return answer.status_code == 200
