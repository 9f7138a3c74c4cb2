"""An independent check of every plan before it is written: physics, schedule, limits and money.

It uses only the plan's own tables, the site profile, the site, the settings and the job queue, never
the model nor its input stage (``optimizer/day/model``): the steps come from the steps table's times,
each job's release and deadline are placed on those steps here (by searching the step boundaries, not
by the model's step arithmetic), IT power is rebuilt from the run intervals, cooling from the profile's
coefficients at the plan's setpoint, and each objective term from ``greendc.optimizer.accounting``. A
step-mapping bug in the model therefore shows as a run outside its job's window. A plan that fails is
a bug, so the error lists every failed fact with the step or job where it fails.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from greendc.optimizer.accounting import Rates, objective_terms
from greendc.optimizer.day.verify_facts import (
    TIME_TOL,
    Facts,
    check_times,
    job_time_utc,
    plan_horizon,
    read_facts,
)
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
    steps = plan.steps
    n_profile = profile.sizes["time"]
    if len(steps) != n_profile:
        raise PlanVerificationError(f"plan has {len(steps)} steps, the profile {n_profile}")
    if len(steps) == 0:
        return
    horizon = plan_horizon(steps, float(profile.attrs.get("step_minutes", settings.step_minutes)))
    facts = read_facts(horizon, profile, site, jobs, settings)
    failures = check_times(horizon, profile)
    failures += check_energy_balance(steps)
    failures += check_it_and_cooling(plan, facts)
    failures += check_setpoints(steps, facts.levels_c, facts.max_change_c_per_h, horizon.step_h)
    failures += check_limits(steps, facts, strict_limits)
    failures += check_battery(steps, facts)
    failures += check_jobs(plan, jobs, facts)
    failures += check_storage_export(steps, facts)
    if plan.kind == "optimised":  # today's practice runs each job once, ending when its work is done
        failures += check_executable_runs(plan, jobs, facts)
    failures += check_objective(plan, facts.rates)
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


def check_it_and_cooling(plan: Plan, facts: Facts) -> list[str]:
    """IT power from the runs and firm load, cooling from the profile at the plan's setpoint, losses."""
    steps = plan.steps
    unknown = set(plan.runs["job_id"].astype(str)) - set(facts.node_kw)
    if unknown:
        return [f"runs name jobs that are not in the queue: {sorted(unknown)[:5]}"]
    horizon = facts.horizon
    busy, extra_kw = busy_from_runs(
        plan.runs, facts.node_kw, horizon.starts_utc, horizon.step_h, facts.node_idle_kw
    )
    out = []
    if np.any(np.abs(busy - steps["busy_nodes"].to_numpy()) > 1e-4):
        out.append(
            f"busy_nodes differ from the run intervals "
            f"{_where(np.abs(busy - steps['busy_nodes'].to_numpy()) > 1e-4)}"
        )
    if np.any(busy > facts.nodes + 1e-6):
        out.append(f"more than the site's {facts.nodes} nodes busy {_where(busy > facts.nodes + 1e-6)}")
    level = np.array([int(np.argmin(np.abs(facts.levels_c - s))) for s in steps["setpoint_c"]])
    rows = np.arange(horizon.n_steps)
    it_nominal = facts.firm_kw + facts.node_idle_kw * facts.nodes + extra_kw
    expect = {
        "it_kw": (1.0 + facts.fan_uplift[level]) * it_nominal,
        "cooling_kw": facts.cooling_kw_per_kw[rows, level] * it_nominal,
    }
    expect["facility_kw"] = expect["it_kw"] * (1.0 + facts.loss_frac) + expect["cooling_kw"]
    for col, value in expect.items():
        bad = np.abs(steps[col].to_numpy() - value) > KW_TOL * np.maximum(1.0, np.abs(value))
        if bad.any():
            out.append(f"{col} differs from the runs, firm load and profile {_where(bad)}")
    if np.any(steps["cooling_mode"].to_numpy() != facts.cooling_mode[rows, level]):
        out.append("cooling_mode differs from the profile at the plan's setpoint")
    return out


def check_setpoints(
    steps: pd.DataFrame, levels_c: np.ndarray, max_change_c_per_h: float, step_h: float
) -> list[str]:
    """Every setpoint is an allowed level; setpoints less than an hour apart differ by at most the limit."""
    sp = steps["setpoint_c"].to_numpy(dtype=float)
    out = []
    if not np.all(np.isin(np.round(sp, 6), np.round(levels_c, 6))):
        out.append("setpoint not one of the site's levels")
    if setpoint_swing_c(sp, max(1, round(1.0 / step_h))) > max_change_c_per_h + 1e-9:
        out.append(f"setpoint changes faster than {max_change_c_per_h:g} deg C per hour")
    return out


def setpoint_swing_c(setpoints_c: np.ndarray, steps_per_hour: int) -> float:
    """Largest setpoint difference between steps at most an hour apart. [deg C]

    Two steps at most h steps apart lie together in some window of h + 1 consecutive steps, and any
    two steps in such a window are at most h apart: the largest swing is the largest window's range.
    """
    if len(setpoints_c) < 2:
        return 0.0
    windows = np.lib.stride_tricks.sliding_window_view(setpoints_c, min(len(setpoints_c), steps_per_hour + 1))
    return float(np.ptp(windows, axis=1).max())


def check_limits(steps: pd.DataFrame, facts: Facts, strict: bool) -> list[str]:
    """Grid import and export within the connection limits."""
    out = []
    if strict and np.any(steps["grid_import_kw"].to_numpy() > facts.import_limit_kw + KW_TOL):
        out.append(f"grid import above the {facts.import_limit_kw:g} kW limit")
    if np.any(steps["grid_export_kw"].to_numpy() > facts.export_limit_kw + KW_TOL):
        out.append(f"grid export above the {facts.export_limit_kw:g} kW limit")
    return out


def check_battery(steps: pd.DataFrame, facts: Facts) -> list[str]:
    """Battery power and energy bounds, SOC dynamics, end state not below the start.

    soc_t = soc_{t-1} + (eta_c ch_t - dis_t / eta_d) dt.

    Source of the dynamics: the standard storage balance (PyPSA StorageUnit, REopt storage constraints).
    """
    ch = steps["battery_charge_kw"].to_numpy(dtype=float)
    dis = steps["battery_discharge_kw"].to_numpy(dtype=float)
    soc = steps["battery_soc_kwh"].to_numpy(dtype=float)
    bat = facts.battery
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
    expect = before + (bat.charge_eff * ch - dis / bat.discharge_eff) * facts.horizon.step_h
    bad = np.abs(expect - soc) > KW_TOL
    if bad.any():
        out.append(f"battery state of charge does not follow its flows {_where(bad)}")
    if len(soc) and soc[-1] < bat.soc0_kwh - KW_TOL:
        out.append("battery ends below its starting state of charge")
    both = (ch > KW_TOL) & (dis > KW_TOL) & (steps["price_per_kwh"].to_numpy() < 0)
    if both.any():
        out.append(f"battery charges and discharges at once {_where(both)}")
    return out


def check_jobs(plan: Plan, jobs: Sequence[Job], facts: Facts) -> list[str]:
    """Each job runs inside its window and the horizon, non-preemptible ones once, none overlapping itself;
    on-time jobs finish by their deadline with all their work; late and unrun jobs carry a reason."""
    status = plan.job_status.set_index("job_id")
    if sorted(status.index) != sorted(job.job_id for job in jobs):
        return ["job status does not list every job of the queue exactly once"]
    by_job = {str(job_id): frame for job_id, frame in plan.runs.groupby("job_id")}
    out: list[str] = []
    for job in jobs:
        out += check_job(job, by_job.get(job.job_id), status.loc[job.job_id], facts)
    return out


def check_job(job: Job, runs: pd.DataFrame | None, row: pd.Series, facts: Facts) -> list[str]:
    """One job's runs against its window (release and deadline placed on the plan's steps) and status."""
    horizon = facts.horizon
    out: list[str] = []
    ran_h = 0.0
    ends = pd.Series(dtype="datetime64[ns, UTC]")
    if runs is not None:
        runs = runs.sort_values("start")
        starts, ends = pd.to_datetime(runs["start"], utc=True), pd.to_datetime(runs["end"], utc=True)
        earliest = horizon.earliest_start(job_time_utc(job.release, facts.timezone))
        if starts.min() < earliest - TIME_TOL:
            out.append(f"job {job.job_id}: runs before its release step (from {earliest})")
        if ends.max() > horizon.end_utc + TIME_TOL:
            out.append(f"job {job.job_id}: runs past the horizon end")
        if (starts.iloc[1:].to_numpy() < ends.iloc[:-1].to_numpy()).any():
            out.append(f"job {job.job_id}: run intervals overlap")
        if not job.preemptible and len(runs) > 1:
            out.append(f"job {job.job_id}: non-preemptible job runs in {len(runs)} pieces")
        if (runs["nodes"] != job.nodes).any():
            out.append(f"job {job.job_id}: runs on a node count other than its {job.nodes}")
        ran_h = float(((ends - starts) / pd.Timedelta(hours=1)).sum())
    resumed = max(0, 0 if runs is None else len(runs) - 1) if job.preemptible else 0
    need_h = job.duration_h + facts.checkpoint_h * resumed
    if row["status"] == "on_time":
        deadline = job_time_utc(job.deadline, facts.timezone) + TIME_TOL
        finish = pd.to_datetime(row["finish"], utc=True)
        if ran_h < need_h - 1e-4 or finish > deadline or (len(ends) and ends.max() > deadline):
            out.append(
                f"job {job.job_id}: on time but ran {ran_h:.3f} of {need_h:g} h "
                "or finished after its deadline"
            )
    elif not str(row["reason"]):
        out.append(f"job {job.job_id}: {row['status']} without a reason")
    if row["lateness_h"] < -1e-9 or (row["status"] == "on_time" and row["lateness_h"] > 1e-6):
        out.append(f"job {job.job_id}: lateness {row['lateness_h']} does not fit its status")
    return out


def check_storage_export(steps: pd.DataFrame, facts: Facts) -> list[str]:
    """Without storage export (one meter), no step exports more than its PV and wind surplus over the load."""
    if facts.storage_export or not facts.one_meter:
        return []
    renewable = steps["pv_kw"] + steps["wind_kw"] - steps["curtailed_kw"]
    surplus = (renewable - steps["facility_kw"]).clip(lower=0.0)
    bad = (steps["grid_export_kw"] > surplus + KW_TOL).to_numpy()
    if not bad.any():
        return []
    return [f"exports more than the PV and wind surplus (storage export is off) {_where(bad)}"]


def check_executable_runs(plan: Plan, jobs: Sequence[Job], facts: Facts) -> list[str]:
    """Every run starts and ends on a step boundary; no preemptible run is shorter than the site's
    minimum run length, unless the job's whole run time is shorter (then it runs in one piece)."""
    runs = plan.runs
    if runs.empty:
        return []
    horizon = facts.horizon
    out: list[str] = []
    for column in ("start", "end"):
        offset = (pd.to_datetime(runs[column], utc=True) - horizon.starts_utc[0]) / horizon.step
        off = np.abs(offset.to_numpy(dtype=float) - np.round(offset.to_numpy(dtype=float))) > 1e-6
        if off.any():
            named = sorted(set(runs.loc[off, "job_id"].astype(str)))[:5]
            out.append(f"runs {column} between step boundaries: {named}")
    hours = {job.job_id: job.duration_h for job in jobs if job.preemptible}
    length_h = ((pd.to_datetime(runs["end"], utc=True) - pd.to_datetime(runs["start"], utc=True))
                / pd.Timedelta(hours=1)).to_numpy(dtype=float)
    for job_id, run_h in zip(runs["job_id"].astype(str), length_h, strict=True):
        if job_id in hours and run_h < min(facts.min_run_h, hours[job_id]) - 1e-6:
            out.append(f"job {job_id}: a run of {run_h * 60:.0f} min, shorter than the minimum "
                       f"{facts.min_run_h * 60:.0f} min")
    return out


def check_objective(plan: Plan, rates: Rates) -> list[str]:
    """Each objective term recomputed from the steps and job status equals the plan's and the solver's."""
    recomputed = objective_terms(plan.steps, plan.job_status, rates)
    out = []
    scale = max(1.0, abs(recomputed["total"]))
    for name, value in recomputed.items():
        if abs(plan.objective.get(name, np.nan) - value) > MONEY_RTOL * scale:
            out.append(f"objective {name}: plan says {plan.objective.get(name)}, steps give {value}")
    if plan.solver_objective is not None:
        for name, value in plan.solver_objective.items():
            if name in ("total", "demand_charge"):
                continue  # an incumbent's peak variable may sit above the highest import
            if abs(value - recomputed[name]) > 1e-5 * scale:
                out.append(f"objective {name}: solver {value}, steps give {recomputed[name]}")
        if recomputed["demand_charge"] > plan.solver_objective["demand_charge"] + 1e-5 * scale:
            out.append("demand charge from the steps above the solver's")
    return out
