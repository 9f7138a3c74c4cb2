"""What one rolling day is planned on: the daily site, its job power, its profile, its model additions.

The inputs stage of the daily fidelity (``rolling``): a :class:`DailyCase` holds the fixed sizes and
the scenario's year; the functions here turn one day of it into the plan service's inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr
from greendc.optimizer.accounting import demand_share_of_month
from greendc.optimizer.day.model import ModelData
from greendc.optimizer.day.plan import Extra
from greendc.optimizer.study.problem import YearProblem
from greendc.optimizer.study.work import JobPower
from greendc.sites.forecast import forecast_profile
from greendc.sites.model import Battery, Site

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
    """Nodes flexible work may keep busy: headroom above rigid training (year_constraints.it_capacity). [-]"""
    headroom_kw = max(problem.training_capacity_kw - problem.rigid_training_kw, 0.0)
    return headroom_kw / power.kw_above_idle_per_node if power.kw_above_idle_per_node > 0 else 0.0


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
