"""One site under one scenario, a year of it: the inputs every scenario of a site shares, the year LPs
of business as usual and of the optimum, their KPIs and the NPV between them.

These are the functions a study's Dask tasks run (``greendc.workflows.compare``); they are plain
functions of picklable values, so they run as well in a test or a benchmark without Dask.
Business as usual is REopt's BAU (Anderson et al., *REopt Lite technical manual*, NREL 2021): grid
only, no deferral, the plant at its baseline setpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from greendc.optimizer.study.economics import (
    ECONOMICS_UNITS,
    analysis_years,
    capex_by_tech,
    gpu_hour_kpis,
    investment_kpis,
    operating_cost,
    tech_life,
)
from greendc.optimizer.study.growth import increments, plan_stages, staged_cash_flows
from greendc.optimizer.study.investment import irr, npv, payback_years
from greendc.optimizer.study.kpis import KPI_UNITS, cost_kpis, year_dataset
from greendc.optimizer.study.problem import SIZE_NAMES, CoolingChoice, YearProblem, YearResult
from greendc.optimizer.study.scenarios import Scenario
from greendc.optimizer.study.site_problem import it_scale, per_kw_site, year_problem
from greendc.optimizer.study.sizing import HOURS_PER_YEAR
from greendc.optimizer.study.year_solve import solve_year
from greendc.sites.loader import load_site, resolve_site_path
from greendc.sites.model import Site
from greendc.sites.profile import default_weather, site_profile
from greendc.sites.renewables import turbine_rated_kw, wind_data_basis


@dataclass(frozen=True)
class SiteInputs:
    """What every scenario of one site shares: the site and its year profile with per-kW renewables."""

    site: Site
    profile: xr.Dataset
    pv_kw_per_kw: np.ndarray
    """PV AC output per kWp. [kW/kWp]"""
    wind_kw_per_kw: np.ndarray
    """Wind output per kW of turbine rating. [kW/kW]"""
    site_rate: float = 1.0
    """Units of the study's reporting currency per unit of the site's currency. [-]"""


def wind_rated_kw(site: Site) -> float:
    """Rating of the one turbine of the site's per-kW twin (``per_kw_site``). [kW]"""
    wind = per_kw_site(site).wind
    assert wind is not None
    return turbine_rated_kw(wind.turbine_type)


def site_inputs(site_ref: str, year: int, seed: int, site_rate: float = 1.0) -> SiteInputs:
    """One site's synthetic weather year and profile, with PV per kWp and wind per kW (a Dask task)."""
    site = load_site(site_ref)
    unit = per_kw_site(site)
    weather = default_weather(site, year=year, seed=seed)
    # a relative emission_series_file is relative to the site file's folder
    profile = site_profile(unit, weather, base_dir=resolve_site_path(site_ref).parent)
    wind_per_kw = profile["wind_kw"].to_numpy() / wind_rated_kw(site)
    return SiteInputs(site, profile, profile["pv_kw"].to_numpy(), wind_per_kw, site_rate)


def case_problem(inputs: SiteInputs, scenario: Scenario, bau: bool) -> tuple[YearProblem, CoolingChoice]:
    """The aggregate year LP of a site and scenario, BAU or optimum, unsolved: (problem, cooling choice)."""
    return year_problem(
        inputs.site,
        inputs.profile,
        scenario,
        pv_kw_per_kw=inputs.pv_kw_per_kw,
        wind_kw_per_kw=inputs.wind_kw_per_kw,
        business_as_usual=bau,
        site_rate=inputs.site_rate,
    )


def solve_case(
    inputs: SiteInputs, scenario: Scenario, bau: bool
) -> tuple[YearProblem, YearResult, CoolingChoice]:
    """The aggregate year LP of a site and scenario, BAU or optimum, solved: (problem, result, choice)."""
    problem, choice = case_problem(inputs, scenario, bau)
    result = solve_year(problem)
    if result.status != "optimal":
        raise RuntimeError(f"{'business-as-usual' if bau else 'optimal'} year LP: {result.status}")
    return problem, result, choice


def case_dataset(
    inputs: SiteInputs, scenario: Scenario, bau: bool
) -> tuple[xr.Dataset, YearProblem, YearResult]:
    """The solved year LP of a site and scenario as its KPI dataset, and the problem and result behind it."""
    problem, result, choice = solve_case(inputs, scenario, bau)
    return year_dataset(inputs.site, inputs.profile, scenario, problem, result, choice), problem, result


def site_scenario_year(inputs: SiteInputs, scenario: Scenario) -> xr.Dataset:
    """Business as usual and the optimum of one site under one scenario, with KPIs and NPV (a Dask task).

    A scenario with a growth horizon (``horizon_years`` > 1) is planned year by year
    (:func:`staged_years`).
    """
    if scenario.horizon_years > 1:
        return staged_years(inputs, scenario)
    bau, _, _ = case_dataset(inputs, scenario, True)
    opt, problem, _ = case_dataset(inputs, scenario, False)
    return with_bau(opt, bau, inputs.site, scenario, problem.steps * problem.step_h)


def wind_station_normals_only(site: Site) -> bool:
    """True when the site's wind rests only on its 10 m climate-station normals (no hub-height resource).

    The rule of ``greendc.sites.renewables.wind_data_basis``: a wind farm with
    ``resource_mean_speed_ms`` runs on a hub-height resource; anything else, including the study's
    per-kW turbine at a site with no farm, on sheltered station speeds, which say nothing about the
    wind potential. [-]
    """
    wind = site.wind
    return not (wind is not None and wind.count > 0 and wind.resource_mean_speed_ms is not None)


def staged_years(inputs: SiteInputs, scenario: Scenario) -> xr.Dataset:
    """A growth horizon planned year by year (greendc.optimizer.study.growth): the last, grown year's
    dataset and KPIs, the investment case of the staged builds, and the sizes and costs of every year.

    NPV, IRR and paybacks come from the staged cash flows (each year's builds at its start, each
    year's own saving, the last year's repeated to the analysis period's end); ``staged_*`` arrays
    over ``growth_year`` give each year's cumulative sizes, IT scale and costs.
    """
    years, growth = scenario.horizon_years, scenario.it_growth_per_year
    opt_problem, choice = case_problem(inputs, scenario, False)
    bau_problem, bau_choice = case_problem(inputs, scenario, True)
    stages = plan_stages(opt_problem, years, growth)
    bau_stages = plan_stages(bau_problem, years, growth)
    costs = [cost_kpis(p, r, scenario) for p, r in stages]
    bau_costs = [cost_kpis(p, r, scenario)["total_cost"] for p, r in bau_stages]
    (last, last_result), (bau_last, bau_result) = stages[-1], bau_stages[-1]
    opt = year_dataset(inputs.site, inputs.profile, scenario, last, last_result, choice)
    bau = year_dataset(inputs.site, inputs.profile, scenario, bau_last, bau_result, bau_choice)
    ds = with_bau(opt, bau, inputs.site, scenario, last.steps * last.step_h, growth ** (years - 1))
    sizes = [dict(r.sizes) for _, r in stages]
    share = scenario.subsidies.capex_share
    capex_by_year = [
        {tech: c * (1.0 - share) for tech, c in capex_by_tech(step, scenario.costs).items()}
        for step in increments(sizes)
    ]
    savings = [b - operating_cost(c, scenario) for c, b in zip(costs, bau_costs, strict=True)]
    flows = staged_cash_flows(
        capex_by_year, tech_life(scenario.costs), scenario.discount_rate, analysis_years(scenario), savings
    )
    r = scenario.discount_rate
    staged = {
        "annual_saving": savings[-1],
        "npv_vs_bau": npv(flows, r),
        "irr": irr(flows) if flows[0] < 0 else float("nan"),
        "simple_payback_years": payback_years(flows),
        "discounted_payback_years": payback_years(flows, r),
    }
    for name, value in staged.items():
        ds[name] = ((), float(value), {"units": ECONOMICS_UNITS[name]})
    ds["horizon_years"] = ((), float(years), {"units": "yr"})
    ds["it_growth_per_year"] = ((), float(growth), {"units": "1"})
    per_year = {
        **{f"staged_{n}": [s[n] for s in sizes] for n in SIZE_NAMES},
        "staged_it_scale": [growth**y for y in range(years)],
        "staged_total_cost": [c["total_cost"] for c in costs],
        "staged_bau_total_cost": bau_costs,
        "staged_saving": savings,
        "staged_capex_net": [sum(c.values()) for c in capex_by_year],
    }
    units = {**{f"staged_{n}": KPI_UNITS[n] for n in SIZE_NAMES}, "staged_it_scale": "1"}
    for name, values in per_year.items():
        ds[name] = ("growth_year", np.asarray(values, dtype=float), {"units": units.get(name, "currency")})
    ds = ds.assign_coords(growth_year=np.arange(1, years + 1))
    ds.attrs["staged_sizes"] = staged_sizes_text(sizes)
    return ds


def staged_sizes_text(sizes: list[dict[str, float]]) -> str:
    """Each growth year's cumulative sizes in one line, e.g. 'y1 PV 200 kWp, wind 0 kW, battery 0 kWh /
    0 kW; y2 ...' (kpis.csv's ``staged_sizes``). [-]"""
    return "; ".join(
        f"y{y} PV {s['pv_kw']:,.0f} kWp, wind {s['wind_kw']:,.0f} kW, "
        f"battery {s['battery_kwh']:,.0f} kWh / {s['battery_kw']:,.0f} kW"
        for y, s in enumerate(sizes, start=1)
    )


def with_bau(
    opt: xr.Dataset,
    bau_ds: xr.Dataset,
    site: Site,
    scenario: Scenario,
    hours: float = HOURS_PER_YEAR,
    growth_scale: float = 1.0,
) -> xr.Dataset:
    """The optimum's dataset with business as usual's KPIs (``bau_`` prefix), the investment case
    against it, GPU-hour costs, vouchers, the PUE check and the site's place."""
    scalars = [name for name, v in bau_ds.data_vars.items() if v.ndim == 0]
    for name in scalars:
        opt[f"bau_{name}"] = bau_ds[name]
    kpis = {name: float(v) for name, v in opt.data_vars.items() if v.ndim == 0}
    extra = investment_kpis(kpis, float(bau_ds["total_cost"]), scenario)
    extra.update(gpu_hour_kpis(kpis, site, scenario, it_scale(site, scenario) * growth_scale, hours))
    for name, value in extra.items():
        opt[name] = ((), float(value), {"units": ECONOMICS_UNITS[name]})
    opt["bau_monthly_pue"] = bau_ds["monthly_pue"]
    opt["wind_station_normals_only"] = ((), float(wind_station_normals_only(site)), {"units": "1"})
    opt["horizon_years"] = ((), 1.0, {"units": "yr"})
    opt["it_growth_per_year"] = ((), 1.0, {"units": "1"})
    opt.attrs["wind_data"] = wind_data_basis(site)
    loc = site.site
    opt.attrs.update(
        site=loc.id,
        scenario=scenario.name,
        name=loc.name,
        province=loc.province,
        latitude=loc.latitude,
        longitude=loc.longitude,
        currency=scenario.currency,
    )
    return opt
