"""Sampling profiles of a running service with py-spy, summarised as text.

``py-spy record --format raw`` writes collapsed stacks (``frame;frame;frame count``).
:func:`summarise` turns them into the functions with the most samples on top of
the stack (self) and anywhere in it (inclusive), which is what RESULTS.md quotes.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections import Counter
from pathlib import Path

log = logging.getLogger(__name__)


class Profiler:
    """py-spy attached to one process for a fixed time, in the background."""

    def __init__(self, pid: int, seconds: int, out: Path, rate: int = 50) -> None:
        self.out = out
        self.proc: subprocess.Popen[bytes] | None = None
        exe = shutil.which("py-spy") or str(Path(__file__).resolve().parents[1] / ".venv" / "bin"
                                             / "py-spy")
        if not Path(exe).exists():
            log.warning("py-spy is not installed; no profile for pid %d", pid)
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [exe, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", str(rate),
             "--format", "raw", "--nonblocking", "--output", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def finish(self, timeout: float = 60.0) -> dict[str, object] | None:
        if self.proc is None:
            return None
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait()
        return summarise(self.out) if self.out.exists() else None


def _frame_name(frame: str) -> str:
    # "function (path/to/file.py:123)" -> "function (file.py)"
    name, _, where = frame.partition(" (")
    file = where.split(":")[0].rsplit("/", 1)[-1]
    return f"{name} ({file})" if file else name


def summarise(path: Path, top: int = 15) -> dict[str, object]:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_frame_name(f) for f in stack.split(";") if f]
        if frames:
            own[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
        raw = stack.split(";")
        for name in {_frame_name(f) for f in raw if _is_ours(f)}:
            ours[name] += count
    if not total:
        return {"samples": 0}

    def share(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100.0 * n / total, 1)) for name, n in counter.most_common(top)]

    return {"samples": total, "file": str(path), "self_pct": share(own),
            "inclusive_pct": share(inclusive), "project_inclusive_pct": share(ours)}


def _is_ours(frame: str) -> bool:
    """A frame in the product's own code (services/, schemas/), not a library's."""
    where = frame.partition(" (")[2]
    return ("services/" in where or "schemas/" in where) and "site-packages" not in where
