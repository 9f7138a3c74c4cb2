"""The baseline plan, "today's practice", against which every optimised plan reports its savings.

Today's practice is an operating policy that uses everything the site has (docs/planning.md,
"The baseline"): jobs start at their release in release order as node capacity allows (first fit:
each job, in release order, takes the earliest step at which its nodes are free for its whole run;
every job runs contiguously, preemptible or not), the supply-air setpoint stays at the site's
baseline level, PV and wind serve the load first, the battery follows a standard rule
(``battery_rule``: it charges from renewable surplus and in the valley, discharges at the peak price
and to shave the peak import; it ends the day at its starting charge and never exports stored
energy), a surplus is exported where the grid allows it (and pays a non-negative price) or else
curtailed, and the grid supplies the rest. REopt computes the same kind of business-as-usual case
for every optimisation (NREL REopt, docs/sources.md).

Step conventions are the optimiser's (``greendc.optimizer.day.model.data``): a job may start at the first step
at or after its release; its deadline step counts the steps ending by the deadline, capped at the
horizon end; every job runs whole steps (its nodes held for the whole of its last step); a
non-preemptible job must end inside the horizon or is not run; a preemptible job's work left at the
horizon end is unplanned. Lateness is the time the run ends after the deadline, measured as the
objective measures it (``greendc.optimizer.day.lateness``), so the two plans compare like for like.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from greendc.optimizer.accounting import JOB_STATUS_COLUMNS, objective_terms
from greendc.optimizer.day.battery_rule import BatteryDispatch, battery_rule, idle_dispatch
from greendc.optimizer.day.lateness import finish_late_h
from greendc.optimizer.day.model.data import ModelData, PreemptibleJob, model_data, to_utc
from greendc.optimizer.day.model.objective import unfinished_weight
from greendc.optimizer.types import RUN_COLUMNS, STEP_COLUMNS, Job, Plan, PlanSettings, SolverInfo
from greendc.sites.model import Site

_EPS = 1e-9


@dataclass(frozen=True)
class Task:
    """One job as the baseline schedules it, in step units."""

    job_id: str
    nodes: int
    node_kw: float
    """Busy power per node. [kW]"""
    hours: float
    """Run time the job draws power for. [h]"""
    steps: int
    """Whole steps the job occupies its nodes. [-]"""
    release_step: int
    deadline_step: int
    penalty_per_h: float
    """Lateness penalty. [currency/h]"""
    preemptible: bool


@dataclass(frozen=True)
class Placement:
    """Where the baseline put a task: its start step and the run share of each step it occupies."""

    task: Task
    start: int
    """Start step, or -1 when not run. [-]"""
    shares: tuple[float, ...]
    """Share of each occupied step the job runs, from ``start`` on (the last one may be partial). [-]"""

    @property
    def run_hours(self) -> float:
        """Hours of work planned inside the horizon (before multiplying by the step length). [steps]"""
        return float(sum(self.shares))


def tasks_in_release_order(data: ModelData, jobs: Sequence[Job], timezone: str) -> list[Task]:
    """The plannable jobs as tasks, sorted by release time, then by their place in the queue."""
    order = {job.job_id: (to_utc(job.release, timezone), i) for i, job in enumerate(jobs)}
    tasks = [
        Task(j.job_id, j.nodes, j.node_kw, j.hours, max(1, math.ceil(j.hours / data.step_h - _EPS)),
             j.release_step, j.deadline_step, j.penalty_per_h, True)
        for j in data.preemptible
    ]
    for grp in data.blocks:
        tasks += [Task(job_id, grp.nodes, grp.node_kw, grp.steps * data.step_h, grp.steps, grp.release_step,
                       grp.deadline_step, grp.penalty_per_h, False) for job_id in grp.job_ids]
    return sorted(tasks, key=lambda task: order[task.job_id])


def first_fit(tasks: Sequence[Task], nodes: int, n_steps: int, step_h: float) -> list[Placement]:
    """Place each task, in order, at the earliest step from its release where its nodes are free.

    A non-preemptible task must end inside the horizon or is not run; a preemptible one may start
    late in the day and run until the horizon end, the rest of its work left unplanned.
    """
    free = np.full(n_steps, nodes, dtype=np.int64)
    placed = []
    for task in tasks:
        start = _earliest_start(free, task, n_steps)
        if start < 0:
            placed.append(Placement(task, -1, ()))
            continue
        shares = _shares(task, start, n_steps, step_h)
        free[start:start + len(shares)] -= task.nodes
        placed.append(Placement(task, start, shares))
    return placed


def _earliest_start(free: np.ndarray, task: Task, n_steps: int) -> int:
    """Earliest start step with the task's nodes free for its whole run (-1 if none)."""
    for start in range(task.release_step, n_steps):
        end = start + task.steps if not task.preemptible else min(start + task.steps, n_steps)
        if end > n_steps:
            return -1
        if (free[start:end] >= task.nodes).all():
            return start
    return -1


def _shares(task: Task, start: int, n_steps: int, step_h: float) -> tuple[float, ...]:
    """Run share of each step from ``start``: whole steps, as the model runs every job (its nodes held
    for the whole of a last step it needs only part of), cut at the horizon end for a preemptible job."""
    if not task.preemptible:
        return (1.0,) * task.steps
    return (1.0,) * (min(start + task.steps, n_steps) - start)


def lateness_h(p: Placement, n_steps: int, step_h: float) -> float:
    """Lateness hours as the objective counts them (optimizer/day/model/objective.py, ``job_lateness``).

    The time the job's run ends after its deadline step (``lateness.finish_late_h``); a preemptible job's
    work left at the horizon end adds its hours weighted by ``unfinished_weight``; a non-preemptible
    job not run counts (T - d + D) dt.
    """
    t, d = p.task, p.task.deadline_step
    if not t.preemptible:
        if p.start < 0:
            return (n_steps - d + t.steps) * step_h
        return max(0, p.start + t.steps - d) * step_h
    shares = np.zeros(n_steps)
    if p.start >= 0:
        shares[p.start:p.start + len(p.shares)] = p.shares
    unplanned = max(0.0, t.hours - p.run_hours * step_h)
    weight = unfinished_weight(_as_preemptible(t, n_steps), n_steps, step_h)
    return finish_late_h(shares, d, step_h) + unplanned * weight


def _as_preemptible(task: Task, n_steps: int) -> PreemptibleJob:
    """The model's preemptible-job record for a task (for ``unfinished_weight``)."""
    return PreemptibleJob(task.job_id, task.nodes, task.node_kw, task.hours, task.release_step,
                          task.deadline_step, task.penalty_per_h, n_steps)


def job_status_rows(placed: Sequence[Placement], times: pd.DatetimeIndex,
                    step_h: float) -> list[dict[str, Any]]:
    """One status row per placed task: on_time, late or not_run, the finish time and the reason."""
    n_steps = len(times)
    rows = []
    step = pd.Timedelta(hours=step_h)
    for p in placed:
        late = lateness_h(p, n_steps, step_h)
        unplanned = p.task.hours - p.run_hours * step_h
        finish = pd.NaT if p.start < 0 else times[p.start] + step * (len(p.shares) - 1 + p.shares[-1])
        if p.start < 0:
            status, reason = "not_run", "no free nodes for its whole run before the horizon end"
        elif unplanned > 1e-6:
            status, reason = "late", f"{unplanned:.2f} h of work left at the horizon end"
        elif late > 1e-9:
            queued = p.start > p.task.release_step
            status = "late"
            reason = "nodes busy with earlier-released jobs" if queued else "run time longer than its window"
        else:
            status, reason = "on_time", ""
        rows.append({"job_id": p.task.job_id, "status": status, "finish": finish, "lateness_h": late,
                     "penalty_per_h": p.task.penalty_per_h, "reason": reason})
    return rows


def job_status_table(placed: Sequence[Placement], data: ModelData) -> pd.DataFrame:
    """Job status of every job in the queue: placed tasks and the jobs the horizon cannot hold."""
    rows = job_status_rows(placed, data.times_utc, data.step_h)
    rows += [{"job_id": u.job.job_id, "status": "not_run", "finish": pd.NaT, "lateness_h": 0.0,
              "penalty_per_h": u.penalty_per_h, "reason": u.reason} for u in data.unplannable]
    frame = pd.DataFrame(rows, columns=list(JOB_STATUS_COLUMNS))
    frame["finish"] = pd.to_datetime(frame["finish"], utc=True)
    return frame


def run_intervals(placed: Sequence[Placement], times: pd.DatetimeIndex, step_h: float) -> pd.DataFrame:
    """jobs.csv rows: one contiguous interval per job that runs. [-]"""
    step = pd.Timedelta(hours=step_h)
    rows = [{"job_id": p.task.job_id, "start": times[p.start],
             "end": times[p.start] + step * (len(p.shares) - 1 + p.shares[-1]), "nodes": p.task.nodes}
            for p in placed if p.start >= 0]
    frame = pd.DataFrame(rows, columns=list(RUN_COLUMNS))
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.sort_values(["start", "job_id"], kind="stable").reset_index(drop=True)


def busy_and_extra_kw(placed: Sequence[Placement], n_steps: int,
                      idle_kw: float) -> tuple[np.ndarray, np.ndarray]:
    """Busy nodes at each step and the power they add over idle: sum a_j x_jt, sum a_j (p_j - P_idle) x_jt."""
    busy = np.zeros(n_steps)
    extra_kw = np.zeros(n_steps)
    for p in placed:
        if p.start < 0:
            continue
        share = np.asarray(p.shares)
        span = slice(p.start, p.start + len(share))
        busy[span] += p.task.nodes * share
        extra_kw[span] += p.task.nodes * (p.task.node_kw - idle_kw) * share
    return busy, extra_kw


def grid_exchange_kw(facility_kw: np.ndarray, renewable_kw: np.ndarray, export_limit_kw: float,
                     export_price: np.ndarray, charge_kw: np.ndarray | None = None,
                     discharge_kw: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Import, export and curtailment when renewables and the battery serve the load first. [kW]

    net = facility + charge - discharge - renewable; import = max(0, net); a surplus is exported up to
    the limit where the export price is not negative, the rest curtailed; balance: facility + charge +
    export = import + renewable - curtail + discharge. ``battery_rule`` never discharges more than the
    net load, so a surplus is renewable energy only (stored energy is never exported).
    """
    net = facility_kw - renewable_kw
    if charge_kw is not None:
        net = net + charge_kw
    if discharge_kw is not None:
        net = net - discharge_kw
    grid_import = np.maximum(net, 0.0)
    surplus = np.maximum(-net, 0.0)
    export = np.where(export_price >= 0, np.minimum(surplus, export_limit_kw), 0.0)
    return grid_import, export, surplus - export


def baseline_load(data: ModelData, placed: Sequence[Placement],
                  level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Busy nodes, IT, cooling and facility power of the placed jobs at setpoint level ``level``. [-, kW]"""
    busy, extra_kw = busy_and_extra_kw(placed, data.n_steps, data.node_idle_kw)
    it_nominal = data.firm_kw + data.node_idle_kw * data.nodes + extra_kw
    it_kw = (1.0 + data.fan_uplift[level]) * it_nominal
    cooling_kw = data.cooling_kw_per_kw[:, level] * it_nominal
    return busy, it_kw, cooling_kw, it_kw * (1.0 + data.loss_frac) + cooling_kw


def baseline_steps(profile: xr.Dataset, data: ModelData, placed: Sequence[Placement], level: int,
                   battery: str = "rule") -> pd.DataFrame:
    """The steps table (STEP_COLUMNS) of the baseline at setpoint level ``level``.

    ``battery``: "rule" runs the standard rule (``battery_rule``) when it pays on the day, "idle" keeps
    the battery at its initial charge.
    """
    busy, it_kw, cooling_kw, facility_kw = baseline_load(data, placed, level)
    mode = profile["cooling_mode"].transpose("time", "level").to_numpy()[:, level]
    load = (it_kw, cooling_kw, facility_kw, busy, mode, float(data.levels_c[level]))
    steps = _steps_frame(data, profile, load, idle_dispatch(data.n_steps, data.battery))
    if battery == "rule" and data.battery is not None and data.n_steps:
        net = facility_kw - data.pv_kw - data.wind_kw
        shave = data.rates.demand_charge_per_kw_horizon > 0
        dispatch = battery_rule(net, data.price, data.export_price, data.battery, data.step_h, shave=shave,
                                import_limit_kw=data.import_limit_kw)
        ruled = _steps_frame(data, profile, load, dispatch)
        if _energy_cost(ruled, data) <= _energy_cost(steps, data) + 1e-9:
            steps = ruled
    return steps


def _energy_cost(steps: pd.DataFrame, data: ModelData) -> float:
    """What the grid costs a baseline: energy + demand - export + carbon (lateness is the same). [currency]"""
    empty = pd.DataFrame(columns=list(JOB_STATUS_COLUMNS))
    terms = objective_terms(steps, empty, data.rates)
    return terms["total"] - terms["lateness_penalty"]


def _steps_frame(data: ModelData, profile: xr.Dataset, load: tuple[np.ndarray, ...],
                 dispatch: BatteryDispatch) -> pd.DataFrame:
    """STEP_COLUMNS from the load (IT, cooling, facility kW, busy nodes, cooling mode, setpoint deg C),
    the battery's dispatch and the grid exchange they leave."""
    it_kw, cooling_kw, facility_kw, busy, mode, setpoint_c = load
    grid_import, export, curtailed = grid_exchange_kw(facility_kw, data.pv_kw + data.wind_kw,
                                                      data.export_limit_kw, data.export_price,
                                                      dispatch.charge_kw, dispatch.discharge_kw)
    steps = pd.DataFrame({
        "time": data.times_utc, "it_kw": it_kw, "cooling_kw": cooling_kw, "facility_kw": facility_kw,
        "setpoint_c": np.full(data.n_steps, setpoint_c), "cooling_mode": mode.astype(int),
        "temp_air_c": profile["temp_air_c"].to_numpy(),
        "temp_wet_bulb_c": profile["temp_wet_bulb_c"].to_numpy(),
        "pv_kw": data.pv_kw, "wind_kw": data.wind_kw, "curtailed_kw": curtailed,
        "battery_charge_kw": dispatch.charge_kw, "battery_discharge_kw": dispatch.discharge_kw,
        "battery_soc_kwh": dispatch.soc_kwh,
        "grid_import_kw": grid_import, "grid_export_kw": export, "price_per_kwh": data.price,
        "export_price_per_kwh": data.export_price, "carbon_kg_per_kwh": data.carbon, "busy_nodes": busy,
    })
    return steps[list(STEP_COLUMNS)]


def baseline_level(site: Site, levels_c: np.ndarray) -> int:
    """Index of the site's baseline setpoint among the profile's levels."""
    matches = np.flatnonzero(np.isclose(levels_c, site.cooling.baseline_c))
    if not len(matches):
        raise ValueError(f"baseline setpoint {site.cooling.baseline_c:g} deg C is not a profile level")
    return int(matches[0])


def baseline_job_load(profile: xr.Dataset, site: Site, jobs: Sequence[Job],
                      data: ModelData) -> tuple[np.ndarray, int]:
    """The power today's practice's jobs add over idle nodes at each step, and its setpoint level. [kW, -]"""
    timezone = str(profile.attrs.get("timezone", site.site.timezone))
    placed = first_fit(tasks_in_release_order(data, jobs, timezone), data.nodes, data.n_steps, data.step_h)
    return busy_and_extra_kw(placed, data.n_steps, data.node_idle_kw)[1], baseline_level(site, data.levels_c)


def baseline_plan(profile: xr.Dataset, site: Site, jobs: Sequence[Job], settings: PlanSettings, *,
                  data: ModelData | None = None, battery: str = "rule") -> Plan:
    """Today's practice for the profile's horizon: first-fit jobs, fixed setpoint, the battery's rule.

    ``data`` is ``model_data(profile, site, jobs, settings)`` when the caller has built it already;
    ``battery="idle"`` keeps the battery at its initial charge (the rule's yardstick).
    """
    start = time.perf_counter()
    data = data if data is not None else model_data(profile, site, jobs, settings)
    timezone = str(profile.attrs.get("timezone", site.site.timezone))
    placed = first_fit(tasks_in_release_order(data, jobs, timezone), data.nodes, data.n_steps, data.step_h)
    steps = baseline_steps(profile, data, placed, baseline_level(site, data.levels_c), battery)
    status = job_status_table(placed, data)
    warnings = []
    over = steps["grid_import_kw"] > data.import_limit_kw + 1e-6
    if over.any():
        warnings.append(f"baseline import exceeds the {data.import_limit_kw:g} kW limit "
                        f"at {int(over.sum())} steps")
    return Plan(
        steps=steps,
        runs=run_intervals(placed, data.times_utc, data.step_h),
        job_status=status,
        objective=objective_terms(steps, status, data.rates),
        solver=SolverInfo(status="baseline", gap=None, build_s=0.0, solve_s=time.perf_counter() - start),
        rates=data.rates,
        kind="baseline",
        warnings=warnings,
    )
