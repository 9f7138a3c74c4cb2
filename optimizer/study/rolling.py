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
tests/test_rolling.py instead.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr
from greendc.optimizer.accounting import demand_share_of_month
from greendc.optimizer.day.model import ModelData
from greendc.optimizer.day.plan import Extra
from greendc.optimizer.day.service import solve_rolling_day
from greendc.optimizer.study.problem import CoolingChoice, YearProblem, YearResult
from greendc.optimizer.study.work import (
    FlexWindow,
    JobPower,
    day_jobs,
    done_kwh,
    flex_windows,
    open_windows,
    split_at,
)
from greendc.optimizer.types import Job, Plan, PlanSettings
from greendc.sites.forecast import forecast_profile
from greendc.sites.model import Battery, Site

#: A window's shortfall below UNMET_RTOL x its energy + UNMET_KWH is the rounding of run shares
#: to 0 or 1 within 1e-6 (greendc.optimizer.day.model.results), not unmet work. [-, kWh]
UNMET_RTOL = 1e-5
UNMET_KWH = 0.1
#: Lateness penalty per job hour as a multiple of the cost of running the job at the dearest hour.
PENALTY_MARGIN = 10.0


@dataclass(frozen=True)
class DailyCase:
    """Everything one chunk of the daily fidelity needs: the fixed sizes and the scenario's year."""

    site: Site
    """The study's site (its fleet, plant and grid). [-]"""
    unit_profile: xr.Dataset
    """The actual site profile with 1 kWp of PV and one turbine. [-]"""
    problem: YearProblem
    """The optimum's year problem: prices, carbon, limits, training, windows after the scenario. [-]"""
    sizes: dict[str, float]
    """Fixed sizes: pv_kw, wind_kw, battery_kwh, battery_kw. [kWp, kW, kWh, kW]"""
    boundary_soc_kwh: np.ndarray
    """Battery energy at the end of each step in the aggregate optimum (chunk start states). [kWh]"""
    it_scale: float
    """Scale of the site's fleet to the scenario's IT size. [-]"""
    carbon_price_per_t: float
    """[currency/tCO2]"""
    wind_rated_kw: float
    """Rating of the unit profile's one turbine. [kW]"""
    forecast_error: float | None = None
    """Scale of the forecast error model, None for planning on actuals. [-]"""
    seed: int = 0
    """Seed of the forecast errors. [-]"""
    time_limit_s: float = 20.0
    """Wall-clock limit of each day's solve. [s]"""


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


def daily_site(site: Site, it_scale: float, sizes: dict[str, float], problem: YearProblem) -> Site:
    """The site as the daily model sees it: node power scaled to the scenario, the sized battery.

    PV and wind come through the profile (scaled by their sizes), so the site keeps none of its own.
    """
    it = site.it.model_copy(
        update={
            "node_busy_kw": site.it.node_busy_kw * it_scale,
            "node_idle_kw": site.it.node_idle_kw * it_scale,
        }
    )
    battery = None
    if sizes["battery_kwh"] > 0 and sizes["battery_kw"] > 0:
        battery = Battery(
            energy_kwh=sizes["battery_kwh"],
            power_kw=sizes["battery_kw"],
            charge_efficiency=problem.charge_efficiency,
            discharge_efficiency=problem.discharge_efficiency,
            initial_soc_frac=1.0,
            min_soc_frac=problem.min_soc_frac,
        )
    return site.model_copy(update={"it": it, "battery": battery, "pv": None, "wind": None})


def job_power(site_d: Site, problem: YearProblem) -> JobPower:
    """Aggregated jobs on all nodes; the penalty is PENALTY_MARGIN x the dearest job-hour's cost."""
    per_node = site_d.it.node_busy_kw - site_d.it.node_idle_kw
    dearest = float(np.max(problem.price_per_kwh + problem.carbon_price_per_kg * problem.carbon_kg_per_kwh))
    job_kw = site_d.it.nodes * site_d.it.node_busy_kw * float(np.max(problem.facility_kw_per_it_kw))
    return JobPower(site_d.it.nodes, per_node, PENALTY_MARGIN * max(dearest, 0.01) * job_kw)


def busy_node_cap(problem: YearProblem, power: JobPower) -> float:
    """Nodes flexible work may keep busy: the headroom above rigid training (annual.it_capacity). [-]"""
    headroom_kw = max(problem.training_capacity_kw - problem.rigid_training_kw, 0.0)
    return headroom_kw / power.kw_above_idle_per_node if power.kw_above_idle_per_node > 0 else 0.0


def month_chunks(problem: YearProblem) -> list[tuple[int, int]]:
    """Runs of steps in the same local calendar month: the independently simulated chunks. [-]"""
    month = np.asarray(problem.month)
    cuts = [0, *(np.flatnonzero(np.diff(month)) + 1).tolist(), len(month)]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def horizon_end(windows: Sequence[FlexWindow], day_first: int, day_last: int, chunk_last: int) -> int:
    """End step of a day's horizon: the day's end or the latest end of a window open that day. [-]"""
    ends = [w.end for w in open_windows(windows, day_first, day_last)]
    return min(max([day_last, *ends]), chunk_last)


def scaled_profile(unit: xr.Dataset, case: DailyCase, first: int, site_d: Site) -> xr.Dataset:
    """The daily model's profile from a unit-profile slice starting at year step ``first``.

    Prices, export prices and carbon come from the scenario's year problem; PV and wind scale by
    their sizes; firm load is the scaled firm load plus rigid training (idle nodes are the model's);
    the demand-charge attribute is set so that the horizon pays the full monthly rate on its peak
    (``accounting.demand_share_of_month`` would otherwise charge the horizon's share of the month).
    """
    p = case.problem
    sl = slice(first, first + unit.sizes["time"])
    idle_kw = site_d.it.nodes * site_d.it.node_idle_kw
    out = unit.copy()
    out["price_per_kwh"] = unit["price_per_kwh"].copy(data=p.price_per_kwh[sl])
    out["export_price_per_kwh"] = unit["export_price_per_kwh"].copy(data=p.export_price_per_kwh[sl])
    out["carbon_kg_per_kwh"] = unit["carbon_kg_per_kwh"].copy(data=p.carbon_kg_per_kwh[sl])
    out["pv_kw"] = unit["pv_kw"].copy(data=unit["pv_kw"].to_numpy() * case.sizes["pv_kw"])
    out["wind_kw"] = unit["wind_kw"].copy(
        data=unit["wind_kw"].to_numpy() / case.wind_rated_kw * case.sizes["wind_kw"]
    )
    out["firm_it_kw"] = unit["firm_it_kw"].copy(data=p.firm_it_kw[sl] - idle_kw + p.rigid_training_kw)
    times = pd.DatetimeIndex(unit["time"].to_numpy()).tz_localize("UTC")
    share = demand_share_of_month(times[0].tz_convert(str(unit.attrs["timezone"])), len(times) * p.step_h)
    out.attrs.update(
        demand_charge_per_kw_month=p.demand_charge_per_kw_month / share,
        import_limit_kw=float(p.import_limit_kw),
        export_limit_kw=float(p.export_limit_kw),
    )
    return out


def plan_hook(peak0_kw: float, busy_cap: float, soc_floor_kwh: float | None) -> Extra:
    """Model additions of a rolling day: month-to-date peak, training headroom, the battery's end state.

    With ``soc_floor_kwh`` the plan's "end no lower than the start" row is replaced by
    soc[T-1] >= floor; None keeps the model's own rule.
    """

    def extra(m: pyo.ConcreteModel, data: ModelData) -> None:
        """Bound the peak below by P0 and busy nodes by the headroom; the last state above the floor."""
        m.peak.setlb(min(peak0_kw, data.import_limit_kw))
        for t in m.T:
            m.busy[t].setub(min(busy_cap, float(data.nodes)))
        if soc_floor_kwh is not None and data.battery is not None:
            m.c_soc_end.deactivate()
            m.c_horizon_end_soc = pyo.Constraint(expr=m.soc[data.n_steps - 1] >= soc_floor_kwh)

    return extra


def plan_day(
    profile: xr.Dataset, site: Site, jobs: Sequence[Job], settings: PlanSettings, extra: Extra
) -> Plan:
    """One rolling day's plan through the plan service's solve path (the baseline if no solution)."""
    return solve_rolling_day(profile, site, jobs, settings, extra)


# --- settlement ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settled:
    """Grid and renewable flows after settling a plan on the actual weather. [kW]"""

    import_kw: np.ndarray
    export_kw: np.ndarray
    renewable_kw: np.ndarray
    """PV and wind power taken (used on site or exported); the rest is curtailed. [kW]"""


def settle(
    facility_delta_kw: np.ndarray,
    plan_import_kw: np.ndarray,
    plan_export_kw: np.ndarray,
    plan_renewable_kw: np.ndarray,
    actual_available_kw: np.ndarray,
    export_limit_kw: float,
) -> Settled:
    """Balance the actual against the plan with the grid, keeping IT, setpoints and battery as planned.

    Balance: import - export + renewable + discharge - charge = facility. The plan's renewable r_p
    is taken as far as it is actually there, r = min(r_p, A); the imbalance
    d = facility_delta - (r - r_p) is met, when positive, by more renewable (up to A), then less
    export, then more import; when negative (a surplus), by less import, then more export (up to
    the limit and the renewable taken: export leaves through the renewables' meter), then
    curtailment; a surplus beyond all renewable (the plan's battery discharge above the actual
    load) is exported. With d = 0 every flow is the plan's.
    """
    imp = plan_import_kw.astype(float).copy()
    exp = plan_export_kw.astype(float).copy()
    ren = np.minimum(plan_renewable_kw, actual_available_kw)
    need = facility_delta_kw - (ren - plan_renewable_kw)
    short = np.clip(need, 0.0, None)
    more_ren = np.minimum(short, np.clip(actual_available_kw - ren, 0.0, None))
    ren, short = ren + more_ren, short - more_ren
    less_exp = np.minimum(short, exp)
    exp, short = exp - less_exp, short - less_exp
    imp = imp + short
    surplus = np.clip(-need, 0.0, None)
    less_imp = np.minimum(surplus, imp)
    imp, surplus = imp - less_imp, surplus - less_imp
    more_exp = np.minimum(surplus, np.clip(np.minimum(export_limit_kw, ren) - exp, 0.0, None))
    exp, surplus = exp + more_exp, surplus - more_exp
    curtail = np.minimum(surplus, ren)
    ren, surplus = ren - curtail, surplus - curtail
    # left over only when the battery's planned discharge exceeds the load: it leaves as export
    return Settled(imp, exp + surplus, ren)


# --- the rolling horizon over one chunk ----------------------------------------------------------------


def start_soc_kwh(case: DailyCase, step: int) -> float:
    """Battery energy at the start of ``step`` in the aggregate optimum (cyclic: step 0 <- last). [kWh]"""
    soc = case.boundary_soc_kwh
    if len(soc) == 0 or case.sizes["battery_kwh"] <= 0:
        return 0.0
    floor = case.problem.min_soc_frac * case.sizes["battery_kwh"]
    return float(np.clip(soc[(step - 1) % len(soc)], floor, case.sizes["battery_kwh"]))


def midnight_guide_kwh(case: DailyCase, first: int, last: int) -> float:
    """The chunk's battery guide: the aggregate optimum's mean state at the local midnights in it. [kWh]"""
    soc = case.boundary_soc_kwh
    if len(soc) == 0 or case.sizes["battery_kwh"] <= 0:
        return 0.0
    per_day = max(round(24.0 / case.problem.step_h), 1)
    return float(np.mean(soc[first + per_day - 1 : last : per_day])) if last - first >= per_day else 0.0


def unit_slice(case: DailyCase, first: int, last: int) -> xr.Dataset:
    """The actual unit profile over [first, last). [-]"""
    return case.unit_profile.isel(time=slice(first, last))


def planning_unit(case: DailyCase, actual: xr.Dataset, day_index: int) -> xr.Dataset:
    """What the day is planned on: the actual profile, or a seeded forecast of it."""
    if case.forecast_error is None:
        return actual
    rng = np.random.default_rng([case.seed, day_index])
    return forecast_profile(
        actual, case.site.cooling, case.forecast_error, rng, wind_rated_kw=case.wind_rated_kw
    )


def facility_coef(profile: xr.Dataset, loss_frac: float) -> np.ndarray:
    """Facility kW per nominal IT kW at each step and level: (1 + u_k)(1 + loss) + c[t,k]. [kW/kW]"""
    uplift = profile["it_fan_uplift"].to_numpy()
    return (1.0 + uplift)[None, :] * (1.0 + loss_frac) + profile["cooling_kw_per_kw"].to_numpy()


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
    loss = float(case.unit_profile.attrs["electrical_loss_frac"])
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
        )
        plan = plan_day(profile, site_day, jobs, settings, plan_hook(peak, cap, floor))
        _record_solver(result, plan)
        k = d1 - d0
        done = done_kwh(plan, times[d0], times[0] + pd.Timedelta(hours=d1 * dt), power)
        for job_id, kwh in done.items():
            remaining[job_id] = remaining.get(job_id, 0.0) - kwh
            result.done_kwh[job_id] = result.done_kwh.get(job_id, 0.0) + kwh
        day = commit(plan, profile, scaled_profile(actual, case, d0, site_d), k, power, loss)
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


def commit(
    plan: Plan, planned: xr.Dataset, actual: xr.Dataset, k: int, power: JobPower, loss_frac: float
) -> dict[str, np.ndarray]:
    """The first k steps of a plan settled on the actual profile: every series of a ChunkResult."""
    steps = plan.steps.iloc[:k]
    levels_c = planned["setpoint_c"].to_numpy()
    level = np.abs(steps["setpoint_c"].to_numpy()[:, None] - levels_c[None, :]).argmin(axis=1)
    rows = np.arange(k)
    flexible_kw = steps["busy_nodes"].to_numpy() * power.kw_above_idle_per_node
    coef_plan = facility_coef(planned, loss_frac)[:k][rows, level]
    coef_actual = facility_coef(actual, loss_frac)[:k][rows, level]
    it_nominal = steps["it_kw"].to_numpy() / (1.0 + planned["it_fan_uplift"].to_numpy()[level])
    available_plan = (planned["pv_kw"].to_numpy() + planned["wind_kw"].to_numpy())[:k]
    available_actual = (actual["pv_kw"].to_numpy() + actual["wind_kw"].to_numpy())[:k]
    renewable_plan = available_plan - steps["curtailed_kw"].to_numpy()
    flows = settle(
        (coef_actual - coef_plan) * it_nominal,
        steps["grid_import_kw"].to_numpy(),
        steps["grid_export_kw"].to_numpy(),
        renewable_plan,
        available_actual,
        float(actual.attrs["export_limit_kw"]),
    )
    return {
        "import_kw": flows.import_kw,
        "export_kw": flows.export_kw,
        "renewable_kw": flows.renewable_kw,
        "curtailed_kw": np.clip(available_actual - flows.renewable_kw, 0.0, None),
        "charge_kw": steps["battery_charge_kw"].to_numpy(),
        "discharge_kw": steps["battery_discharge_kw"].to_numpy(),
        "soc_kwh": steps["battery_soc_kwh"].to_numpy(),
        "flexible_kw": flexible_kw,
        "it_kw": it_nominal,
        "facility_kw": coef_actual * it_nominal,
        "level": level.astype(float),
    }


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
    coef = facility_coef(case.unit_profile, float(case.unit_profile.attrs["electrical_loss_frac"]))
    rows = np.arange(p.steps)
    uplift = case.unit_profile["it_fan_uplift"].to_numpy()
    choice = CoolingChoice(
        level=level,
        facility_kw_per_it_kw=coef[rows, level],
        it_kw_per_it_kw=1.0 + uplift[level],
        cooling_kw_per_it_kw=case.unit_profile["cooling_kw_per_kw"].to_numpy()[rows, level],
    )
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
