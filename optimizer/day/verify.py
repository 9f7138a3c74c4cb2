"""An independent check of every plan before it is written: physics, schedule, limits and money.

It uses only the plan's own tables, the site profile, the site and the job queue, never the model:
IT power is rebuilt from the run intervals, cooling from the profile's coefficients at the plan's
setpoint, and each objective term from ``greendc.optimizer.accounting``. A plan that fails is a bug, so the
error lists every failed fact with the step or job where it fails.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from greendc.optimizer.accounting import objective_terms
from greendc.optimizer.day.model.data import ModelData, model_data, rate_feasible, release_step, to_utc
from greendc.optimizer.types import Job, Plan, PlanSettings
from greendc.sites.model import Site

#: Absolute tolerance on power [kW] and energy [kWh] balances, and relative tolerance on money.
KW_TOL = 1e-3
MONEY_RTOL = 1e-6


class PlanVerificationError(AssertionError):
    """A plan whose own numbers do not add up (a bug, never bad user input)."""


def verify_plan(
    plan: Plan,
    profile: xr.Dataset,
    site: Site,
    jobs: Sequence[Job],
    settings: PlanSettings,
    *,
    strict_limits: bool = True,
) -> None:
    """Raise PlanVerificationError listing every failed check; return None when the plan is sound.

    ``strict_limits=False`` (for a fallback plan) reports nothing about the grid import limit, which
    today's practice may exceed; every other check still applies.
    """
    failures: list[str] = []
    data = model_data(profile, site, jobs, settings)
    steps = plan.steps
    if len(steps) != data.n_steps:
        raise PlanVerificationError(f"plan has {len(steps)} steps, the profile {data.n_steps}")
    failures += check_energy_balance(steps)
    failures += check_it_and_cooling(plan, data, profile)
    failures += check_setpoints(steps, data.levels_c, data.max_change_c_per_h, data.steps_per_hour)
    failures += check_limits(steps, data, strict_limits)
    failures += check_battery(steps, data)
    failures += check_jobs(plan, jobs, data, str(profile.attrs.get("timezone", site.site.timezone)))
    failures += check_objective(plan, data)
    if failures:
        raise PlanVerificationError("plan verification failed:\n  " + "\n  ".join(failures[:40]))


def _where(mask: np.ndarray) -> str:
    """First few step indices where a check fails."""
    idx = np.flatnonzero(mask)
    return f"at steps {idx[:5].tolist()}{' ...' if len(idx) > 5 else ''}"


def check_energy_balance(steps: pd.DataFrame) -> list[str]:
    """it + cooling + losses + charge + export = import + pv + wind - curtailed + discharge, every step."""
    supply = (
        steps["grid_import_kw"]
        + steps["pv_kw"]
        + steps["wind_kw"]
        - steps["curtailed_kw"]
        + steps["battery_discharge_kw"]
    )
    use = steps["facility_kw"] + steps["battery_charge_kw"] + steps["grid_export_kw"]
    bad = np.abs((supply - use).to_numpy()) > KW_TOL
    out = (
        [f"energy balance off by up to {np.abs(supply - use).max():.4g} kW {_where(bad)}"]
        if bad.any()
        else []
    )
    flows = [
        "it_kw",
        "cooling_kw",
        "curtailed_kw",
        "battery_charge_kw",
        "battery_discharge_kw",
        "grid_import_kw",
        "grid_export_kw",
        "busy_nodes",
    ]
    for col in flows:
        neg = steps[col].to_numpy() < -KW_TOL
        if neg.any():
            out.append(f"{col} negative {_where(neg)}")
    over = (steps["curtailed_kw"] > steps["pv_kw"] + steps["wind_kw"] + KW_TOL).to_numpy()
    if over.any():
        out.append(f"curtailment above the renewable output {_where(over)}")
    return out


def busy_from_runs(
    runs: pd.DataFrame, node_kw: dict[str, float], times: pd.DatetimeIndex, step_h: float, idle_kw: float
) -> tuple[np.ndarray, np.ndarray]:
    """Busy nodes and the power they add over idle at each step, from the run intervals (time-averaged)."""
    t0 = times[0]
    n = len(times)
    busy = np.zeros(n)
    extra_kw = np.zeros(n)
    step = pd.Timedelta(hours=step_h)
    begins = ((pd.to_datetime(runs["start"], utc=True) - t0) / step).to_numpy(dtype=float)
    ends = ((pd.to_datetime(runs["end"], utc=True) - t0) / step).to_numpy(dtype=float)
    nodes = runs["nodes"].to_numpy(dtype=float)
    kws = np.array([node_kw[str(job_id)] - idle_kw for job_id in runs["job_id"]], dtype=float)
    for a, b, width, kw in zip(begins, ends, nodes, kws, strict=True):
        for t in range(max(0, int(np.floor(a))), min(n, int(np.ceil(b)))):
            overlap = max(0.0, min(float(b), t + 1.0) - max(float(a), float(t)))
            busy[t] += width * overlap
            extra_kw[t] += width * kw * overlap
    return busy, extra_kw


def check_it_and_cooling(plan: Plan, data: ModelData, profile: xr.Dataset) -> list[str]:
    """IT power from the runs and firm load, cooling from the profile at the plan's setpoint, losses."""
    steps = plan.steps
    node_kw = {j.job_id: j.node_kw for j in data.preemptible}
    node_kw.update({job_id: g.node_kw for g in data.blocks for job_id in g.job_ids})
    unknown = set(plan.runs["job_id"]) - set(node_kw)
    if unknown:
        return [f"runs name jobs that are not plannable in the queue: {sorted(unknown)[:5]}"]
    busy, extra_kw = busy_from_runs(plan.runs, node_kw, data.times_utc, data.step_h, data.node_idle_kw)
    out = []
    if np.any(np.abs(busy - steps["busy_nodes"].to_numpy()) > 1e-4):
        out.append(
            f"busy_nodes differ from the run intervals "
            f"{_where(np.abs(busy - steps['busy_nodes'].to_numpy()) > 1e-4)}"
        )
    if np.any(busy > data.nodes + 1e-6):
        out.append(f"more than the site's {data.nodes} nodes busy {_where(busy > data.nodes + 1e-6)}")
    level = np.array([int(np.argmin(np.abs(data.levels_c - s))) for s in steps["setpoint_c"]])
    rows = np.arange(data.n_steps)
    it_nominal = data.firm_kw + data.node_idle_kw * data.nodes + extra_kw
    expect = {
        "it_kw": (1.0 + data.fan_uplift[level]) * it_nominal,
        "cooling_kw": data.cooling_kw_per_kw[rows, level] * it_nominal,
    }
    expect["facility_kw"] = expect["it_kw"] * (1.0 + data.loss_frac) + expect["cooling_kw"]
    for col, value in expect.items():
        bad = np.abs(steps[col].to_numpy() - value) > KW_TOL * np.maximum(1.0, np.abs(value))
        if bad.any():
            out.append(f"{col} differs from the runs, firm load and profile {_where(bad)}")
    mode = profile["cooling_mode"].transpose("time", "level").to_numpy()[rows, level]
    if np.any(steps["cooling_mode"].to_numpy() != mode):
        out.append("cooling_mode differs from the profile at the plan's setpoint")
    return out


def check_setpoints(
    steps: pd.DataFrame, levels_c: np.ndarray, max_change_c_per_h: float, steps_per_hour: int
) -> list[str]:
    """Every setpoint is an allowed level; setpoints less than an hour apart differ by at most the limit."""
    sp = steps["setpoint_c"].to_numpy(dtype=float)
    out = []
    if not np.all(np.isin(np.round(sp, 6), np.round(levels_c, 6))):
        out.append("setpoint not one of the site's levels")
    if not rate_feasible(sp, max_change_c_per_h, steps_per_hour):
        out.append(f"setpoint changes faster than {max_change_c_per_h:g} deg C per hour")
    return out


def check_limits(steps: pd.DataFrame, data: ModelData, strict: bool) -> list[str]:
    """Grid import and export within the connection limits."""
    out = []
    if strict and np.any(steps["grid_import_kw"].to_numpy() > data.import_limit_kw + KW_TOL):
        out.append(f"grid import above the {data.import_limit_kw:g} kW limit")
    if np.any(steps["grid_export_kw"].to_numpy() > data.export_limit_kw + KW_TOL):
        out.append(f"grid export above the {data.export_limit_kw:g} kW limit")
    return out


def check_battery(steps: pd.DataFrame, data: ModelData) -> list[str]:
    """Battery power and energy bounds, SOC dynamics, end state not below the start.

    soc_t = soc_{t-1} + (eta_c ch_t - dis_t / eta_d) dt.

    Source of the dynamics: the standard storage balance (PyPSA StorageUnit, REopt storage constraints).
    """
    ch = steps["battery_charge_kw"].to_numpy(dtype=float)
    dis = steps["battery_discharge_kw"].to_numpy(dtype=float)
    soc = steps["battery_soc_kwh"].to_numpy(dtype=float)
    bat = data.battery
    if bat is None:
        return (
            ["battery flows in a site without a battery"]
            if np.any(ch > KW_TOL) or np.any(dis > KW_TOL)
            else []
        )
    out = []
    if np.any(ch > bat.power_kw + KW_TOL) or np.any(dis > bat.power_kw + KW_TOL):
        out.append(f"battery power above {bat.power_kw:g} kW")
    if np.any(soc > bat.energy_kwh + KW_TOL) or np.any(soc < bat.soc_min_kwh - KW_TOL):
        out.append("battery state of charge outside its bounds")
    before = np.concatenate([[bat.soc0_kwh], soc[:-1]])
    expect = before + (bat.charge_eff * ch - dis / bat.discharge_eff) * data.step_h
    bad = np.abs(expect - soc) > KW_TOL
    if bad.any():
        out.append(f"battery state of charge does not follow its flows {_where(bad)}")
    if len(soc) and soc[-1] < bat.soc0_kwh - KW_TOL:
        out.append("battery ends below its starting state of charge")
    both = (ch > KW_TOL) & (dis > KW_TOL) & (steps["price_per_kwh"].to_numpy() < 0)
    if both.any():
        out.append(f"battery charges and discharges at once {_where(both)}")
    return out


def check_jobs(plan: Plan, jobs: Sequence[Job], data: ModelData, timezone: str) -> list[str]:
    """Each job runs inside its window and the horizon, non-preemptible ones once, none overlapping itself;
    on-time jobs finish by their deadline with all their work; late and unrun jobs carry a reason."""
    out: list[str] = []
    status = plan.job_status.set_index("job_id")
    ids = [job.job_id for job in jobs]
    if sorted(status.index) != sorted(ids):
        out.append("job status does not list every job of the queue exactly once")
        return out
    t0, end = data.times_utc[0], data.times_utc[0] + pd.Timedelta(hours=data.n_steps * data.step_h)
    by_job = {job_id: frame for job_id, frame in plan.runs.groupby("job_id")}
    for job in jobs:
        runs = by_job.get(job.job_id)
        row = status.loc[job.job_id]
        ran_h = 0.0
        if runs is not None:
            runs = runs.sort_values("start")
            starts, ends = pd.to_datetime(runs["start"], utc=True), pd.to_datetime(runs["end"], utc=True)
            earliest = t0 + pd.Timedelta(
                hours=release_step(to_utc(job.release, timezone), t0, data.step_h, data.n_steps) * data.step_h
            )
            if starts.min() < earliest - pd.Timedelta(seconds=1) or ends.max() > end + pd.Timedelta(
                seconds=1
            ):
                out.append(f"job {job.job_id}: runs outside its release and the horizon")
            if (starts.iloc[1:].to_numpy() < ends.iloc[:-1].to_numpy()).any():
                out.append(f"job {job.job_id}: run intervals overlap")
            if not job.preemptible and len(runs) > 1:
                out.append(f"job {job.job_id}: non-preemptible job runs in {len(runs)} pieces")
            if (runs["nodes"] != job.nodes).any():
                out.append(f"job {job.job_id}: runs on a node count other than its {job.nodes}")
            ran_h = float(((ends - starts) / pd.Timedelta(hours=1)).sum())
        resumed = max(0, 0 if runs is None else len(runs) - 1) if job.preemptible else 0
        need_h = job.duration_h + data.checkpoint_h * resumed
        if row["status"] == "on_time":
            finish = pd.to_datetime(row["finish"], utc=True)
            if ran_h < need_h - 1e-4 or finish > to_utc(job.deadline, timezone) + pd.Timedelta(
                seconds=1
            ):
                out.append(
                    f"job {job.job_id}: on time but ran {ran_h:.3f} of {need_h:g} h or "
                    f"finished after its deadline"
                )
        elif not str(row["reason"]):
            out.append(f"job {job.job_id}: {row['status']} without a reason")
        if row["lateness_h"] < -1e-9 or (row["status"] == "on_time" and row["lateness_h"] > 1e-6):
            out.append(f"job {job.job_id}: lateness {row['lateness_h']} does not fit its status")
    return out


def check_objective(plan: Plan, data: ModelData) -> list[str]:
    """Each objective term recomputed from the steps and job status equals the plan's and the solver's."""
    recomputed = objective_terms(plan.steps, plan.job_status, data.rates)
    out = []
    scale = max(1.0, abs(recomputed["total"]))
    for name, value in recomputed.items():
        if abs(plan.objective.get(name, np.nan) - value) > MONEY_RTOL * scale:
            out.append(f"objective {name}: plan says {plan.objective.get(name)}, steps give {value}")
    solver = plan.extra.get("solver_objective")
    if isinstance(solver, dict):
        for name, value in solver.items():
            if name in ("total", "demand_charge"):
                continue  # an incumbent's peak variable may sit above the highest import
            if abs(value - recomputed[name]) > 1e-5 * scale:
                out.append(f"objective {name}: solver {value}, steps give {recomputed[name]}")
        if recomputed["demand_charge"] > solver["demand_charge"] + 1e-5 * scale:
            out.append("demand charge from the steps above the solver's")
    return out
