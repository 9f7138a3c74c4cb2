"""Study KPIs: energy, PUE, water, cost breakdown, carbon, renewables and flexibility of a solved year.

The results stage of the annual study: a solved :class:`greendc.optimizer.study.problem.YearResult` plus its
inputs become one labelled xarray Dataset (series over time, KPIs as scalars, monthly PUE over a
``month`` dimension) with units in attrs. Every cost term is recomputed from the series, so the
breakdown adds up to the LP objective (a test checks it).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from greendc.optimizer.study.problem import SIZE_NAMES, CoolingChoice, YearProblem, YearResult
from greendc.optimizer.study.scenarios import Scenario
from greendc.optimizer.study.site_problem import binding_limits
from greendc.optimizer.study.sizing import capital_recovery_factor
from greendc.sites import cooling
from greendc.sites.model import Site

#: A size within this share of its upper bound is reported at it. [-]
AT_LIMIT_FRAC = 0.005

#: Units of every KPI (results.nc attrs and the columns of kpis.csv).
KPI_UNITS: dict[str, str] = {
    "it_energy_mwh": "MWh",
    "cooling_energy_mwh": "MWh",
    "facility_energy_mwh": "MWh",
    "pue": "1",
    "free_cooling_h": "h",
    "water_m3": "m3",
    "wue_l_per_kwh": "L/kWh",
    "import_mwh": "MWh",
    "export_mwh": "MWh",
    "peak_import_kw": "kW",
    "energy_cost": "currency",
    "demand_cost": "currency",
    "carbon_cost": "currency",
    "capital_annuity": "currency",
    "om_cost": "currency",
    "subsidy": "currency",
    "export_revenue": "currency",
    "green_purchase_cost": "currency",
    "total_cost": "currency",
    "carbon_t": "tCO2",
    "carbon_kg_per_mwh_it": "kgCO2/MWh",
    "renewable_share": "1",
    "renewable_mwh": "MWh",
    "green_purchase_mwh": "MWh",
    "green_share": "1",
    "curtailed_mwh": "MWh",
    "curtailment_frac": "1",
    "deferred_mwh": "MWh",
    "pv_kw": "kWp",
    "wind_kw": "kW",
    "battery_kwh": "kWh",
    "battery_kw": "kW",
    "pv_yield_kwh_per_kwp": "kWh/kWp",
    "wind_capacity_factor": "1",
    **{f"{size}_at_limit": "1" for size in SIZE_NAMES},
    "pv_kw_shadow_per_year": "currency/kWp/yr",
    "wind_kw_shadow_per_year": "currency/kW/yr",
    "battery_kwh_shadow_per_year": "currency/kWh/yr",
    "battery_kw_shadow_per_year": "currency/kW/yr",
    "one_meter_gap": "currency",
}

#: Units of the series kept per step in results.nc.
SERIES_UNITS: dict[str, str] = {
    "facility_kw": "kW",
    "it_kw": "kW",
    "cooling_kw": "kW",
    "import_kw": "kW",
    "export_kw": "kW",
    "renewable_kw": "kW",
    "curtailed_kw": "kW",
    "battery_soc_kwh": "kWh",
    "flexible_kw": "kW",
    "setpoint_c": "degC",
}


def it_and_cooling_kw(result: YearResult, choice: CoolingChoice) -> tuple[np.ndarray, np.ndarray]:
    """Actual IT power (fan uplift included) and cooling-plant power from the nominal IT load. [kW]"""
    it_nominal = result.series["it_kw"]
    return it_nominal * choice.it_kw_per_it_kw, it_nominal * choice.cooling_kw_per_it_kw


def energy_kpis(problem: YearProblem, result: YearResult, choice: CoolingChoice) -> dict[str, float]:
    """Annual IT, cooling and facility energy and PUE (The Green Grid 2012: facility / IT energy)."""
    dt = problem.step_h
    it_kw, cooling_kw = it_and_cooling_kw(result, choice)
    facility_kw = result.series["facility_kw"]
    return {
        "it_energy_mwh": float(it_kw.sum() * dt / 1000.0),
        "cooling_energy_mwh": float(cooling_kw.sum() * dt / 1000.0),
        "facility_energy_mwh": float(facility_kw.sum() * dt / 1000.0),
        "pue": float(facility_kw.sum() / it_kw.sum()),
    }


def monthly_pue(problem: YearProblem, result: YearResult, choice: CoolingChoice) -> np.ndarray:
    """PUE of each local calendar month (NaN for a month outside the horizon). [-]"""
    it_kw, _ = it_and_cooling_kw(result, choice)
    facility = np.bincount(problem.month, weights=result.series["facility_kw"], minlength=12)
    it = np.bincount(problem.month, weights=it_kw, minlength=12)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(it > 0, facility / np.where(it > 0, it, 1.0), np.nan)


def tower_water_m3(
    site: Site,
    temp_air_c: np.ndarray,
    temp_wet_bulb_c: np.ndarray,
    it_nominal_kw: np.ndarray,
    level: np.ndarray,
    step_h: float,
) -> float:
    """Cooling-tower evaporation and blow-down over the horizon. [m3]

    Heat rejected through a wet tower per kW of nominal IT comes from the plant model
    (``cooling.CoolingCoefficients.tower_heat_kw_per_kw``: a water-side economiser's share, a
    water-cooled chiller's condenser heat with its compressor work, none for dry coolers or the
    dry-cooled liquid loop). Water = heat x the plant's ``water_l_per_kwh_rejected`` (about
    1.5-2 L/kWh: evaporation ~1.5 L/kWh of latent heat at 2,400 kJ/kg plus blow-down; Shehabi et al.
    2016, LBNL-1005775, data-centre water use).
    """
    plant = site.cooling
    coeffs = cooling.cooling_coefficients(temp_air_c, temp_wet_bulb_c, plant)
    heat_kwh = it_nominal_kw * np.asarray(coeffs.tower_heat_kw_per_kw)[np.arange(len(level)), level]
    return float(np.sum(heat_kwh) * step_h * plant.water_l_per_kwh_rejected / 1000.0)


def cost_kpis(problem: YearProblem, result: YearResult, scenario: Scenario) -> dict[str, float]:
    """Cost over the horizon broken into its terms; total_cost equals the LP objective. [currency]

    total = energy + demand + carbon + capital annuity + O&M + green purchases - subsidy - export
    revenue, with the capital annuity gross of the subsidy and the subsidy = capex share x annuity
    + green-power premium.
    """
    dt = problem.step_h
    s = result.series
    share = problem.year_share
    sizes = result.sizes
    r = scenario.discount_rate
    costs = scenario.costs.by_size()
    capex_annual = (
        sum(capex * capital_recovery_factor(r, life) * sizes[k] for k, (capex, _, life) in costs.items())
        * share
    )
    om = sum(om_per_unit * sizes[k] for k, (_, om_per_unit, _) in costs.items()) * share
    peaks = np.zeros(12)
    np.maximum.at(peaks, problem.month, s["import_kw"])
    terms = {
        "energy_cost": float(np.sum(problem.price_per_kwh * s["import_kw"]) * dt),
        "demand_cost": float(problem.demand_charge_per_kw_month * peaks.sum()),
        "carbon_cost": float(
            problem.carbon_price_per_kg * np.sum(problem.carbon_kg_per_kwh * s["import_kw"]) * dt
        ),
        "capital_annuity": float(capex_annual),
        "om_cost": float(om),
        "subsidy": float(
            scenario.subsidies.capex_share * capex_annual
            + problem.green_power_price_per_kwh * (s["renewable_kw"] - s["export_kw"]).sum() * dt
        ),
        "export_revenue": float(np.sum(problem.export_price_per_kwh * s["export_kw"]) * dt),
        "green_purchase_cost": (
            problem.green_purchase_price_per_kwh * result.green_purchase_kwh if problem.can_buy_green else 0.0
        ),
    }
    terms["total_cost"] = (
        terms["energy_cost"]
        + terms["demand_cost"]
        + terms["carbon_cost"]
        + terms["capital_annuity"]
        + terms["om_cost"]
        + terms["green_purchase_cost"]
        - terms["subsidy"]
        - terms["export_revenue"]
    )
    return terms


def carbon_and_renewable_kpis(
    problem: YearProblem, result: YearResult, it_energy_mwh: float
) -> dict[str, float]:
    """Location-based carbon (grid import x hourly intensity, no credit for export), renewable share
    of facility energy, curtailment and deferred training energy."""
    dt = problem.step_h
    s = result.series
    carbon_kg = float(np.sum(problem.carbon_kg_per_kwh * s["import_kw"]) * dt)
    available = problem.available_kw(result.sizes)
    curtailed = np.clip(available - s["renewable_kw"], 0.0, None)
    used_on_site = max(float(s["renewable_kw"].sum() - s["export_kw"].sum()), 0.0)
    baseline_flexible = problem.flexible_share * problem.training_kw
    facility_kwh = float(s["facility_kw"].sum() * dt)
    return {
        "renewable_mwh": float(s["renewable_kw"].sum() * dt / 1000.0),
        "green_purchase_mwh": result.green_purchase_kwh / 1000.0,
        "green_share": (used_on_site * dt + result.green_purchase_kwh) / facility_kwh,
        "carbon_t": carbon_kg / 1000.0,
        "carbon_kg_per_mwh_it": carbon_kg / it_energy_mwh if it_energy_mwh > 0 else float("nan"),
        "import_mwh": float(s["import_kw"].sum() * dt / 1000.0),
        "export_mwh": float(s["export_kw"].sum() * dt / 1000.0),
        "peak_import_kw": float(s["import_kw"].max()),
        "renewable_share": used_on_site / float(s["facility_kw"].sum()),
        "curtailed_mwh": float(curtailed.sum() * dt / 1000.0),
        "curtailment_frac": float(curtailed.sum() / available.sum()) if available.sum() > 0 else 0.0,
        "deferred_mwh": float(np.clip(s["flexible_kw"] - baseline_flexible, 0.0, None).sum() * dt / 1000.0),
    }


def size_limit_kpis(problem: YearProblem, result: YearResult) -> dict[str, float]:
    """Per size: 1 when it sits at a positive upper bound (else 0), and that bound's shadow value.

    Within AT_LIMIT_FRAC of the bound counts as at it: an interior point stops short of a vertex
    where the cost hardly changes near the bound. The shadow value is what one more unit of the
    bound would save a year, net of the unit's own cost (the LP dual;
    YearResult.size_shadow_per_year). [-, currency/unit/yr]
    """
    out = {}
    for size in SIZE_NAMES:
        upper = getattr(problem.sizes, size)[1]
        at_limit = upper > 0 and result.sizes[size] >= upper * (1.0 - AT_LIMIT_FRAC)
        out[f"{size}_at_limit"] = float(at_limit)
        out[f"{size}_shadow_per_year"] = result.size_shadow_per_year.get(size, 0.0) if at_limit else 0.0
    return out


def no_room_kpis(kpis: dict[str, float], site: Site, scenario: Scenario) -> dict[str, float]:
    """Sizes the scenario would build but the site has no room for (``sizing.<key> = 0``): at that limit.

    Its shadow value is NaN: at a bound of zero the LP's dual is degenerate (any value between 0 and
    the unit's worth prices the same vertex), so it says nothing about what one unit would save. [-]
    """
    if not scenario.renewables:
        return dict(kpis)
    out = {}
    for size, (_low, high, name) in binding_limits(scenario, site).items():
        if name.startswith("sizing.") and high == 0 and getattr(scenario.limits, name[len("sizing."):]) > 0:
            out[f"{size}_at_limit"] = 1.0
            out[f"{size}_shadow_per_year"] = float("nan")
    return {**kpis, **out}


def at_limit_text(kpis: dict[str, float], site: Site, scenario: Scenario) -> str:
    """The limits sizes sit at, by their keys ("pv_max_kw; sizing.wind_max_kw"), or "". [-]"""
    names = binding_limits(scenario, site)
    return "; ".join(names[size][2] for size in SIZE_NAMES if kpis.get(f"{size}_at_limit", 0.0) > 0)


def year_dataset(
    site: Site,
    profile: xr.Dataset,
    scenario: Scenario,
    problem: YearProblem,
    result: YearResult,
    choice: CoolingChoice,
) -> xr.Dataset:
    """One site-scenario year as a Dataset: series over time, KPIs as scalars, monthly PUE, units in attrs."""
    it_kw, cooling_kw = it_and_cooling_kw(result, choice)
    available = problem.available_kw(result.sizes)
    series = {
        "facility_kw": result.series["facility_kw"],
        "it_kw": it_kw,
        "cooling_kw": cooling_kw,
        "import_kw": result.series["import_kw"],
        "export_kw": result.series["export_kw"],
        "renewable_kw": result.series["renewable_kw"],
        "curtailed_kw": np.clip(available - result.series["renewable_kw"], 0.0, None),
        "battery_soc_kwh": result.series["soc_kwh"],
        "flexible_kw": result.series["flexible_kw"],
        "setpoint_c": profile["setpoint_c"].to_numpy()[choice.level],
    }
    kpis = energy_kpis(problem, result, choice)
    kpis["free_cooling_h"] = float(
        np.sum(profile["cooling_mode"].to_numpy()[np.arange(problem.steps), choice.level] == 0)
        * problem.step_h
    )
    kpis["water_m3"] = tower_water_m3(
        site,
        profile["temp_air_c"].to_numpy(),
        profile["temp_wet_bulb_c"].to_numpy(),
        result.series["it_kw"],
        choice.level,
        problem.step_h,
    )
    kpis["wue_l_per_kwh"] = kpis["water_m3"] / kpis["it_energy_mwh"] if kpis["it_energy_mwh"] > 0 else 0.0
    kpis.update(cost_kpis(problem, result, scenario))
    # the most the one-meter repair may have given away, a year (year_solve.solve_year)
    kpis["one_meter_gap"] = (result.objective - result.meter_bound) / problem.year_share
    kpis.update(carbon_and_renewable_kpis(problem, result, kpis["it_energy_mwh"]))
    kpis.update(result.sizes)
    kpis.update(no_room_kpis(size_limit_kpis(problem, result), site, scenario))
    kpis["pv_yield_kwh_per_kwp"] = float(
        problem.pv_kw_per_kw.sum() * problem.step_h * 8760.0 / (problem.steps * problem.step_h)
    )
    kpis["wind_capacity_factor"] = float(problem.wind_kw_per_kw.mean())
    data: dict[str, tuple[object, ...]] = {
        name: ("time", np.asarray(v, dtype=np.float32)) for name, v in series.items()
    }
    data.update({name: ((), float(value)) for name, value in kpis.items()})
    data["monthly_pue"] = ("month", monthly_pue(problem, result, choice))
    ds = xr.Dataset(data, coords={"time": profile["time"].to_numpy(), "month": np.arange(1, 13)})
    for name, unit in {**SERIES_UNITS, **KPI_UNITS, "monthly_pue": "1"}.items():
        ds[name].attrs["units"] = unit
    ds.attrs.update(
        solve_s=result.solve_s,
        build_s=result.build_s,
        at_limit=at_limit_text(kpis, site, scenario),
        lp_solves=result.lp_solves,
    )
    return ds
