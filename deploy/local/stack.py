"""Run the whole product on one machine: Kafka, PostgreSQL, the services and the simulator.

    python deploy/local/stack.py up        # start everything, print the URLs, Ctrl-C stops
    python deploy/local/stack.py stop      # stop a stack started elsewhere (reads the pid files)

Everything lives under ``.local/`` in the checkout: the broker's jars (resolved from
Maven Central with Maven, cached), its data, the PostgreSQL cluster, one log file
per process in ``.local/logs/`` and pid files in ``.local/run/``.

The test suite imports this module to start its own broker and database on free
ports (see tests/conftest.py), so what the tests run is what a newcomer runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / ".local"
KAFKA_POM = ROOT / "deploy" / "kafka" / "pom.xml"
KAFKA_LIBS = LOCAL / "kafka" / "libs"
VENV_BIN = ROOT / ".venv" / "bin"
CHARTER = ROOT / "deploy" / "charter" / "voorbeeldstad"
CASE_TYPES = ROOT / "deploy" / "charter" / "case-types" / "voorbeeldstad.yaml"

JAVA_MIN = 17
APT_PACKAGES = {"java": "openjdk-17-jre-headless", "mvn": "maven", "postgres": "postgresql"}


class StackError(RuntimeError):
    """A part of the stack could not be set up or started; the message says what to do."""


def say(message: str) -> None:
    print(f"[stack] {message}", flush=True)


# --- prerequisites -------------------------------------------------------------------------


def _apt_install(package: str) -> None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise StackError(f"{package} is missing; install it (Debian: apt-get install {package})")
    say(f"installing {package} with apt-get (once)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    done = subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env)
    if done.returncode != 0:
        raise StackError(f"apt-get install {package} failed; install it by hand")


def _java_major() -> int:
    if shutil.which("java") is None:
        return 0
    out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    try:
        version = out.split('"')[1]
    except IndexError:
        return 0
    head = version.split(".")[0]
    return int(head) if head.isdigit() else 0


def ensure_java_and_maven() -> None:
    if _java_major() < JAVA_MIN:
        _apt_install(APT_PACKAGES["java"])
    if _java_major() < JAVA_MIN:
        raise StackError(f"Kafka needs Java {JAVA_MIN} or newer on PATH")
    if shutil.which("mvn") is None:
        _apt_install(APT_PACKAGES["mvn"])


def postgres_bin() -> Path:
    """Folder of the newest PostgreSQL server binaries; installs them when missing."""

    def newest() -> Path | None:
        base = Path("/usr/lib/postgresql")
        found = sorted(
            (p for p in base.glob("*/bin") if (p / "postgres").exists()),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        )
        return found[-1] if found else None

    found = newest()
    if found is None:
        _apt_install(APT_PACKAGES["postgres"])
        found = newest()
    if found is None:
        raise StackError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    return found


def resolve_kafka_jars(libs: Path = KAFKA_LIBS) -> Path:
    """Copy the broker's runtime jars from Maven Central into ``libs`` (cached in ~/.m2)."""
    if any(libs.glob("kafka_2.13-*.jar")):
        return libs
    ensure_java_and_maven()
    say("resolving the Kafka broker from Maven Central (first run only)")
    libs.mkdir(parents=True, exist_ok=True)
    cmd = ["mvn", "-q", "-B", "-f", str(KAFKA_POM), "dependency:copy-dependencies",
           f"-DoutputDirectory={libs}", "-DincludeScope=runtime"]
    if subprocess.run(cmd).returncode != 0:
        shutil.rmtree(libs, ignore_errors=True)
        raise StackError("Maven could not resolve the Kafka jars; is Maven Central reachable?")
    return libs


# --- ports and processes -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def wait_for_port(port: int, what: str, proc: subprocess.Popen[bytes] | None, log: Path,
                  timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if proc is not None and proc.poll() is not None:
            raise StackError(f"{what} exited with code {proc.returncode}; see {log}")
        time.sleep(0.2)
    raise StackError(f"{what} did not open port {port} within {timeout:.0f}s; see {log}")


@dataclass
class Process:
    """One child process with its log file and pid file."""

    name: str
    argv: list[str]
    log: Path
    run_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, **self.env}, cwd=ROOT, start_new_session=True,
        )
        out.close()
        (self.run_dir / f"{self.name}.pid").write_text(str(self.proc.pid))
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        (self.run_dir / f"{self.name}.pid").unlink(missing_ok=True)


# --- Kafka ---------------------------------------------------------------------------------

KAFKA_LOG4J = """\
Configuration:
  status: warn
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: info
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka
        level: warn
      - name: org.apache.kafka
        level: warn
      - name: kafka.server.KafkaServer
        level: info
"""

KAFKA_LOG4J_PROPERTIES = """\
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = STDOUT
"""


@dataclass
class Kafka:
    """A single-node Apache Kafka broker in KRaft mode (broker and controller in one)."""

    home: Path
    port: int
    controller_port: int
    logs: Path
    run_dir: Path
    heap: str = "512m"
    process: Process | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _write_config(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.home / "data"),
            "num.partitions": "4",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "8",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "min.insync.replicas": "1",
            "group.initial.rebalance.delay.ms": "0",
            "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
            "auto.create.topics.enable": "false",
            "message.max.bytes": str(2 * 1024 * 1024),
        }
        path = self.home / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (self.home / "log4j2.yaml").write_text(KAFKA_LOG4J)
        (self.home / "log4j2.properties").write_text(KAFKA_LOG4J_PROPERTIES)
        return path

    def _java(self, *args: str) -> list[str]:
        return ["java", f"-Xmx{self.heap}", f"-Xms{self.heap}",
                f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}",
                "-cp", f"{resolve_kafka_jars()}/*", *args]

    def start(self, timeout: float = 90.0) -> Kafka:
        ensure_java_and_maven()
        config = self._write_config()
        # 1. Format the log folder once; the cluster id is kept beside it.
        id_file = self.home / "cluster.id"
        if not id_file.exists():
            id_file.write_text(_kafka_cluster_id())
        log = self.logs / "kafka.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        fmt = subprocess.run(
            self._java("kafka.tools.StorageTool", "format", "-t", id_file.read_text().strip(),
                       "-c", str(config), "--ignore-formatted"),
            capture_output=True, text=True,
        )
        if fmt.returncode != 0:
            raise StackError(f"formatting Kafka's log folder failed: {fmt.stderr.strip()[-500:]}")
        # 2. Start the broker and wait for the client port (opened only when it can serve).
        self.process = Process("kafka", self._java("kafka.Kafka", str(config)), log, self.run_dir)
        self.process.start()
        wait_for_port(self.port, "Kafka", self.process.proc, log, timeout)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(timeout=30)


def _kafka_cluster_id() -> str:
    """A base64url UUID of 22 characters, as KRaft wants.

    One that starts with '-' would be read as an option by the format tool, so such
    ids are drawn again.
    """
    import base64

    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if cluster_id[0].isalnum():
            return cluster_id


# --- PostgreSQL ----------------------------------------------------------------------------


@dataclass
class Postgres:
    """A private PostgreSQL cluster with its data under the project, owned by 'postgres'."""

    home: Path
    port: int
    logs: Path
    database: str = "servicenorm"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def _as_postgres(self, argv: Sequence[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)

    def start(self) -> Postgres:
        bindir = postgres_bin()
        data, sock = self.home / "data", self.home / "sock"
        self.home.mkdir(parents=True, exist_ok=True)
        sock.mkdir(exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        log = self.logs / "postgres.log"
        log.touch()
        if os.geteuid() == 0:
            _make_traversable(self.home)
            shutil.chown(self.home, "postgres", "postgres")
            shutil.chown(sock, "postgres", "postgres")
            shutil.chown(log, "postgres", "postgres")
        # 1. Create the cluster once.
        if not (data / "PG_VERSION").exists():
            say(f"creating a PostgreSQL cluster in {data}")
            done = subprocess.run(
                self._as_postgres([str(bindir / "initdb"), "-D", str(data), "--auth=trust",
                                   "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"]),
                capture_output=True, text=True,
            )
            if done.returncode != 0:
                raise StackError(f"initdb failed: {done.stderr.strip()[-500:]}")
        # 2. Start it on loopback with its own port and socket folder.
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {sock} -c fsync=on"
        done = subprocess.run(
            self._as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                               "-t", "60", "-o", options, "start"]),
            capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise StackError(f"PostgreSQL did not start: {done.stderr.strip()[-300:]}; see {log}")
        # 3. Create the product's database once.
        exists = subprocess.run(
            [str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'"],
            capture_output=True, text=True,
        )
        if exists.stdout.strip() != "1":
            subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                            "-U", "postgres", self.database], check=True)
        return self

    def stop(self) -> None:
        data = self.home / "data"
        if (data / "postmaster.pid").exists():
            subprocess.run(
                self._as_postgres([str(postgres_bin() / "pg_ctl"), "-D", str(data), "-m", "fast",
                                   "-w", "stop"]),
                capture_output=True,
            )


def _make_traversable(path: Path) -> None:
    """The postgres user must be able to walk down to the data folder."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


# --- the product's own processes -----------------------------------------------------------


def servicenorm(*args: str) -> list[str]:
    exe = VENV_BIN / "servicenorm"
    return [str(exe), *args] if exe.exists() else [sys.executable, "-m", "services.cli", *args]


def product_env(kafka: Kafka, postgres: Postgres, prefix: str = "servicenorm") -> dict[str, str]:
    return {
        "SERVICENORM_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "SERVICENORM_DATABASE_URL": postgres.dsn,
        "SERVICENORM_TOPIC_PREFIX": prefix,
        "SERVICENORM_CASE_TYPES": str(CASE_TYPES),
        "PYTHONUNBUFFERED": "1",
    }


@dataclass
class Stack:
    """Everything of one running product; ``up()`` starts it in dependency order."""

    home: Path = LOCAL
    kafka_port: int = 19092
    controller_port: int = 19093
    postgres_port: int = 15432
    ingest_port: int = 8081
    web_port: int = 8080
    simulator: bool = True
    simulator_args: tuple[str, ...] = ()
    processes: list[Process] = field(default_factory=list)
    kafka: Kafka | None = None
    postgres: Postgres | None = None

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    def env(self) -> dict[str, str]:
        assert self.kafka is not None and self.postgres is not None
        return product_env(self.kafka, self.postgres)

    def start_infrastructure(self) -> None:
        t0 = time.monotonic()
        self.postgres = Postgres(self.home / "postgres", self.postgres_port, self.logs).start()
        say(f"PostgreSQL ready at {self.postgres.dsn} ({time.monotonic() - t0:.1f}s)")
        t0 = time.monotonic()
        self.kafka = Kafka(self.home / "kafka", self.kafka_port, self.controller_port,
                           self.logs, self.run_dir).start()
        say(f"Kafka ready at {self.kafka.bootstrap} ({time.monotonic() - t0:.1f}s)")

    def run_setup(self) -> None:
        """Topics, database tables and the example charter, before any service starts."""
        for args in (("setup",), ("norms", "load", str(CHARTER))):
            if args[0] == "norms" and not CHARTER.exists():
                continue
            done = subprocess.run(servicenorm(*args), env={**os.environ, **self.env()},
                                  capture_output=True, text=True, cwd=ROOT)
            if done.returncode != 0:
                raise StackError(f"servicenorm {' '.join(args)} failed:\n{done.stderr[-2000:]}")
            say(f"servicenorm {' '.join(args)}: {done.stdout.strip().splitlines()[-1:]}")

    def demo_account(self) -> tuple[str, str]:
        """A local admin account for the demo; its password is kept in .local/ only."""
        secret_file = self.home / "demo-account.txt"
        if secret_file.exists():
            name, password = secret_file.read_text().split(":", 1)
            return name, password.strip()
        import secrets

        name, password = "demo", secrets.token_urlsafe(12)
        done = subprocess.run(servicenorm("users", "add", name, "--role", "admin"),
                              env={**os.environ, **self.env(),
                                   "SERVICENORM_NEW_PASSWORD": password},
                              capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise StackError(f"creating the demo account failed: {done.stdout}{done.stderr}")
        secret_file.write_text(f"{name}:{password}\n")
        secret_file.chmod(0o600)
        return name, password

    def start_service(self, name: str, *args: str, port: int | None = None) -> Process:
        process = Process(name, servicenorm(*args), self.logs / f"{name}.log", self.run_dir,
                          self.env()).start()
        if port is not None:
            wait_for_port(port, name, process.proc, process.log, timeout=60)
        self.processes.append(process)
        return process

    def up(self) -> None:
        t0 = time.monotonic()
        self.start_infrastructure()
        self.run_setup()
        self.start_service("ingest", "ingest", "--port", str(self.ingest_port),
                           port=self.ingest_port)
        say(f"ingest listening on http://127.0.0.1:{self.ingest_port}/events")
        self.start_service("evaluator", "evaluator")
        say("evaluator started")
        self.start_service("web", "web", "--port", str(self.web_port), port=self.web_port)
        say(f"web listening on http://127.0.0.1:{self.web_port}/")
        if self.simulator:
            self.start_service("simulator", "simulate", "--ingest",
                               f"http://127.0.0.1:{self.ingest_port}/events",
                               *self.simulator_args)
            say("simulator started")
        say(f"stack up in {time.monotonic() - t0:.1f}s; logs in {self.logs}")

    def down(self) -> None:
        # Stop in reverse order: producers first, so nothing is sent to a stopped broker.
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
        if self.kafka is not None:
            self.kafka.stop()
        if self.postgres is not None:
            self.postgres.stop()

    def watch(self) -> None:
        """Block until Ctrl-C or until a service dies."""
        while True:
            for process in self.processes:
                if not process.alive():
                    raise StackError(f"{process.name} stopped; see {process.log}")
            time.sleep(1)


@contextmanager
def running(stack: Stack) -> Iterator[Stack]:
    try:
        stack.up()
        yield stack
    finally:
        stack.down()


def stop_from_pid_files(home: Path = LOCAL) -> None:
    """Stop a stack that another terminal started."""
    run_dir = home / "run"
    for pid_file in sorted(run_dir.glob("*.pid"), key=lambda p: p.stem == "kafka"):
        pid = int(pid_file.read_text())
        say(f"stopping {pid_file.stem} (pid {pid})")
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        pid_file.unlink()
    Postgres(home / "postgres", 0, home / "logs").stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Service Norm Dashboard locally.")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start everything; Ctrl-C stops it all")
    up.add_argument("--no-simulator", action="store_true", help="start without simulated events")
    up.add_argument("--web-port", type=int, default=8080)
    up.add_argument("--ingest-port", type=int, default=8081)
    sub.add_parser("stop", help="stop a stack started by 'up' in another terminal")
    args = parser.parse_args(argv)

    if args.command == "stop":
        stop_from_pid_files()
        return 0

    stack = Stack(web_port=args.web_port, ingest_port=args.ingest_port,
                  simulator=not args.no_simulator)
    # Ctrl-C and SIGTERM both stop everything; SIGINT is set explicitly because a shell
    # that starts us in the background hands it down ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        stack.up()
        name, password = stack.demo_account()
        base = f"http://127.0.0.1:{stack.web_port}"
        print(f"\nHall display:   {base}/display/hal"
              f"\nCitizens' page: {base}/publiek"
              f"\nLog in as {name!r} with password {password!r} (kept in .local/demo-account.txt)"
              f"\nDashboard: {base}/\n", flush=True)
        stack.watch()
    except KeyboardInterrupt:
        say("stopping")
    except StackError as exc:
        say(f"error: {exc}")
        return 1
    finally:
        stack.down()
        say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
