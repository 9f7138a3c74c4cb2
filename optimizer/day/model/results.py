"""Results stage: the solved model's values written back into the plan's tables (steps, runs, job status).

Per-step flows come from the variables; IT and cooling power are recomputed from the chosen level and
the nominal IT load with the profile's coefficients, so ``steps.csv`` states exactly what the model
optimised. Identical non-preemptible jobs of a group take the group's starts in queue order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr
from greendc.optimizer.accounting import JOB_STATUS_COLUMNS
from greendc.optimizer.day.lateness import finish_late_h
from greendc.optimizer.day.model.data import BlockGroup, ModelData, PreemptibleJob
from greendc.optimizer.day.model.objective import unfinished_weight
from greendc.optimizer.types import OBJECTIVE_TERMS, RUN_COLUMNS, STEP_COLUMNS

_TOL = 1e-6


def _values(var: pyo.Var, index: Sequence[Any]) -> np.ndarray:
    """Values of an indexed variable at the given indices, 0 where unset."""
    return np.array([var[i].value or 0.0 for i in index], dtype=float)


def chosen_levels(m: pyo.ConcreteModel, data: ModelData) -> np.ndarray:
    """The level index chosen at each step (the allowed level with the largest y). [-]"""
    best = np.zeros(data.n_steps, dtype=int)
    score = np.full(data.n_steps, -1.0)
    for (t, k), var in m.y.items():
        value = var.value if var.value is not None else 0.0
        if value > score[t]:
            best[t], score[t] = k, value
    return best


def steps_table(m: pyo.ConcreteModel, data: ModelData, profile: xr.Dataset) -> pd.DataFrame:
    """The steps table (STEP_COLUMNS) of the solved model."""
    T = list(range(data.n_steps))
    level = chosen_levels(m, data)
    rows = np.arange(data.n_steps)
    it_nominal = _values(m.it_nominal, T)
    it_kw = (1.0 + data.fan_uplift[level]) * it_nominal
    cooling_kw = data.cooling_kw_per_kw[rows, level] * it_nominal
    zeros = np.zeros(data.n_steps)
    has_bat = data.battery is not None
    mode = profile["cooling_mode"].transpose("time", "level").to_numpy()[rows, level]
    steps = pd.DataFrame(
        {
            "time": data.times_utc,
            "it_kw": it_kw,
            "cooling_kw": cooling_kw,
            "facility_kw": it_kw * (1.0 + data.loss_frac) + cooling_kw,
            "setpoint_c": data.levels_c[level],
            "cooling_mode": mode.astype(int),
            "temp_air_c": profile["temp_air_c"].to_numpy(),
            "temp_wet_bulb_c": profile["temp_wet_bulb_c"].to_numpy(),
            "pv_kw": data.pv_kw,
            "wind_kw": data.wind_kw,
            "curtailed_kw": _clean(_values(m.curtail, T)),
            "battery_charge_kw": _clean(_values(m.charge, T)) if has_bat else zeros,
            "battery_discharge_kw": _clean(_values(m.discharge, T)) if has_bat else zeros,
            "battery_soc_kwh": _values(m.soc, T) if has_bat else zeros,
            "grid_import_kw": _clean(_values(m.grid_import, T)),
            "grid_export_kw": _clean(_values(m.grid_export, T)),
            "price_per_kwh": data.price,
            "export_price_per_kwh": data.export_price,
            "carbon_kg_per_kwh": data.carbon,
            "busy_nodes": _clean(_values(m.busy, T)),
        }
    )
    return steps[list(STEP_COLUMNS)]


def _clean(values: np.ndarray) -> np.ndarray:
    """Solver noise removed from a non-negative flow (|x| < 1e-7 -> 0). [kW]"""
    return np.where(np.abs(values) < 1e-7, 0.0, values)


def preemptible_shares(m: pyo.ConcreteModel, data: ModelData) -> np.ndarray:
    """x[j, t]: whether each preemptible job runs in each step, 0 or 1 (0 outside its window); with fluid
    work the share of the step it runs (solver noise below 1e-7 removed). [-]"""
    shares = np.zeros((len(data.preemptible), data.n_steps))
    if data.fluid_work:
        for (j, t), var in m.x.items():
            value = float(var.value or 0.0)
            shares[j, t] = 0.0 if value < 1e-7 else min(1.0, value)
        return shares
    for (j, t0), var in m.x.items():
        if (var.value or 0.0) > 0.5:
            shares[j, t0:t0 + data.preemptible[j].min_run_steps] = 1.0
    return shares


def resumes(m: pyo.ConcreteModel, data: ModelData) -> np.ndarray:
    """Resumes of each preemptible job: its runs after the first (each charged the overhead). [-]"""
    shares = preemptible_shares(m, data)
    starts = (np.diff(shares, axis=1, prepend=0.0) > 0.5).sum(axis=1)
    return np.maximum(0, starts - 1).astype(int)


def block_starts(m: pyo.ConcreteModel, group: int, grp: BlockGroup) -> list[int]:
    """Start step of each job of a group that runs, sorted (rounded integer counts). [-]"""
    starts: list[int] = []
    for s in grp.starts:
        starts += [s] * round(m.n[group, s].value or 0.0)
    return starts


def plan_tables(
    m: pyo.ConcreteModel, data: ModelData, profile: xr.Dataset
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(steps, runs, job_status) of the solved model."""
    steps = steps_table(m, data, profile)
    shares = preemptible_shares(m, data)
    resumed = resumes(m, data)
    runs: list[dict[str, object]] = []
    status: list[dict[str, object]] = []
    for j, job in enumerate(data.preemptible):
        intervals = share_intervals(shares[j], data)
        runs += [{"job_id": job.job_id, "start": a, "end": b, "nodes": job.nodes} for a, b in intervals]
        status.append(preemptible_status(job, shares[j], intervals, data, int(resumed[j])))
    for g, grp in enumerate(data.blocks):
        starts = block_starts(m, g, grp)
        for i, job_id in enumerate(grp.job_ids):
            start = starts[i] if i < len(starts) else None
            if start is not None:
                runs.append(
                    {
                        "job_id": job_id,
                        "start": data.times_utc[start],
                        "end": data.times_utc[0] + pd.Timedelta(hours=(start + grp.steps) * data.step_h),
                        "nodes": grp.nodes,
                    }
                )
            status.append(block_status(job_id, grp, start, data))
    status += [
        {
            "job_id": u.job.job_id,
            "status": "not_run",
            "finish": pd.NaT,
            "lateness_h": 0.0,
            "penalty_per_h": u.penalty_per_h,
            "reason": u.reason,
        }
        for u in data.unplannable
    ]
    runs_frame = pd.DataFrame(runs, columns=list(RUN_COLUMNS))
    for column in ("start", "end"):
        runs_frame[column] = pd.to_datetime(runs_frame[column], utc=True)
    runs_frame = runs_frame.sort_values(["start", "job_id"], kind="stable").reset_index(drop=True)
    status_frame = pd.DataFrame(status, columns=list(JOB_STATUS_COLUMNS))
    status_frame["finish"] = pd.to_datetime(status_frame["finish"], utc=True)
    return steps, runs_frame, status_frame


def share_intervals(shares: np.ndarray, data: ModelData) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Run intervals of a preemptible job: the steps it runs in, adjacent ones merged (whole steps)."""
    t0, dt = data.times_utc[0], data.step_h
    intervals: list[list[float]] = []
    for t in np.flatnonzero(shares > 0):
        begin, end = float(t), float(t) + float(shares[t])
        if intervals and abs(intervals[-1][1] - begin) < 1e-9:
            intervals[-1][1] = end
        else:
            intervals.append([begin, end])
    return [(t0 + pd.Timedelta(hours=a * dt), t0 + pd.Timedelta(hours=b * dt)) for a, b in intervals]


def preemptible_status(
    job: PreemptibleJob,
    shares: np.ndarray,
    intervals: list[tuple[pd.Timestamp, pd.Timestamp]],
    data: ModelData,
    resumed: int = 0,
) -> dict[str, object]:
    """Status row of a preemptible job: late work after its deadline step, unplanned work, the reason.

    The work needed is the run time plus the checkpoint overhead of each resume.
    """
    dt, T = data.step_h, data.n_steps
    done_h = float(shares.sum()) * dt
    unplanned_h = max(0.0, job.hours + data.checkpoint_h * resumed - done_h)
    late_h = finish_late_h(shares, job.deadline_step, dt) + unplanned_h * unfinished_weight(job, T, dt)
    finish = intervals[-1][1] if intervals else pd.NaT
    state = "not_run" if done_h <= _TOL else "late" if late_h > _TOL else "on_time"
    reason = (
        ""
        if state == "on_time"
        else late_reason(job.hours, job.release_step, job.deadline_step, unplanned_h, data, job.end_step)
    )
    return {
        "job_id": job.job_id,
        "status": state,
        "finish": finish,
        "lateness_h": late_h,
        "penalty_per_h": job.penalty_per_h,
        "reason": reason,
    }


def block_status(job_id: str, grp: BlockGroup, start: int | None, data: ModelData) -> dict[str, object]:
    """Status row of a non-preemptible job: its finish delay, or not run."""
    dt, T = data.step_h, data.n_steps
    d, D = grp.deadline_step, grp.steps
    finish: object = pd.NaT
    if start is None:
        late_h, state = (T - d + D) * dt, "not_run"
    else:
        late_h = max(0, start + D - d) * dt
        finish = data.times_utc[0] + pd.Timedelta(hours=(start + D) * dt)
        state = "late" if late_h > 0 else "on_time"
    reason = (
        ""
        if state == "on_time"
        else late_reason(D * dt, grp.release_step, d, D * dt if start is None else 0.0, data, grp.end_step)
    )
    return {
        "job_id": job_id,
        "status": state,
        "finish": finish,
        "lateness_h": late_h,
        "penalty_per_h": grp.penalty_per_h,
        "reason": reason,
    }


def late_reason(
    hours: float,
    release_step: int,
    deadline_step: int,
    unplanned_h: float,
    data: ModelData,
    end_step: int | None = None,
) -> str:
    """Why a job is late or not run, in words a facility engineer can act on."""
    dt, T = data.step_h, data.n_steps
    end = T if end_step is None else end_step
    window_h = max(0, deadline_step - release_step) * dt
    if unplanned_h > _TOL and release_step * dt + hours > T * dt + 1e-9:
        return (
            f"cannot finish inside the horizon: released {release_step * dt:g} h into it with "
            f"{hours:g} h to run; {unplanned_h:.2f} h not planned"
        )
    if window_h + 1e-9 < hours:
        return f"run time {hours:g} h is longer than its window of {window_h:g} h (release to deadline)"
    if unplanned_h > _TOL and end < T:
        return (f"not enough free nodes before its late window closed {end * dt:g} h into the horizon; "
                f"{unplanned_h:.2f} h not planned")
    if unplanned_h > _TOL:
        return f"not enough free nodes before the horizon end; {unplanned_h:.2f} h not planned"
    return "not enough free nodes before the deadline"


def solver_terms(m: pyo.ConcreteModel) -> dict[str, float]:
    """The model's own value of each objective term and the total. [currency]"""
    terms = {name: float(pyo.value(getattr(m, name))) for name in OBJECTIVE_TERMS}
    terms["total"] = float(pyo.value(m.obj))
    return terms
