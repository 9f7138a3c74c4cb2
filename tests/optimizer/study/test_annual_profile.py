"""From a hand-built site profile and a scenario to the year LP and its KPIs (inputs and results stages)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from greendc.optimizer.study.kpis import year_dataset
from greendc.optimizer.study.scenarios import Scenario
from greendc.optimizer.study.site_problem import cooling_choice, year_problem
from greendc.optimizer.study.year_solve import solve_year
from greendc.sites import load_site

HOURS = 72


def hand_profile() -> xr.Dataset:
    """Three days with the contract's variables: a ToU price, a solar-shaped PV, two cooling levels."""
    hour = np.arange(HOURS) % 24
    sun = np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None)
    cooling = np.stack([np.full(HOURS, 0.30), 0.20 + 0.15 * sun], axis=1)  # level 1 worse at midday
    mode = np.stack([np.full(HOURS, 2), np.where(sun > 0.5, 1, 0)], axis=1).astype(np.int8)
    times = pd.date_range("2025-06-30 16:00", periods=HOURS, freq="h")  # local midnight, 1 July (UTC+8)
    ds = xr.Dataset(
        {
            "price_per_kwh": ("time", np.where((hour >= 8) & (hour < 20), 0.8, 0.3)),
            "export_price_per_kwh": ("time", np.full(HOURS, 0.2)),
            "carbon_kg_per_kwh": ("time", np.full(HOURS, 0.6)),
            "pv_kw": ("time", 0.8 * sun),
            "wind_kw": ("time", np.full(HOURS, 0.3)),
            "firm_it_kw": ("time", np.full(HOURS, 4000.0)),
            "temp_air_c": ("time", 20 + 8 * sun),
            "temp_wet_bulb_c": ("time", 15 + 4 * sun),
            "cooling_kw_per_kw": (("time", "level"), cooling),
            "it_fan_uplift": ("level", np.array([0.0, 0.02])),
            "cooling_mode": (("time", "level"), mode),
        },
        coords={"time": times, "setpoint_c": ("level", [21.0, 27.0])},
    )
    ds.attrs.update(
        site_id="zhongwei",
        timezone="Asia/Shanghai",
        step_minutes=60,
        currency="CNY",
        electrical_loss_frac=0.035,
        demand_charge_per_kw_month=28.0,
        import_limit_kw=30000.0,
        export_limit_kw=10000.0,
    )
    return ds


def test_cooling_choice_takes_the_least_facility_power_level() -> None:
    profile = hand_profile()
    best = cooling_choice(profile)
    facility = (1 + np.array([0.0, 0.02]))[None, :] * 1.035 + profile["cooling_kw_per_kw"].to_numpy()
    assert best.facility_kw_per_it_kw == pytest.approx(facility.min(axis=1))
    baseline = cooling_choice(profile, 21.0)
    assert (baseline.level == 0).all() and baseline.facility_kw_per_it_kw == pytest.approx(facility[:, 0])


@pytest.mark.parametrize("bau", [True, False])
def test_kpis_add_up_and_match_the_objective(bau: bool) -> None:
    site = load_site("zhongwei")
    profile = hand_profile()
    scenario = Scenario(name="s", carbon_price_per_t=300.0)
    problem, choice = year_problem(
        site,
        profile,
        scenario,
        pv_kw_per_kw=profile["pv_kw"].to_numpy(),
        wind_kw_per_kw=profile["wind_kw"].to_numpy(),
        business_as_usual=bau,
    )
    result = solve_year(problem)
    ds = year_dataset(site, profile, scenario, problem, result, choice)
    assert float(ds["total_cost"]) == pytest.approx(result.objective, rel=1e-6)
    loss = 0.035 * ds["it_kw"]
    assert (ds["it_kw"] + ds["cooling_kw"] + loss).to_numpy() == pytest.approx(
        ds["facility_kw"].to_numpy(), rel=1e-5
    )
    assert float(ds["pue"]) == pytest.approx(float(ds["facility_energy_mwh"] / ds["it_energy_mwh"]))
    # nominal IT: firm 4000 + 2000 idle nodes x 1.5 kW + training above idle 2000 x 6.3 x 0.8 kW
    nominal_mwh = (4000 + 3000 + 2000 * 6.3 * 0.8) * HOURS / 1000
    assert float((ds["it_kw"] / (1 + 0.02 * (ds["setpoint_c"] == 27.0))).sum()) / 1000 == pytest.approx(
        nominal_mwh, rel=1e-6
    )
    assert float(ds["carbon_t"]) == pytest.approx(0.6 * float(ds["import_mwh"]), rel=1e-6)
    if bau:
        assert (
            (ds["setpoint_c"] == 21.0).all()
            and float(ds["pv_kw"]) == 0.0
            and float(ds["deferred_mwh"]) == 0.0
        )
    else:
        assert float(ds["pv_kw"]) + float(ds["wind_kw"]) > 0  # cheap enough at 300 CNY/t over a summer
