r"""The daily fidelity: the daily planning MILP run over the year on a rolling horizon, settled on actuals.

For a site and scenario whose sizes are fixed (the aggregate fidelity's optimum), each day is planned
with ``greendc.optimizer.day.plan.make_plan`` on hourly steps and only that day is committed:

* **Work.** The aggregate LP's flexibility windows (``greendc.optimizer.study.work``) become one preemptible
  job per window open that day, carrying the work earlier days left; the rigid training share is
  firm load. The horizon reaches the end of every window open on the day (48 h on the first day of
  a 48 h window), so every deadline lies inside a horizon that can meet it.
* **Demand charge.** The month-to-date peak import P0 is carried: the plan's peak variable is
  bounded below by P0 and charged the full monthly rate, so a day pays only for raising the peak
  (dc x (peak - P0) plus a constant); the charge is settled on each month's actual peak.
* **Battery.** The state of charge is carried from day to day. The planning model's own rule
  (a plan ends no lower than it started) would ratchet the state up across days (energy stored on
  a windy day could never serve the next calm one), so each horizon instead ends at or above a
  guide: the month's mean state at local midnight in the aggregate optimum (a seasonal guide
  curve, as in storage scheduling with water values; it holds no day-specific foresight).
* **Forecasts.** With a forecast error, each day is planned on a seeded forecast
  (``greendc.sites.forecast``) and settled on the actual profile by :func:`settle`: the IT
  schedule, setpoints and battery flows of the plan are kept, cooling is recomputed from the actual
  weather, and the grid (then curtailment) balances the difference.

The year is cut into calendar months, simulated independently (in parallel on Dask by the compare
workflow): each month starts with no month-to-date peak, the battery at the aggregate optimum's
state of charge at that boundary, and windows crossing the boundary split pro rata
(``daily_work.split_at``); each month's last plan must end at or above the next month's starting
state, and any surplus is reported (``boundary_surplus_kwh``).

Each day is solved by the plan service's solve path (``greendc.optimizer.day.service.solve_rolling_day``,
``make_plan`` with the day's model additions), without its plan verification, whose battery check is
the "end no lower than the start" rule replaced above, and without the re-plan with full late windows
(every window's deadline lies inside the horizon); the settled year's balances are checked by
tests/optimizer/study/test_rolling.py instead.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr
from greendc.optimizer.day.plan import Extra
from greendc.optimizer.day.service import solve_rolling_day
from greendc.optimizer.study.daily_inputs import (
    DailyCase,
    busy_node_cap,
    daily_site,
    job_power,
    midnight_guide_kwh,
    plan_hook,
    planning_unit,
    scaled_profile,
    start_soc_kwh,
    unit_slice,
)
from greendc.optimizer.study.problem import CoolingChoice, YearProblem, YearResult
from greendc.optimizer.study.settle import commit
from greendc.optimizer.study.site_problem import choice_at_levels
from greendc.optimizer.study.work import (
    FlexWindow,
    day_jobs,
    done_kwh,
    flex_windows,
    open_windows,
    split_at,
)
from greendc.optimizer.types import Job, Plan, PlanSettings
from greendc.sites.model import Site

#: A window's shortfall below UNMET_RTOL x its energy + UNMET_KWH is the rounding of run shares
#: to 0 or 1 within 1e-6 (greendc.optimizer.day.model.results), not unmet work. [-, kWh]
UNMET_RTOL = 1e-5
UNMET_KWH = 0.1


@dataclass
class ChunkResult:
    """A simulated chunk [first, last) of the year: settled series and what the daily solves did."""

    first: int
    last: int
    series: dict[str, np.ndarray]
    """import_kw, export_kw, renewable_kw, curtailed_kw, charge_kw, discharge_kw, soc_kwh,
    flexible_kw, it_kw (nominal), facility_kw, level. [kW, kWh, -]"""
    done_kwh: dict[str, float]
    """Energy each window (piece) ran. [kWh]"""
    window_energy_kwh: dict[str, float]
    """Energy each window (piece) had to run. [kWh]"""
    statuses: Counter[str] = field(default_factory=Counter)
    """Solver status of each day's plan. [-]"""
    max_gap: float = 0.0
    """Largest relative MIP gap of a day's plan. [-]"""
    build_s: float = 0.0
    solve_s: float = 0.0
    wall_s: float = 0.0
    boundary_surplus_kwh: float = 0.0
    """Battery energy at the chunk end above the next chunk's starting state. [kWh]"""
    plan_cost: float = 0.0
    """Sum of the committed days' costs as planned (on the forecast). [currency]"""


# --- inputs: the daily site, its work and the horizon's profile --------------------------------------


def month_chunks(problem: YearProblem) -> list[tuple[int, int]]:
    """Runs of steps in the same local calendar month: the independently simulated chunks. [-]"""
    month = np.asarray(problem.month)
    cuts = [0, *(np.flatnonzero(np.diff(month)) + 1).tolist(), len(month)]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def horizon_end(windows: Sequence[FlexWindow], day_first: int, day_last: int, chunk_last: int) -> int:
    """End step of a day's horizon: the day's end or the latest end of a window open that day. [-]"""
    ends = [w.end for w in open_windows(windows, day_first, day_last)]
    return min(max([day_last, *ends]), chunk_last)


def plan_day(
    profile: xr.Dataset, site: Site, jobs: Sequence[Job], settings: PlanSettings, extra: Extra
) -> Plan:
    """One rolling day's plan through the plan service's solve path (the baseline if no solution)."""
    return solve_rolling_day(profile, site, jobs, settings, extra)


# --- the rolling horizon over one chunk ----------------------------------------------------------------


def run_chunk(case: DailyCase, first: int, last: int) -> ChunkResult:
    """Plan each day of [first, last) on its horizon, commit the day, settle it, carry the state."""
    t_wall = time.perf_counter()
    p = case.problem
    dt = p.step_h
    site_d = daily_site(case.site, case.it_scale, case.sizes, p)
    power = job_power(site_d, p)
    cap = busy_node_cap(p, power)
    cuts = [a for a, _ in month_chunks(p)]
    windows = open_windows(split_at(flex_windows(p), cuts), first, last)
    remaining = {w.job_id: w.energy_kwh for w in windows}
    n = last - first
    names = (
        "import_kw",
        "export_kw",
        "renewable_kw",
        "curtailed_kw",
        "charge_kw",
        "discharge_kw",
        "soc_kwh",
        "flexible_kw",
        "it_kw",
        "facility_kw",
        "level",
    )
    series = {name: np.zeros(n) for name in names}
    result = ChunkResult(first, last, series, {}, {w.job_id: w.energy_kwh for w in windows})
    soc = start_soc_kwh(case, first)
    target = start_soc_kwh(case, last % p.steps) if site_d.battery is not None else None
    guide = midnight_guide_kwh(case, first, last)
    peak = 0.0
    times = pd.DatetimeIndex(case.unit_profile["time"].to_numpy()).tz_localize("UTC")
    per_day = max(round(24.0 / dt), 1)
    for d0 in range(first, last, per_day):
        d1 = min(d0 + per_day, last)
        h1 = horizon_end(windows, d0, d1, last)
        actual = unit_slice(case, d0, h1)
        planned = planning_unit(case, actual, d0 // per_day)
        profile = scaled_profile(planned, case, d0, site_d)
        site_day = site_d
        if site_d.battery is not None:
            frac = float(np.clip(soc / site_d.battery.energy_kwh, site_d.battery.min_soc_frac, 1.0))
            site_day = site_d.model_copy(
                update={"battery": site_d.battery.model_copy(update={"initial_soc_frac": frac})}
            )
        floor = None
        if site_d.battery is not None:
            end_state = target if h1 == last and target is not None else guide
            reach = soc + site_d.battery.power_kw * site_d.battery.charge_efficiency * (h1 - d0) * dt
            floor = min(end_state, reach, site_d.battery.energy_kwh)
        jobs = day_jobs(windows, remaining, d0, h1, times, dt, power)
        settings = PlanSettings(
            step_minutes=round(dt * 60),
            horizon_h=(h1 - d0) * dt,
            carbon_price_per_t=case.carbon_price_per_t,
            time_limit_s=case.time_limit_s,
            rel_gap=1e-4,
            simultaneous_import_export=True,
            fluid_work=True,
        )
        plan = plan_day(profile, site_day, jobs, settings, plan_hook(peak, cap, floor))
        _record_solver(result, plan)
        k = d1 - d0
        done = done_kwh(plan, times[d0], times[0] + pd.Timedelta(hours=d1 * dt), power)
        for job_id, kwh in done.items():
            remaining[job_id] = remaining.get(job_id, 0.0) - kwh
            result.done_kwh[job_id] = result.done_kwh.get(job_id, 0.0) + kwh
        day = commit(plan, profile, scaled_profile(actual, case, d0, site_d), k, power)
        for name, values in day.items():
            series[name][d0 - first : d1 - first] = values
        result.plan_cost += float(
            np.sum(plan.steps["grid_import_kw"].to_numpy()[:k] * profile["price_per_kwh"].to_numpy()[:k]) * dt
        )
        peak = max(peak, float(np.max(day["import_kw"])))
        soc = float(day["soc_kwh"][-1]) if site_d.battery is not None else 0.0
    if target is not None:
        result.boundary_surplus_kwh = soc - target
    result.wall_s = time.perf_counter() - t_wall
    return result


def _record_solver(result: ChunkResult, plan: Plan) -> None:
    """Add one day's solver facts to the chunk's."""
    result.statuses[plan.solver.status] += 1
    result.max_gap = max(result.max_gap, plan.solver.gap or 0.0)
    result.build_s += plan.solver.build_s
    result.solve_s += plan.solver.solve_s


# --- the year from its chunks -------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyYear:
    """The simulated year as the study's results stage takes it, and the daily run's own facts."""

    result: YearResult
    choice: CoolingChoice
    facts: dict[str, float]
    """daily_solves, daily_optimal, daily_fallbacks, daily_max_gap, daily_solve_s, daily_build_s,
    boundary_surplus_kwh, unmet_work_kwh, import_over_limit_h (settled imports above the grid
    connection, possible only under forecast error), plan_energy_cost. [-, s, kWh, h, currency]"""


def combine(case: DailyCase, chunks: Sequence[ChunkResult]) -> DailyYear:
    """Concatenate chunks (in year order) into a YearResult and the cooling levels actually used."""
    ordered = sorted(chunks, key=lambda c: c.first)
    series = {name: np.concatenate([c.series[name] for c in ordered]) for name in ordered[0].series}
    level = series.pop("level").astype(int)
    series.pop("curtailed_kw")
    p = case.problem
    peaks = np.zeros(12)
    np.maximum.at(peaks, p.month, series["import_kw"])
    choice = choice_at_levels(case.unit_profile, level)
    statuses: Counter[str] = sum((c.statuses for c in ordered), Counter())
    result = YearResult(
        status="optimal",
        objective=float("nan"),
        sizes=dict(case.sizes),
        series=series,
        peaks_kw=peaks,
        build_s=sum(c.build_s for c in ordered),
        solve_s=sum(c.solve_s for c in ordered),
    )
    unmet = sum(
        shortfall
        for c in ordered
        for j, energy in c.window_energy_kwh.items()
        if (shortfall := energy - c.done_kwh.get(j, 0.0)) > UNMET_RTOL * energy + UNMET_KWH
    )
    facts = {
        "daily_solves": float(sum(statuses.values())),
        "daily_optimal": float(statuses.get("optimal", 0)),
        "daily_fallbacks": float(statuses.get("fallback", 0)),
        "daily_max_gap": max(c.max_gap for c in ordered),
        "daily_solve_s": result.solve_s,
        "daily_build_s": result.build_s,
        "boundary_surplus_kwh": float(sum(c.boundary_surplus_kwh for c in ordered)),
        "unmet_work_kwh": float(unmet),
        "import_over_limit_h": float(np.sum(series["import_kw"] > p.import_limit_kw + 1e-6) * p.step_h),
        "plan_energy_cost": float(sum(c.plan_cost for c in ordered)),
    }
    return DailyYear(result, choice, facts)


def simulate(case: DailyCase) -> DailyYear:
    """The whole horizon, chunk after chunk in this process (the workflow runs chunks on Dask)."""
    return combine(case, [run_chunk(case, a, b) for a, b in month_chunks(case.problem)])
