"""The daily MILP on an instance family (issue 15): every built-in site x four seasons x queue shapes.

    .venv/bin/python -m benchmarks.family                       # the whole family (hours; a quiet machine)
    .venv/bin/python -m benchmarks.family --jobs 200 --seeds 2 --checkpoint off --write-docs
    .venv/bin/python -m benchmarks.family --sites zhongwei,qingyang --limit 10 --time-limit 20
    .venv/bin/python -m benchmarks.family --tune        # only the tuning part (a hash of the name)
    .venv/bin/python -m benchmarks.family --bounds --names zhongwei-oct-200j-s1   # where the root gap is

An instance is a site (``greendc sites list``), a day (15 January, April, July, October 2026), a
queue from the sample generator (``greendc.optimizer.io.sample_queue``) of 100, 200 or 500 jobs with
a seed and a shape (share of non-preemptible jobs 0-60 %, load 40-90 % of the node-hours, tight or
loose deadline windows; the shape is drawn from a hash of the site, day, size and seed, so a subset
run gives each instance the same queue as the full family), with and without a checkpoint overhead
per resume and, with ``--min-run 0,0.5``, without and with a minimum run length (``min_run_hook``:
the site's ``[it] min_run_h`` of issue 12; by default the site's own).

Each instance goes through the path ``greendc plan`` takes: ``PlanInputs`` -> the plan service
(``greendc.workflows.plan.plan_with_report``: profile, baseline, make_plan, verification, the plan
folder with its report), at the default settings (0.1 % gap, 60 s limit) unless ``--time-limit`` is
given. Instances run one after another in this one process, so no two timings share the cores.
Per instance: build s (Pyomo build + hand-over), solve s (every solve of the plan, the re-plan with
full windows included), status, proven gap, objective, bound, and ``around_s``, the plan's wall time
minus its solve time (the command around the solve, imports excepted: a fresh interpreter's import
time is measured once and printed apart).

The tune/holdout split is by a hash of the instance name (without the checkpoint part, so both
variants of a queue fall on the same side): ``--tune`` runs only the tuning part, ``--holdout`` only
the rest; every row carries its part, and the summary reports both parts and the whole.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

#: Plan dates of the four seasons (local midnight of the site).
SEASONS: dict[str, date] = {
    "jan": date(2026, 1, 15), "apr": date(2026, 4, 15), "jul": date(2026, 7, 15), "oct": date(2026, 10, 15),
}
#: Queue sizes. [jobs]
SIZES = (100, 200, 500)
#: Shares of non-preemptible jobs a queue may have. [-]
NP_SHARES = (0.0, 0.15, 0.3, 0.45, 0.6)
#: Loads a queue may have: node-hours asked for over the site's node-hours of the day. [-]
LOADS = (0.4, 0.55, 0.7, 0.9)
#: Deadline windows: deadline after release as a multiple of the run time (low, high). [-]
WINDOWS: dict[str, tuple[float, float]] = {"tight": (1.05, 1.3), "loose": (2.0, 5.0)}
#: Checkpoint overhead per resume of a preemptible job, off and on (15 min). [h]
CHECKPOINT_H = (0.0, 0.25)
#: Minimum run length of a preemptible run: None, the site's own (the default axis); ``--min-run 0,0.5``
#: runs each queue without and with one, once the model reads it (issue 12). [h]
MIN_RUN_H: tuple[float | None, ...] = (None,)
#: Share of the instances (by name hash) held out from tuning. [-]
HOLDOUT_SHARE = 0.5
#: Columns of the CSV, in order.
COLUMNS = (
    "name", "part", "site", "season", "date", "jobs", "seed", "np_share", "load", "window", "checkpoint_h",
    "min_run_h", "n_jobs_queue", "status", "gap", "objective", "bound", "build_s", "solve_s", "n_solves",
    "wall_s", "around_s", "columns", "rows", "fallback", "widened", "load1", "note",
)


@dataclass(frozen=True)
class Instance:
    """One instance of the family: a site, a day, a queue shape and a seed, the settings' variant."""

    site: str
    season: str
    jobs: int
    seed: int
    np_share: float
    load: float
    window: str
    checkpoint_h: float
    min_run_h: float | None = None

    @property
    def queue_name(self) -> str:
        """Name of the queue (site, season, size, seed): both settings variants share it. [-]"""
        return f"{self.site}-{self.season}-{self.jobs}j-s{self.seed}"

    @property
    def name(self) -> str:
        """Unique name: the queue's, then the settings variant (checkpoint minutes, minimum run). [-]"""
        tail = f"-ck{round(60 * self.checkpoint_h)}" if self.checkpoint_h else ""
        tail += f"-mr{round(60 * self.min_run_h)}" if self.min_run_h else ""
        return self.queue_name + tail

    @property
    def part(self) -> str:
        """'tune' or 'holdout', by a hash of the queue name. [-]"""
        return "holdout" if _unit_hash(self.queue_name, "split") < HOLDOUT_SHARE else "tune"

    def cls(self, key: str) -> str:
        """The instance's class on one axis, as a label. [-]"""
        return {
            "site": self.site, "season": self.season, "size": f"{self.jobs} jobs",
            "np_share": f"{100 * self.np_share:.0f} % non-preemptible",
            "load": f"load {100 * self.load:.0f} %",
            "window": f"{self.window} windows", "checkpoint": f"checkpoint {60 * self.checkpoint_h:.0f} min",
            "part": self.part,
        }[key]


def _unit_hash(text: str, salt: str) -> float:
    """A stable number in [0, 1) from a text (SHA-256), the same on every machine. [-]"""
    return int(hashlib.sha256(f"{salt}:{text}".encode()).hexdigest()[:12], 16) / 16**12


def shape_for(site: str, season: str, jobs: int, seed: int) -> tuple[float, float, str]:
    """Non-preemptible share, load and window of a queue, drawn from a hash of its name (stable)."""
    name = f"{site}-{season}-{jobs}j-s{seed}"
    share = NP_SHARES[int(_unit_hash(name, "np") * len(NP_SHARES))]
    load = LOADS[int(_unit_hash(name, "load") * len(LOADS))]
    window = sorted(WINDOWS)[int(_unit_hash(name, "window") * len(WINDOWS))]
    return share, load, window


def family(sites: Sequence[str], seasons: Sequence[str], sizes: Sequence[int], seeds: Iterable[int],
           checkpoints: Sequence[float], min_runs: Sequence[float | None] = MIN_RUN_H) -> list[Instance]:
    """Every instance of the chosen axes, in a fixed order (site, season, size, seed, variant)."""
    out = []
    for site in sites:
        for season in seasons:
            for jobs in sizes:
                for seed in seeds:
                    share, load, window = shape_for(site, season, jobs, seed)
                    for ck in checkpoints:
                        for mr in min_runs:
                            out.append(Instance(site, season, jobs, seed, share, load, window, ck, mr))
    return out


def spread(instances: list[Instance], limit: int) -> list[Instance]:
    """At most ``limit`` instances spread over the family (ordered by a hash of the name), kept in order."""
    if limit <= 0 or limit >= len(instances):
        return instances
    chosen = set(sorted(instances, key=lambda i: _unit_hash(i.name, "limit"))[:limit])
    return [i for i in instances if i in chosen]


def min_run_hook(settings: Any, site: Any, min_run_h: float | None, checkpoint_h: float) -> tuple[Any, Any]:
    """Settings and site with the instance's checkpoint overhead and minimum run length (issue 12).

    The checkpoint overhead goes into PlanSettings and, where the site has one (``[it]
    checkpoint_overhead_h``), into the site too, so "without" is without wherever the model reads it.
    A minimum run length (None: the site's own) goes into ``min_run_h`` of PlanSettings or of the
    site's ``[it]``, whichever exists; asking for one where neither does is an error, so no instance
    claims a variant it did not run. ``--min-run 0,0.5`` puts the variants in the family.
    """
    it_fields = set(type(site.it).model_fields)
    it_update: dict[str, float] = {}
    if "checkpoint_overhead_h" in it_fields:
        it_update["checkpoint_overhead_h"] = checkpoint_h
    if min_run_h is not None:
        if "min_run_h" in {f.name for f in dataclasses.fields(settings)}:
            settings = dataclasses.replace(settings, min_run_h=min_run_h)
        elif "min_run_h" in it_fields:
            it_update["min_run_h"] = min_run_h
        else:
            raise SystemExit("a minimum run length is not a setting of this version; run without --min-run")
    if it_update:
        site = site.model_copy(update={"it": site.it.model_copy(update=it_update)})
    return settings, site


def inputs_for(inst: Instance, time_limit_s: float | None) -> Any:
    """The plan service's inputs for an instance, as ``greendc plan --site ... --date ...`` reads them,
    with the sample queue of the instance's shape in place of the default one."""
    from greendc.optimizer.day.inputs import PlanInputs, day_start, read_site, sample_digest, sha256_bytes
    from greendc.optimizer.io.sample_queue import sample_queue
    from greendc.optimizer.types import PlanSettings

    site, site_toml = read_site(inst.site)
    kwargs: dict[str, Any] = {"checkpoint_overhead_h": inst.checkpoint_h}
    if time_limit_s is not None:
        kwargs["time_limit_s"] = time_limit_s
    settings, site = min_run_hook(PlanSettings(**kwargs), site, inst.min_run_h, inst.checkpoint_h)
    day = SEASONS[inst.season]
    jobs = sample_queue(site, day_start(day, site.site.timezone), seed=inst.seed,
                        horizon_h=settings.horizon_h, n_jobs=inst.jobs,
                        non_preemptible_share=inst.np_share, load=inst.load, slack_range=WINDOWS[inst.window])
    digests = {"site": sha256_bytes(site_toml), "jobs": sample_digest(inst.seed, jobs),
               "weather": "synthetic"}
    return PlanInputs(site, day, jobs, settings, None, digests, [], site_toml)


class SolveRecorder:
    """Records every ``solve_model`` call of the plan path (the first solve and a re-plan's)."""

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def __enter__(self) -> SolveRecorder:
        import greendc.optimizer.day.plan as plan_module

        self._module = plan_module
        self._original = plan_module.solve_model

        def recorded(*args: Any, **kwargs: Any) -> Any:
            out = self._original(*args, **kwargs)
            self.calls.append(out)
            return out

        plan_module.solve_model = recorded
        return self

    def __exit__(self, *_exc: object) -> None:
        self._module.solve_model = self._original


def run_instance(inst: Instance, time_limit_s: float | None, scratch: Path) -> dict[str, Any]:
    """Plan one instance through the plan service and return its row."""
    from greendc.workflows.plan import plan_with_report

    out = scratch / inst.name
    started = time.perf_counter()
    inputs = inputs_for(inst, time_limit_s)
    with SolveRecorder() as rec:
        outcome = plan_with_report(inputs, out)
    wall = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    plan = outcome.plan
    first = rec.calls[0] if rec.calls else None
    solve_s = sum(c.solve_s for c in rec.calls)
    widened = len(rec.calls) > 1
    facts = plan.solve
    return {
        "name": inst.name, "part": inst.part, "site": inst.site, "season": inst.season,
        "date": SEASONS[inst.season].isoformat(), "jobs": inst.jobs, "seed": inst.seed,
        "np_share": inst.np_share, "load": inst.load, "window": inst.window,
        "checkpoint_h": inst.checkpoint_h,
        "min_run_h": "" if inst.min_run_h is None else inst.min_run_h, "n_jobs_queue": len(inputs.jobs),
        "status": first.status if first is not None else plan.solver.status,
        "gap": first.gap if first is not None else None,
        "objective": first.objective if first is not None else None,
        "bound": first.bound if first is not None else None,
        "build_s": plan.solver.build_s, "solve_s": solve_s, "n_solves": len(rec.calls), "wall_s": wall,
        "around_s": wall - solve_s,
        "columns": facts.model_size.variables if facts else None,
        "rows": facts.model_size.constraints if facts else None,
        "fallback": plan.solver.fallback, "widened": widened,
        "note": plan.solver.fallback_reason[:120] if plan.solver.fallback else "",
        "load1": os.getloadavg()[0],
    }


def run_or_error(inst: Instance, time_limit_s: float | None, scratch: Path, tries: int = 2) -> dict[str, Any]:
    """``run_instance``, retried once after a pause (a site file being edited meanwhile), else an error row
    (status 'error', the message in ``note``) that the distributions leave out and count apart."""
    for attempt in range(tries):
        try:
            return run_instance(inst, time_limit_s, scratch)
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            if attempt + 1 < tries:
                time.sleep(10.0)
    return {"name": inst.name, "part": inst.part, "site": inst.site, "season": inst.season,
            "date": SEASONS[inst.season].isoformat(), "jobs": inst.jobs, "seed": inst.seed,
            "np_share": inst.np_share, "load": inst.load, "window": inst.window,
            "checkpoint_h": inst.checkpoint_h, "status": "error", "gap": None, "build_s": 0.0, "solve_s": 0.0,
            "wall_s": 0.0, "around_s": 0.0, "fallback": False, "note": message}


# ---------------------------------------------------------------------------------------------- summary


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


# ---------------------------------------------------------------------------------------------- bounds


def bound_breakdown(inst: Instance, time_limit_s: float) -> dict[str, Any]:
    """Where the root gap of an instance comes from (benchmarks/root_bounds.py's method, per term).

    Solves the MILP (as make_plan does, to ``time_limit_s``) for the best plan known, then LP
    relaxations of the same model: without the meter cuts, as built (with them), with the meter
    directions fixed as in the best plan, with the checkpoint run binaries fixed too, with the block
    starts fixed too. The steps between them attribute the root gap to the meter binaries, the
    checkpoint rows and the non-preemptible starts (and what they couple: the demand charge's peak).
    ``terms_*`` is the per-term difference (best plan minus LP as built) of the objective.
    """
    import pyomo.environ as pyo
    from greendc.optimizer.day.inputs import profile_for
    from greendc.optimizer.day.model import build, model_data
    from greendc.optimizer.day.solve import solve_model

    inputs = inputs_for(inst, time_limit_s)
    profile = profile_for(inputs)
    data = model_data(profile, inputs.site, inputs.jobs, inputs.settings)
    m = build(data)
    best = solve_model(m, time_limit_s=time_limit_s, rel_gap=1e-4)
    if best.objective is None:
        raise SystemExit(f"{inst.name}: no incumbent in {time_limit_s:g} s ({best.message})")
    fixed = {name: {k: v.value for k, v in getattr(m, name).items()}
             for name in ("grid_mode", "bat_mode", "w", "n", "v", "y") if hasattr(m, name)}
    terms = ("energy_cost", "demand_charge", "export_revenue", "carbon_cost", "lateness_penalty")
    best_terms = {t: float(pyo.value(getattr(m, t))) for t in terms}

    def lp(fix: Sequence[str], cuts: bool = True) -> tuple[float, dict[str, float]]:
        lm = build(data)
        if not cuts and hasattr(lm, "c_import_cut"):
            lm.c_import_cut.deactivate()
            lm.c_export_cut.deactivate()
        for name in fix:
            for k, val in fixed.get(name, {}).items():
                if val is not None:
                    getattr(lm, name)[k].fix(round(val))
        pyo.TransformationFactory("core.relax_integer_vars").apply_to(lm)
        out = solve_model(lm, time_limit_s=120.0, rel_gap=1e-9, rounding=False)
        assert out.objective is not None, out.message
        return out.objective, {t: float(pyo.value(getattr(lm, t))) for t in terms}

    no_cuts, _ = lp([], cuts=False)
    root, root_terms = lp([])
    meter, _ = lp(["grid_mode", "bat_mode"])
    ckpt, _ = lp(["grid_mode", "bat_mode", "w"])
    starts, _ = lp(["grid_mode", "bat_mode", "w", "n", "v", "y"])
    obj = best.objective
    res: dict[str, Any] = {
           "best": obj, "best_status": best.status, "best_gap": best.gap or 0.0, "lp_no_cuts": no_cuts,
           "lp": root, "lp_meter_fixed": meter, "lp_meter_ckpt_fixed": ckpt, "lp_all_fixed": starts,
           "binaries_meter": len(fixed.get("grid_mode", {})), "binaries_ckpt": len(fixed.get("w", {})),
           "integers_starts": len(fixed.get("n", {}))}
    for t in terms:
        res[f"terms_{t}"] = best_terms[t] - root_terms[t]
    return res


def print_bounds(inst: Instance, b: dict[str, Any]) -> None:
    """One instance's bound breakdown, in % of the best objective."""
    obj = b["best"]

    def below(x: float) -> str:
        return f"{100 * (obj - x) / abs(obj):+.3f} %"

    print(f"{inst.name} ({100 * inst.np_share:.0f} % np, load {100 * inst.load:.0f} %, {inst.window}, "
          f"ck {60 * inst.checkpoint_h:.0f} min): best {obj:,.2f} ({b['best_status']}, gap "
          f"{100 * b['best_gap']:.3f} %); meter binaries {b['binaries_meter']}, checkpoint binaries "
          f"{b['binaries_ckpt']}, start integers {b['integers_starts']}")
    print(f"  root gap below best: LP no meter cuts {below(b['lp_no_cuts'])}, LP as built {below(b['lp'])}, "
          f"meter fixed {below(b['lp_meter_fixed'])}, + checkpoint fixed {below(b['lp_meter_ckpt_fixed'])}, "
          f"+ starts and levels fixed {below(b['lp_all_fixed'])}")
    parts = ", ".join(f"{t[6:]} {v:+,.0f}" for t, v in b.items() if t.startswith("terms_"))
    print(f"  best minus LP, per term (currency): {parts}")


# ---------------------------------------------------------------------------------------------- main


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


def main(argv: list[str] | None = None) -> None:
    """Run (a subset of) the family and print, write and document the distribution."""
    from greendc.sites.loader import builtin_ids

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="all", help="comma-separated site ids, or all (default)")
    parser.add_argument("--seasons", default=",".join(SEASONS), help="of jan,apr,jul,oct")
    parser.add_argument("--jobs", default=",".join(map(str, SIZES)), help="queue sizes, e.g. 200")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per site, season and size")
    parser.add_argument("--checkpoint", choices=("both", "off", "on"), default="both",
                        help=f"without and/or with the checkpoint overhead ({60 * CHECKPOINT_H[1]:g} min)")
    parser.add_argument("--min-run", default="", help="minimum run lengths to vary, h (e.g. 0,0.5)")
    parser.add_argument("--names", default="", help="only these instance names (comma-separated)")
    parser.add_argument("--limit", type=int, default=0, help="at most N instances, spread over the family")
    part = parser.add_mutually_exclusive_group()
    part.add_argument("--tune", action="store_true", help="only the tuning part")
    part.add_argument("--holdout", action="store_true", help="only the held-out part")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="solve limit, s (default: the plan's 60 s)")
    parser.add_argument("--csv", type=Path, default=Path("benchmarks/out/family.csv"))
    parser.add_argument("--from-csv", type=Path, default=None,
                        help="summarise an earlier run's CSV, no solving")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/performance.md")
    parser.add_argument("--bounds", action="store_true", help="LP bound breakdown per instance, no timing")
    parser.add_argument("--list", action="store_true", help="print the chosen instances and stop")
    parser.add_argument("--resume", action="store_true",
                        help="keep the rows already in --csv and run only the instances missing there")
    args = parser.parse_args(argv)

    sites = builtin_ids() if args.sites == "all" else args.sites.split(",")
    checkpoints = {"both": CHECKPOINT_H, "off": CHECKPOINT_H[:1], "on": CHECKPOINT_H[1:]}[args.checkpoint]
    chosen = family(sites, args.seasons.split(","), [int(x) for x in args.jobs.split(",")],
                    range(args.seeds), checkpoints, _floats(args.min_run) or MIN_RUN_H)
    if args.names:
        names = set(args.names.split(","))
        chosen = [i for i in chosen if i.name in names]
    if args.tune or args.holdout:
        chosen = [i for i in chosen if i.part == ("tune" if args.tune else "holdout")]
    chosen = spread(chosen, args.limit)
    command = "python -m benchmarks.family " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.list:
        for i in chosen:
            print(i.name, i.part, i.np_share, i.load, i.window)
        print(f"{len(chosen)} instances")
        return
    if args.bounds:
        for inst in chosen:
            print_bounds(inst, bound_breakdown(inst, args.time_limit or 60.0))
        return

    when = time.strftime("%d %b %Y %H:%M UTC", time.gmtime())
    start_load = load_average()
    imports_s: float | None = None
    if args.from_csv is not None:
        rows = read_csv(args.from_csv)
        when = f"Summarised {when} from {args.from_csv.name}"
    else:
        imports_s = import_seconds()
        print(f"{len(chosen)} instances; load average {start_load}; "
              f"fresh-interpreter imports {imports_s:.2f} s")
        rows = read_csv(args.csv) if args.resume and args.csv.exists() else []
        rows = [r for r in rows if r["status"] != "error"]
        done = {r["name"] for r in rows}
        if done:
            print(f"resuming: {len(done)} instances already in {args.csv}")
        with tempfile.TemporaryDirectory(prefix="greendc-family-") as scratch:
            if chosen:  # first-use costs (pvlib's files, caches) once, untimed, on a small queue
                warm = dataclasses.replace(chosen[0], jobs=100, checkpoint_h=0.0)
                run_instance(warm, 5.0, Path(scratch))
            for k, inst in enumerate(chosen, 1):
                if inst.name in done:
                    continue
                row = run_or_error(inst, args.time_limit, Path(scratch))
                rows.append(row)
                gap = "-" if row["gap"] is None else f"{100 * row['gap']:.3f} %"
                print(f"[{k}/{len(chosen)}] {inst.name} ({row['part']}, {100 * inst.np_share:.0f} % np, load "
                      f"{100 * inst.load:.0f} %, {inst.window}): {row['status']} gap {gap}, build "
                      f"{row['build_s']:.2f} s, solve {row['solve_s']:.2f} s, "
                      f"around {row['around_s']:.2f} s, "
                      f"load {load_average()}", flush=True)
                write_csv(rows, args.csv)  # after each instance: a long run keeps what it measured
        print(f"CSV: {args.csv}")
    end_load = load_average()
    text = summary(rows)
    print(text)
    print(f"load average at the start {start_load}, at the end {end_load}")
    if args.write_docs:
        from benchmarks.docs_section import replace_section

        replace_section(DOCS_HEADING, docs_text(rows, command, when, (start_load, end_load), imports_s),
                        parent=DOCS_PARENT)
        print("docs/performance.md updated")


if __name__ == "__main__":
    main()
