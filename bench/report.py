"""Write the results: ``latest.json`` for machines, ``latest.md`` (a Markdown table) for people."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[met]


def markdown(machine: dict[str, Any], results: list[dict[str, Any]], argv: str) -> str:
    lines = ["# Benchmark results (latest run)", "",
             f"Command: `{argv}`", "",
             "| machine | |", "|---|---|"]
    lines += [f"| {k} | {_fmt(v)} |" for k, v in machine.items()]
    lines += ["", "## Targets", "", "| benchmark | metric | target | value | verdict |",
              "|---|---|---|---|---|"]
    for result in results:
        for target in result["targets"]:
            lines.append(f"| {result['name']} | {target['metric']} | {target['target']} | "
                         f"{_fmt(target['value'])} | {_verdict(target['met'])} |")
    for result in results:
        reproduce = f"Reproduce: `{result['command']}` ({result['seconds']:.0f} s)"
        lines += ["", f"## {result['name']}", "", reproduce, ""]
        if result.get("error"):
            lines += [f"Error: `{result['error']}`", ""]
        lines += ["| figure | value |", "|---|---|"]
        for key, value in result["figures"].items():
            if key == "profile" or isinstance(value, (dict, list)):
                continue
            lines.append(f"| {key} | {_fmt(value)} |")
        if result["processes"]:
            lines += ["", "| process | CPU mean % | CPU max % | RSS max MiB |",
                      "|---|---|---|---|"]
            for name, p in result["processes"].items():
                lines.append(f"| {name} | {p['cpu_mean_pct']} | {p['cpu_max_pct']} | "
                             f"{p['rss_max_mib']} |")
        for note in result.get("notes", []):
            lines += ["", f"- {note}"]
    return "\n".join(lines) + "\n"


def write(out: Path, machine: dict[str, Any], results: list[dict[str, Any]], argv: str,
          stem: str = "latest") -> None:
    out.mkdir(parents=True, exist_ok=True)
    document = {"machine": machine, "command": argv, "results": results}
    (out / f"{stem}.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    (out / f"{stem}.md").write_text(markdown(machine, results, argv))
    log.info("wrote %s and %s", out / f"{stem}.json", out / f"{stem}.md")
