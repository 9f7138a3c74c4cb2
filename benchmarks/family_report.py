"""The instance family's distribution: percentiles per class, the summary table, the CSV and the docs section
(``benchmarks/family.py`` runs the instances)."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: Columns of the CSV, in order.
COLUMNS = (
    "name", "part", "site", "season", "date", "jobs", "seed", "np_share", "load", "window", "checkpoint_h",
    "min_run_h", "n_jobs_queue", "status", "gap", "objective", "bound", "build_s", "solve_s", "n_solves",
    "wall_s", "around_s", "columns", "rows", "fallback", "widened", "load1", "note",
)


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (linear interpolation, numpy's default); NaN for no values."""
    return float(np.percentile(values, q)) if len(values) else math.nan


def solved_in_target(row: dict[str, Any]) -> bool:
    """True when the first solve proved the gap asked for (HiGHS status optimal)."""
    return row["status"] == "optimal"


def at_limit(row: dict[str, Any]) -> bool:
    """True when a solve stopped at the time limit (with or without an incumbent)."""
    return row["status"] in {"time_limit", "killed", "no_solution"}


def dist_line(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Distribution of one group: n, solve p50/p90/p95/max, optimal and at-limit counts, around p50/max."""
    solve = [float(r["solve_s"]) for r in rows]
    total = [float(r["build_s"]) + float(r["solve_s"]) for r in rows]
    around = [float(r["around_s"]) for r in rows]
    gaps = [float(r["gap"]) for r in rows if at_limit(r) and r["gap"] not in (None, "")]
    return {
        "n": len(rows), "p50": pct(solve, 50), "p90": pct(solve, 90), "p95": pct(solve, 95),
        "max": max(solve) if solve else math.nan, "bs50": pct(total, 50), "bs95": pct(total, 95),
        "optimal": sum(solved_in_target(r) for r in rows), "limit": sum(at_limit(r) for r in rows),
        "fallback": sum(bool(r["fallback"]) for r in rows),
        "gap_max": max(gaps) if gaps else None, "around50": pct(around, 50),
        "around_max": max(around) if around else math.nan,
    }


HEADER = ("| class | n | solve p50 s | p90 s | p95 s | max s | build+solve p50 / p95 s | optimal | at limit "
          "(worst gap) | fallback | around p50 / max s |\n|---|---|---|---|---|---|---|---|---|---|---|")


def table_row(label: str, d: dict[str, Any]) -> str:
    """One markdown row of a distribution."""
    gap = f" ({100 * d['gap_max']:.2f} %)" if d["gap_max"] is not None else ""
    return (f"| {label} | {d['n']} | {d['p50']:.2f} | {d['p90']:.2f} | {d['p95']:.2f} | {d['max']:.2f} | "
            f"{d['bs50']:.2f} / {d['bs95']:.2f} | {d['optimal']} | {d['limit']}{gap} | {d['fallback']} | "
            f"{d['around50']:.2f} / {d['around_max']:.2f} |")


CLASS_KEYS = ("part", "size", "site", "season", "np_share", "load", "window", "checkpoint", "min_run")


def class_of(row: dict[str, Any], key: str) -> str:
    """The label of a row's class on one axis (as ``Instance.cls``)."""
    return {
        "site": lambda: row["site"], "season": lambda: row["season"], "size": lambda: f"{row['jobs']} jobs",
        "np_share": lambda: f"{100 * float(row['np_share']):.0f} % non-preemptible",
        "load": lambda: f"load {100 * float(row['load']):.0f} %",
        "window": lambda: f"{row['window']} windows",
        "checkpoint": lambda: f"checkpoint {60 * float(row['checkpoint_h']):.0f} min",
        "part": lambda: row["part"],
        "min_run": lambda: "min run: site's" if row.get("min_run_h") in (None, "") else
        f"min run {60 * float(row['min_run_h']):.0f} min",
    }[key]()


def summary(all_rows: Sequence[dict[str, Any]], worst: int = 10) -> str:
    """The distribution overall and per class, and the worst instances, as markdown (errors apart)."""
    rows = [r for r in all_rows if r["status"] != "error"]
    errors = [r for r in all_rows if r["status"] == "error"]
    lines = [HEADER, table_row("**all**", dist_line(rows))]
    sizes = sorted({int(r["jobs"]) for r in rows})
    for key in CLASS_KEYS:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            groups[class_of(r, key)].append(r)
        if len(groups) < 2 and key != "size":
            continue
        for label in sorted(groups, key=lambda g: (len(g), g) if key in {"np_share", "load"} else g):
            group = groups[label]
            if key != "size" and len(sizes) > 1:  # by size within a class when the run mixes sizes
                for n in sizes:
                    sub = [r for r in group if int(r["jobs"]) == n]
                    if sub:
                        lines.append(table_row(f"{label}, {n} jobs", dist_line(sub)))
            else:
                lines.append(table_row(label, dist_line(group)))
    ranked = sorted(rows, key=lambda r: (-float(r["solve_s"]), -(float(r["gap"] or 0))))[:worst]
    lines += ["", f"Worst {len(ranked)} by solve time:", "",
              "| instance | shape | status | gap | solve s | build s | around s |",
              "|---|---|---|---|---|---|---|"]
    for r in ranked:
        gap = "-" if r["gap"] in (None, "") else f"{100 * float(r['gap']):.3f} %"
        ck = float(r["checkpoint_h"])
        shape = (f"{100 * float(r['np_share']):.0f} % np, load {100 * float(r['load']):.0f} %, {r['window']}"
                 + (f", ck {60 * ck:.0f} min" if ck else ""))
        lines.append(f"| {r['name']} | {shape} | {r['status']} | {gap} | {float(r['solve_s']):.2f} | "
                     f"{float(r['build_s']):.2f} | {float(r['around_s']):.2f} |")
    if errors:
        lines += ["", f"{len(errors)} instance(s) failed and are left out: "
                  + "; ".join(f"{r['name']} ({r['note']})" for r in errors[:5])]
    return "\n".join(lines)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` prints them."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def import_seconds() -> float:
    """Seconds a fresh interpreter takes to import the plan command's stack (part of the command's wall)."""
    code = "import greendc.cli, greendc.workflows.plan, greendc.optimizer.day.service"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def write_csv(rows: Iterable[dict[str, Any]], path: Path) -> None:
    """All rows, one per instance, in COLUMNS order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: r.get(k) for k in COLUMNS})


def read_csv(path: Path) -> list[dict[str, Any]]:
    """Rows written by ``write_csv`` (numbers stay text until used)."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["fallback"] = r["fallback"] == "True"
        r["gap"] = None if r["gap"] in ("", "None") else float(r["gap"])
    return rows


#: The section of docs/performance.md the generated part ends.
DOCS_PARENT = "## Daily MILP on the instance family (issue 15)"
#: The heading of the generated part of docs/performance.md (last subsection of "Instance family").
DOCS_HEADING = "### Family distribution (written by benchmarks.family)"


def docs_text(rows: Sequence[dict[str, Any]], command: str, when: str, loads: tuple[str, str],
              imports_s: float | None) -> str:
    """The generated subsection: command, machine state, the table and the worst instances."""
    imports = f" A fresh interpreter imports the plan command's stack in {imports_s:.2f} s (not in around)." \
        if imports_s is not None else ""
    per = [float(r["load1"]) for r in rows if r.get("load1") not in (None, "")]
    per_text = (f" (1-minute load after each instance: median {pct(per, 50):.1f}, "
                f"{min(per):.1f}-{max(per):.1f})" if per else "")
    return (f"{DOCS_HEADING}\n\n{when}; load average (1, 5, 15 min) {loads[0]} at the start and "
            f"{loads[1]} at the end{per_text}, on the 2-core machine.{imports} Command:\n\n"
            f"    {command}\n\n"
            "Solve s is HiGHS's wall time (every solve of the plan, a re-plan with full windows included); "
            "build is the Pyomo build and hand-over; optimal means the 0.1 % gap was proven; around is the "
            "plan's wall time minus the solve (inputs, profile, baseline, build, verification, the plan "
            f"folder and its report).\n\n{summary(rows)}\n")
