"""The fleet plan folder: each hub's plan folder in the day contract, assignments, transfers, fleet.json.

```
<out>/fleet.json          schema, date, hubs, bound, gap, the comparisons, timings, the check's facts
<out>/assignments.csv     job_id, home_hub, hub, moved, gb, transfer_start, transfer_end, release, ready,
                          deadline, runs, first_start, last_end
<out>/transfers.csv       link, from_hub, to_hub, time, gb, capacity_gb (per link direction and step)
<out>/inference.csv       time, region, hub, kw
<out>/hubs/<hub>/         plan.json, steps.csv, jobs.csv, inputs/ (and report.html): today's plan folder
<out>/report.html         written by the caller (greendc.workflows.fleet_plan)
```
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from greendc.optimizer.day.service import DayPlans, savings_meta
from greendc.optimizer.fleet.solve import Candidate, FleetResult
from greendc.optimizer.fleet.transfers import ASSIGNMENT_COLUMNS, transfer_table
from greendc.optimizer.io.exports import plan_files
from greendc.optimizer.io.planfolder import (
    ReportRenderer,
    input_digests,
    input_files,
    plan_metadata,
    write_folder,
)

FLEET_SCHEMA = "greendc-fleet-plan/1"


def assignments_table(result: FleetResult, cand: Candidate) -> pd.DataFrame:
    """One row per job: where it runs, its move and its runs."""
    rows = []
    runs = pd.concat([o.plan.runs.assign(hub=h) for h, o in cand.hubs.items()], ignore_index=True) \
        if cand.hubs else pd.DataFrame(columns=["job_id", "start", "end", "hub"])
    grouped = {str(k): v for k, v in runs.groupby("job_id")} if len(runs) else {}
    for fj in result.problem.jobs:
        hub = cand.assignment[fj.job_id]
        tr = cand.transfers.get(fj.job_id)
        mine = grouped.get(fj.job_id)
        rows.append((fj.job_id, fj.home, hub, hub != fj.home, tr.gb if tr else 0.0,
                     tr.start if tr else pd.NaT, tr.arrival if tr else pd.NaT, fj.job.release,
                     max(fj.job.release, tr.arrival) if tr else fj.job.release, fj.job.deadline,
                     0 if mine is None else len(mine), pd.NaT if mine is None else mine["start"].min(),
                     pd.NaT if mine is None else mine["end"].max()))
    frame = pd.DataFrame(rows, columns=list(ASSIGNMENT_COLUMNS))
    for col in ("transfer_start", "transfer_end", "release", "ready", "deadline", "first_start", "last_end"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def inference_table(result: FleetResult, cand: Candidate) -> pd.DataFrame:
    """Inference served per step, region and hub (rows where it is served). [kW]"""
    times = result.problem.times
    rows = [(times[t], region, hub, float(kw[t])) for (region, hub), kw in sorted(cand.serve.items())
            for t in range(len(times)) if kw[t] > 1e-9]
    return pd.DataFrame(rows, columns=["time", "region", "hub", "kw"])


def fleet_summary(result: FleetResult, facts: list[str], *, run_times: bool = True) -> dict[str, Any]:
    """fleet.json: the plan's headline numbers, the comparisons, the bound and gap, the checks.

    ``run_times=False`` leaves out the wall-clock seconds, so equal inputs give equal bytes (the nightly).
    """
    p = result.problem
    comparisons = {name: c.kpis(p) for name, c in result.candidates.items()}
    return {
        "schema": FLEET_SCHEMA, "plan_date": p.plan_date.isoformat(), "hubs": p.hub_ids,
        "steps": len(p.times), "step_minutes": p.settings.step_minutes, "jobs": len(p.jobs),
        "regions": [d.region for d in p.demands], "chosen": result.best.name,
        "objective": result.best.total(p), "bound": result.bound, "gap": result.gap,
        "bound_method": "joint fluid LP by column generation (docs/model.md, Fleet)",
        "lp": {"status": result.lp.status, "rounds": result.lp.rounds, "columns": result.lp.n_cols,
               "rows": result.lp.n_rows, "value": result.lp.lp_value,
               **({"seconds": result.lp.solve_s} if run_times else {})},
        "comparisons": comparisons, **({"timings_s": result.timings} if run_times else {}), "checks": facts,
        "hub_status": {h: {"status": o.plan.solver.status, "gap": o.plan.solver.gap,
                           "objective": o.plan.objective["total"]} for h, o in result.best.hubs.items()},
        "notes": list(p.notes),
    }


def write_fleet_folder(out: Path, result: FleetResult, facts: list[str], *,
                       hub_report: Callable[[str], ReportRenderer] | None = None,
                       fleet_report: Callable[[dict[str, Any], Path], str] | None = None,
                       exports: bool = False, run_times: bool = True) -> Path:
    """Write the fleet plan folder (module docstring); hub folders through the day contract's writer.

    ``hub_report`` gives each hub's report.html renderer by hub id (each hub's report is read from its own
    path); ``exports``: each hub folder also gets the BMS setpoints (setpoints.csv), as a nightly plan does.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    p, cand = result.problem, result.best
    for hub in p.hubs:
        o = cand.hubs[hub.id]
        files = input_files(list(o.jobs), o.profile)
        meta = plan_metadata(plan=o.plan, baseline=o.baseline, site=hub.site, profile=o.profile,
                             settings=p.settings, inputs={"jobs": "fleet plan", "weather": "fleet plan"},
                             plan_date=p.plan_date.isoformat())
        meta = savings_meta(meta, DayPlans(o.plan, o.baseline), list(o.jobs))
        meta = meta.model_copy(update={"input_files": input_digests(files)}).without_run_times()
        extra = plan_files(o.plan, timezone=hub.site.site.timezone,
                           step_minutes=p.settings.step_minutes) if exports else None
        render = hub_report(hub.id) if hub_report is not None else None
        write_folder(out / "hubs" / hub.id, meta.to_json(), o.plan.steps, o.plan.runs, render,
                     inputs=files, exports=extra)
    assignments_table(result, cand).to_csv(out / "assignments.csv", index=False,
                                           date_format="%Y-%m-%dT%H:%M:%S.%fZ")
    transfer_table(p, cand.transfers).to_csv(out / "transfers.csv", index=False)
    inference_table(result, cand).to_csv(out / "inference.csv", index=False)
    summary = fleet_summary(result, facts, run_times=run_times)
    (out / "fleet.json").write_text(json.dumps(summary, indent=2, default=_json) + "\n", encoding="utf-8")
    if fleet_report is not None:
        (out / "report.html").write_text(fleet_report(summary, out), encoding="utf-8")
    return out


def _json(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)
