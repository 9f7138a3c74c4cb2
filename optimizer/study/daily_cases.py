"""The daily fidelity of one site under one scenario, in the three steps a study runs as Dask tasks.

:func:`daily_setup` solves the aggregate year LPs (business as usual, and the optimum for the
sizes and the months' starting battery states); :func:`daily_month` runs the daily MILP on a
rolling horizon over one local calendar month (``greendc.optimizer.study.rolling``); the months
are independent, so they run in parallel; :func:`daily_year` joins them into the year's dataset
with its KPIs, business as usual, the NPV and the daily run's own facts (docs/compare.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import xarray as xr
from greendc.optimizer.study.cases import SiteInputs, case_dataset, wind_rated_kw, with_bau
from greendc.optimizer.study.daily_inputs import DailyCase
from greendc.optimizer.study.kpis import year_dataset
from greendc.optimizer.study.rolling import ChunkResult, combine, month_chunks, run_chunk
from greendc.optimizer.study.scenarios import Scenario
from greendc.optimizer.study.site_problem import it_scale

#: Units of the daily fidelity's own KPIs.
DAILY_UNITS = {
    "aggregate_total_cost": "currency",
    "daily_vs_aggregate_cost_frac": "1",
    "forecast_error": "1",
    "daily_solves": "1",
    "daily_optimal": "1",
    "daily_fallbacks": "1",
    "daily_max_gap": "1",
    "daily_solve_s": "s",
    "daily_build_s": "s",
    "boundary_surplus_kwh": "kWh",
    "unmet_work_kwh": "kWh",
    "import_over_limit_h": "h",
    "plan_energy_cost": "currency",
}


@dataclass(frozen=True)
class DailySetup:
    """The aggregate solves a daily site-scenario starts from: sizes, month states, business as usual."""

    case: DailyCase
    """What every month of the daily run needs. [-]"""
    bau: xr.Dataset
    """Business as usual (no decisions: the same under both fidelities). [-]"""
    aggregate_total_cost: float
    """The aggregate LP's optimum: perfect foresight over the year (a lower bound). [currency]"""


def daily_setup(
    inputs: SiteInputs, scenario: Scenario, forecast_error: float | None, seed: int
) -> DailySetup:
    """Sizes and month-start battery states from the aggregate optimum; BAU from its LP (a Dask task)."""
    bau, _, _ = case_dataset(inputs, scenario, True)
    aggregate, problem, result = case_dataset(inputs, scenario, False)
    case = DailyCase(
        site=inputs.site,
        unit_profile=inputs.profile,
        problem=problem,
        sizes=result.sizes,
        boundary_soc_kwh=result.series["soc_kwh"],
        it_scale=it_scale(inputs.site, scenario),
        carbon_price_per_t=scenario.carbon_price_per_t,
        wind_rated_kw=wind_rated_kw(inputs.site),
        forecast_error=forecast_error,
        seed=seed,
    )
    return DailySetup(case, bau, float(aggregate["total_cost"]))


def daily_month(setup: DailySetup, month: int) -> ChunkResult | None:
    """The rolling-horizon daily MILP over one local calendar month (0-11), None if outside (a Dask task)."""
    for first, last in month_chunks(setup.case.problem):
        if int(setup.case.problem.month[first]) == month:
            return run_chunk(setup.case, first, last)
    return None


def daily_year(
    inputs: SiteInputs, scenario: Scenario, setup: DailySetup, *months: ChunkResult | None
) -> xr.Dataset:
    """The year of the daily fidelity from its months: KPIs, BAU, NPV, the daily facts (a Dask task)."""
    daily = combine(setup.case, [m for m in months if m is not None])
    ds = year_dataset(inputs.site, inputs.profile, scenario, setup.case.problem, daily.result, daily.choice)
    facts = dict(daily.facts)
    facts["aggregate_total_cost"] = setup.aggregate_total_cost
    facts["daily_vs_aggregate_cost_frac"] = float(ds["total_cost"]) / setup.aggregate_total_cost - 1.0
    error = setup.case.forecast_error
    facts["forecast_error"] = float("nan") if error is None else float(error)
    for name, value in facts.items():
        ds[name] = ((), float(value), {"units": DAILY_UNITS[name]})
    return with_bau(ds, setup.bau, inputs.site, scenario)
