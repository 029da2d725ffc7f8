"""What every benchmark and fault test gets: the cluster, the mode, a result to fill in."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.stack import Cluster, Deployment

log = logging.getLogger(__name__)

RESULTS = Path(__file__).resolve().parent / "results"
# Benchmarks compress a working day of event time into seconds or minutes; the
# evaluator's lateness guard (one hour of event time by default) would then drop
# messages that are seconds late in wall time. See RESULTS.md.
WIDE_LATENESS = {"SERVICENORM_EVALUATOR_ALLOWED_LATENESS_SECONDS": str(2 * 86400)}


@dataclass
class Target:
    metric: str
    op: str          # ">=" or "<="
    bound: float
    value: float | None

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.bound if self.op == ">=" else self.value <= self.bound

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "target": f"{self.op} {self.bound:g}",
                "value": self.value, "met": self.met}


@dataclass
class Result:
    name: str
    command: str
    figures: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    processes: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    def target(self, metric: str, op: str, bound: float, value: float | None) -> None:
        self.targets.append(Target(metric, op, bound, value))

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "command": self.command, "seconds": round(self.seconds, 1),
                "figures": self.figures, "targets": [t.as_dict() for t in self.targets],
                "processes": self.processes, "notes": self.notes, "error": self.error}


@dataclass
class Bench:
    cluster: Cluster
    quick: bool = False
    profile: bool = False
    scale: float = 1.0
    deployments: list[Deployment] = field(default_factory=list)

    def deployment(self, name: str, extra_env: dict[str, str] | None = None) -> Deployment:
        t0 = time.monotonic()
        deployment = Deployment(self.cluster, name, extra_env).setup()
        self.deployments.append(deployment)
        log.info("%s: deployment %s ready in %.1fs", name, deployment.prefix,
                 time.monotonic() - t0)
        return deployment

    def size(self, full: int, quick: int) -> int:
        """A count for this mode, times ``--scale`` (for trying the harness out)."""
        return max(1, int((quick if self.quick else full) * self.scale))

    def seconds(self, full: float, quick: float) -> float:
        return (quick if self.quick else full) * min(self.scale, 1.0)

    def release(self) -> None:
        for deployment in self.deployments:
            deployment.stop_all()
        self.deployments.clear()

    def profile_path(self, name: str) -> Path:
        return RESULTS / "raw" / f"profile-{name}.txt"
