"""What the benchmarks record: latency histograms, CPU and memory per process, the machine.

Latencies go into an HDR histogram in microseconds (1 µs to 10 minutes, three
significant digits), so that p99 and max are exact enough whatever the count.
:class:`Sampler` reads CPU and RSS of named processes (and their children) with
psutil on a background thread while a benchmark runs.
"""

from __future__ import annotations

import logging
import os
import platform
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from hdrh.histogram import HdrHistogram

log = logging.getLogger(__name__)

MIB = 1024 * 1024
LONGEST_US = 600 * 1_000_000


class Latency:
    """An HDR histogram of durations given in seconds, reported in milliseconds."""

    def __init__(self) -> None:
        self.histogram = HdrHistogram(1, LONGEST_US, 3)

    def record(self, seconds: float) -> None:
        micros = min(max(int(seconds * 1_000_000), 1), LONGEST_US)
        self.histogram.record_value(micros)

    @property
    def count(self) -> int:
        return int(self.histogram.get_total_count())

    def percentile_ms(self, p: float) -> float | None:
        if not self.count:
            return None
        return round(self.histogram.get_value_at_percentile(p) / 1000.0, 2)

    def summary(self) -> dict[str, Any]:
        if not self.count:
            return {"count": 0}
        return {"count": self.count, "p50_ms": self.percentile_ms(50),
                "p90_ms": self.percentile_ms(90), "p95_ms": self.percentile_ms(95),
                "p99_ms": self.percentile_ms(99),
                "max_ms": round(self.histogram.get_max_value() / 1000.0, 2)}


@dataclass
class _Series:
    cpu: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)


class Sampler:
    """CPU (% of one core) and RSS (MiB) of each named process, sampled every ``interval``."""

    def __init__(self, pids: dict[str, Callable[[], int | None]], interval: float = 0.5,
                 alone: tuple[str, ...] = ("harness",)) -> None:
        self.pids = pids
        self.alone = alone  # without children: the harness's children are the services
        self.interval = interval
        self.series: dict[str, _Series] = {name: _Series() for name in pids}
        self._procs: dict[str, dict[int, psutil.Process]] = {name: {} for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _family(self, name: str) -> list[psutil.Process]:
        pid = self.pids[name]()
        known = self._procs[name]
        if pid is None:
            known.clear()
            return []
        try:
            root = known.get(pid) or psutil.Process(pid)
            members = [root] if name in self.alone else [root, *root.children(recursive=True)]
        except psutil.Error:
            known.clear()
            return []
        # Keep the Process objects, so that cpu_percent measures since the last sample.
        fresh = {p.pid: known.get(p.pid, p) for p in members}
        known.clear()
        known.update(fresh)
        return list(fresh.values())

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            for name in self.pids:
                cpu = rss = 0.0
                members = self._family(name)
                for proc in members:
                    try:
                        cpu += proc.cpu_percent(None)
                        rss += proc.memory_info().rss / MIB
                    except psutil.Error:
                        continue
                if members:
                    self.series[name].cpu.append(cpu)
                    self.series[name].rss.append(rss)

    def summary(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for name, series in self.series.items():
            # The first sample of a process has no interval to measure CPU over.
            cpu = series.cpu[1:] or [0.0]
            if not series.rss:
                continue
            out[name] = {"cpu_mean_pct": round(sum(cpu) / len(cpu), 1),
                         "cpu_max_pct": round(max(cpu), 1),
                         "rss_max_mib": round(max(series.rss), 1),
                         "rss_last_mib": round(series.rss[-1], 1)}
        return out


def rss_mib(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        return round(psutil.Process(pid).memory_info().rss / MIB, 1)
    except psutil.Error:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _kafka_version(libs: Path) -> str:
    jars = sorted(libs.glob("kafka_2.13-*.jar"))
    return jars[0].name.removeprefix("kafka_2.13-").removesuffix(".jar") if jars else "unknown"


def _postgres_version() -> str:
    try:
        import stack as local_stack  # deploy/local, put on sys.path by bench.stack

        out = subprocess.run([str(local_stack.postgres_bin() / "postgres"), "--version"],
                             capture_output=True, text=True).stdout
        # "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        parts = out.split()
        return parts[2] if len(parts) > 2 else "unknown"
    except Exception:  # a description must never fail a run
        return "unknown"


def _commit() -> str:
    """The checkout's commit, marked when services/ or schemas/ differ from it."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "services", "schemas"],
                               cwd=root, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head} (services/ or schemas/ changed)" if dirty else head


def machine(kafka_libs: Path) -> dict[str, Any]:
    """What the figures were measured on."""
    memory = psutil.virtual_memory().total / (1024 ** 3)
    return {"commit": _commit(), "cpu": _cpu_model(), "cores": os.cpu_count(),
            "memory_gib": round(memory, 1),
            "python": platform.python_version(), "kafka": _kafka_version(kafka_libs),
            "postgres": _postgres_version(), "os": platform.platform(),
            "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
            "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
