r"""From a site, its year profile and a scenario to the year LP's inputs (a :class:`YearProblem`).

The study treats each site as greenfield: the site file's PV, wind and battery give shapes and
efficiencies, the scenario's costs and limits size them (REopt's inputs stage; Anderson et al.,
*REopt Lite technical manual*, NREL 2021).

Cooling levels. The profile gives for each hour and setpoint level k the facility power per kW of
nominal IT load, ``f_tk = (1 + uplift_k)(1 + loss) + cooling_kw_per_kw_tk``. An LP may serve the
hour's IT load as a convex combination of levels (time-sharing within the hour, the continuous
relaxation of the daily MILP's one-level choice): facility = sum_k f_tk z_tk with sum_k z_tk = IT_t.
Since f_tk does not depend on any other decision, the optimum of that combination puts all load on
the level with the smallest f_tk (a linear objective over a simplex is minimised at a vertex), so
the LP uses ``f_t = min_k f_tk`` directly: exact, and K x T fewer columns. It assumes the operator
never spends energy on cooling for its own sake, which only negative prices could reward.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from greendc.optimizer.study.matrix import INF
from greendc.optimizer.study.problem import CoolingChoice, SizeBounds, UnitCosts, YearProblem
from greendc.optimizer.study.scenarios import Scenario
from greendc.optimizer.study.sizing import annualised_cost_per_unit
from greendc.sites.model import PV, Site, Wind


def per_kw_site(site: Site) -> Site:
    """The site with 1 kWp of PV and one turbine, so its profile gives output per unit installed.

    A site without PV or wind gets the defaults of ``greendc.sites.model.PV`` / ``Wind`` (south-facing 30 deg
    tilt; the E-82/2350 turbine at 100 m). The study treats each site as greenfield: the site file's
    PV, wind and battery give shapes and efficiencies, the study sizes them.
    """
    pv = (site.pv or PV(kwp=1.0)).model_copy(update={"kwp": 1.0})
    wind = (site.wind or Wind(count=1)).model_copy(update={"count": 1})
    return site.model_copy(update={"pv": pv, "wind": wind})


def level_facility_kw_per_it_kw(profile: xr.Dataset) -> np.ndarray:
    """Facility kW per nominal IT kW at each step and level: (1 + u_k)(1 + loss) + c[t,k]. [kW/kW]"""
    uplift = profile["it_fan_uplift"].to_numpy()
    loss = float(profile.attrs["electrical_loss_frac"])
    return (1.0 + uplift)[None, :] * (1.0 + loss) + profile["cooling_kw_per_kw"].to_numpy()


def choice_at_levels(profile: xr.Dataset, level: np.ndarray) -> CoolingChoice:
    """What running each step at the given level index implies per kW of nominal IT load."""
    rows = np.arange(len(level))
    return CoolingChoice(
        level,
        level_facility_kw_per_it_kw(profile)[rows, level],
        1.0 + profile["it_fan_uplift"].to_numpy()[level],
        profile["cooling_kw_per_kw"].to_numpy()[rows, level],
    )


def cooling_choice(profile: xr.Dataset, fixed_setpoint_c: float | None = None) -> CoolingChoice:
    """The least-facility-power level at each step (see module doc), or a fixed setpoint (today's way)."""
    facility = level_facility_kw_per_it_kw(profile)
    if fixed_setpoint_c is None:
        level = np.argmin(facility, axis=1)
    else:
        levels = list(profile["setpoint_c"].to_numpy())
        level = np.full(facility.shape[0], levels.index(fixed_setpoint_c))
    return choice_at_levels(profile, level)


def local_month_index(profile: xr.Dataset) -> np.ndarray:
    """Local calendar month 0..11 of each step, for monthly demand charges and monthly PUE. [-]"""
    times = (
        pd.DatetimeIndex(profile["time"].to_numpy()).tz_localize("UTC").tz_convert(profile.attrs["timezone"])
    )
    return np.asarray(times.month, dtype=int) - 1


def it_scale(site: Site, scenario: Scenario) -> float:
    """Factor that scales the site's IT fleet, firm load and import limit to the scenario's IT size. [-]"""
    return 1.0 if scenario.it_mw is None else scenario.it_mw * 1000.0 / site.it.max_it_kw


#: The limit key of each size, in the scenario's [limits] and the site's [sizing]. [-]
LIMIT_KEYS = {
    "pv_kw": "pv_max_kw",
    "wind_kw": "wind_max_kw",
    "battery_kwh": "battery_max_kwh",
    "battery_kw": "battery_max_kw",
}


def binding_limits(scenario: Scenario, site: Site | None = None) -> dict[str, tuple[float, float, str]]:
    """Per size: (lower, upper, the name of the upper limit), the tighter of scenario and site.

    The name is the scenario's key (``pv_max_kw``) or the site's (``sizing.pv_max_kw``) when the
    site's is tighter. Raises ValueError when a scenario's minimum exceeds the site's maximum.
    """
    lim = scenario.limits
    own = site.sizing if site is not None and site.sizing is not None else None
    out = {}
    for size, key in LIMIT_KEYS.items():
        low, high = getattr(lim, key.replace("_max_", "_min_")), getattr(lim, key)
        cap = getattr(own, key) if own is not None else None
        if cap is not None and low > cap:
            raise ValueError(f"the scenario's minimum {low:g} is above the site's sizing.{key} {cap:g}")
        out[size] = (low, high, key) if cap is None or high <= cap else (low, cap, f"sizing.{key}")
    return out


def size_bounds(scenario: Scenario, site: Site | None = None) -> SizeBounds:
    """The scenario's size limits within the site's own (``[sizing]``), or all zero when grid only.

    Raises ValueError naming the size when a scenario's minimum exceeds the site's maximum.
    """
    limits = binding_limits(scenario, site)
    if not scenario.renewables:
        return SizeBounds()
    return SizeBounds(**{size: (low, high) for size, (low, high, _) in limits.items()})


def unit_costs(scenario: Scenario) -> UnitCosts:
    """Annualised cost per unit of each size after the capital subsidy (greendc.optimizer.study.sizing)."""
    r, share = scenario.discount_rate, scenario.subsidies.capex_share
    return UnitCosts(
        *(
            annualised_cost_per_unit(capex, om, r, life, share)
            for capex, om, life in scenario.costs.by_size().values()
        )
    )


def year_problem(
    site: Site,
    profile: xr.Dataset,
    scenario: Scenario,
    *,
    pv_kw_per_kw: np.ndarray,
    wind_kw_per_kw: np.ndarray,
    business_as_usual: bool = False,
    site_rate: float = 1.0,
) -> tuple[YearProblem, CoolingChoice]:
    """The YearProblem of a site under a scenario, optimised or business as usual.

    Business as usual (REopt's BAU): grid only, no deferral, the plant at its baseline setpoint, no
    minimum green share. ``site_rate`` converts the site's prices (tariff, export price, demand
    charge) into the study's reporting currency (greendc.optimizer.study.currency); the scenario
    is already in it.
    Nominal IT load: firm load plus every training node idle, plus training above idle at the
    scenario's utilisation (``nodes (busy - idle) u``), of which the flexible share may move.
    """
    scale = it_scale(site, scenario)
    it = site.it
    grid = site.grid
    choice = cooling_choice(profile, site.cooling.baseline_c if business_as_usual else None)
    carbon = profile["carbon_kg_per_kwh"].to_numpy()
    if scenario.emission_factor_kg_per_kwh is not None and grid.emission_factor_kg_per_kwh > 0:
        carbon = carbon * scenario.emission_factor_kg_per_kwh / grid.emission_factor_kg_per_kwh
    training_span_kw = scale * it.nodes * (it.node_busy_kw - it.node_idle_kw)
    eta = float(np.sqrt(scenario.costs.battery_round_trip_efficiency))
    export_limit = scenario.export_limit_kw if scenario.export_limit_kw is not None else grid.export_limit_kw
    problem = YearProblem(
        price_per_kwh=profile["price_per_kwh"].to_numpy() * scenario.tariff_scale * site_rate,
        export_price_per_kwh=(
            np.full(profile.sizes["time"], scenario.export_price_per_kwh)
            if scenario.export_price_per_kwh is not None
            else profile["export_price_per_kwh"].to_numpy() * site_rate
        ),
        carbon_kg_per_kwh=carbon,
        pv_kw_per_kw=np.asarray(pv_kw_per_kw, dtype=float),
        wind_kw_per_kw=np.asarray(wind_kw_per_kw, dtype=float),
        firm_it_kw=scale * (profile["firm_it_kw"].to_numpy() + it.nodes * it.node_idle_kw),
        facility_kw_per_it_kw=choice.facility_kw_per_it_kw,
        month=local_month_index(profile),
        training_kw=scenario.training_utilisation * training_span_kw,
        training_capacity_kw=training_span_kw,
        flexible_share=0.0 if business_as_usual else scenario.flexible_share,
        flex_windows_h=tuple(float(c.window_h) for c in scenario.flex_classes),
        flex_shares=tuple(c.share for c in scenario.flex_classes),
        import_limit_kw=scale * grid.import_limit_kw,
        export_limit_kw=export_limit,
        storage_export=bool(grid.storage_export),
        demand_charge_per_kw_month=(
            scenario.demand_charge_per_kw_month
            if scenario.demand_charge_per_kw_month is not None
            else grid.demand_charge_per_kw_month * site_rate
        ),
        carbon_price_per_kg=scenario.carbon_price_per_t / 1000.0,
        green_power_price_per_kwh=scenario.subsidies.green_power_price_per_kwh,
        charge_efficiency=eta,
        discharge_efficiency=eta,
        min_soc_frac=scenario.costs.battery_min_soc_frac,
        sizes=SizeBounds() if business_as_usual else size_bounds(scenario, site),
        unit_costs=unit_costs(scenario),
        step_h=float(profile.attrs["step_minutes"]) / 60.0,
        min_green_share=0.0 if business_as_usual else scenario.min_green_share,
        green_purchase_price_per_kwh=(
            INF if scenario.green_purchase_price_per_kwh is None else scenario.green_purchase_price_per_kwh
        ),
    )
    return problem, choice
