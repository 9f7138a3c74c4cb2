"""Demand growth: a two-year horizon with staged builds, planned year by year, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from greendc.optimizer.study.growth import grown_problem, increments, plan_stages, staged_cash_flows
from greendc.optimizer.study.investment import irr, npv, payback_years
from greendc.optimizer.study.problem import SizeBounds, UnitCosts
from greendc.optimizer.study.scenarios import parse_scenarios
from greendc.weather.errors import InputError
from test_annual import per_horizon, solar, toy


def pv_toy(hours: int = 48):
    """test_annual's PV toy: 100 kW flat load, 0.5 kW/kWp by day, each kWp costs 6 over the 2 days."""
    return toy(
        hours,
        pv_kw_per_kw=solar(hours),
        sizes=SizeBounds(pv_kw=(0.0, 1000.0)),
        unit_costs=UnitCosts(pv_per_kw_year=per_horizon(6.0, hours)),
    )


def test_two_growing_years_by_hand() -> None:
    # Year 1: PV meets the 100 kW day load, 0.5 S = 100 -> 200 kWp; cost 100 x 24 night h + 200 x 6 = 3600.
    # Year 2, load doubled: 0.5 S = 200 -> 400 kWp (200 more); cost 200 x 24 + 400 x 6 = 7200.
    stages = plan_stages(pv_toy(), 2, 2.0)
    assert [r.sizes["pv_kw"] for _, r in stages] == pytest.approx([200.0, 400.0], abs=1e-3)
    assert [r.objective for _, r in stages] == pytest.approx([3600.0, 7200.0], rel=1e-6)
    assert stages[1][0].firm_it_kw[0] == 200.0 and stages[1][0].sizes.pv_kw == pytest.approx((200.0, 1000.0))
    added = increments([r.sizes for _, r in stages])
    assert [s["pv_kw"] for s in added] == pytest.approx([200, 200], abs=1e-3)


def test_what_is_built_stays_when_demand_falls() -> None:
    # Halved in year 2 the load (50 kW) alone would want 100 kWp (cost 50 x 24 + 100 x 6 = 1800), but
    # the 200 kWp of year 1 stay: cost 50 x 24 + 200 x 6 = 2400, and nothing is built.
    stages = plan_stages(pv_toy(), 2, 0.5)
    assert stages[1][1].sizes["pv_kw"] == pytest.approx(200.0, abs=1e-3)
    assert stages[1][1].objective == pytest.approx(2400.0, rel=1e-6)
    assert increments([r.sizes for _, r in stages])[1]["pv_kw"] == pytest.approx(0.0, abs=1e-3)


def test_a_lower_bound_never_exceeds_the_limit() -> None:
    grown = grown_problem(pv_toy(), 3.0, {"pv_kw": 1200.0})
    assert grown.sizes.pv_kw == (1000.0, 1000.0) and grown.import_limit_kw == np.inf


def test_staged_cash_flows_npv_irr_payback_by_hand() -> None:
    # 100 built at t = 0 and 50 at t = 1, both with a 2-year life, N = 2, r = 10 %; saving 60 in
    # year 1, 120 in year 2. The second build has one year left at N: salvage
    # 50 CRF(10 %, 2) AF(10 %, 1) = 50 x 0.576190 x 0.909091 = 26.190476.
    flows = staged_cash_flows(
        [{"pv": 100.0}, {"pv": 50.0}], {"pv": 2.0}, 0.10, 2, [60.0, 120.0]
    )
    assert flows == pytest.approx([-100.0, 10.0, 146.190476], abs=1e-6)
    assert npv(flows, 0.10) == pytest.approx(-100 + 10 / 1.1 + 146.190476 / 1.21, abs=1e-6)  # 29.9095
    # IRR: 146.190476 u^2 + 10 u - 100 = 0 with u = 1 / (1 + IRR)
    u = (-10 + np.sqrt(100 + 4 * 146.190476 * 100)) / (2 * 146.190476)
    assert irr(flows) == pytest.approx(1 / u - 1, abs=1e-6)  # 26.01 %
    assert payback_years(flows) == pytest.approx(1 + 90 / 146.190476, abs=1e-6)  # 1.616 years
    # a saving list shorter than N repeats its last year
    longer = staged_cash_flows([{"pv": 100.0}], {"pv": 10.0}, 0.10, 3, [60.0])
    assert longer[1:].tolist()[:2] == pytest.approx([60.0, 60.0])


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("it_growth_per_year = 2", "it_growth_per_year: it_growth_per_year = 2 needs horizon_years > 1"),
        ("analysis_years = 2\nhorizon_years = 3", "horizon_years = 3 exceeds analysis_years = 2"),
        ("it_mw = 300\nhorizon_years = 3\nit_growth_per_year = 2", "reaches 1,200 MW in year 3"),
        ("horizon_years = 0", "horizon_years: Input should be greater than or equal to 1"),
    ],
)
def test_inconsistent_growth_is_refused_in_one_line(keys: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_scenarios(f'[[scenario]]\nname = "g"\n{keys}\n', file="s.toml")
    text = str(info.value)
    assert message in text and "\n" not in text and text.startswith("s.toml: scenario 'g': ")


def test_a_site_grown_two_years() -> None:
    """Zhongwei, PV and wind (no battery: a quick LP), IT doubling: the staged case adds up."""
    from greendc.optimizer.study.cases import site_inputs, site_scenario_year
    from greendc.optimizer.study.economics import tech_life
    from greendc.optimizer.study.scenarios import Limits, Scenario

    limits = Limits(battery_max_kwh=0.0, battery_max_kw=0.0, pv_max_kw=40_000.0)
    inputs = site_inputs("zhongwei", 2025, 0)
    one = site_scenario_year(inputs, Scenario(name="one", limits=limits, analysis_years=10))
    grown = site_scenario_year(
        inputs,
        Scenario(name="two", limits=limits, analysis_years=10, horizon_years=2, it_growth_per_year=2.0),
    )
    assert grown["staged_it_scale"].values.tolist() == [1.0, 2.0]
    # year 1 of the horizon is the one-year scenario's year
    assert float(grown["staged_total_cost"][0]) == pytest.approx(float(one["total_cost"]), rel=1e-6)
    assert float(grown["staged_pv_kw"][1]) >= float(grown["staged_pv_kw"][0]) - 1e-6
    # the reported year is the grown one: twice the GPU-hours, and more IT energy
    assert float(grown["gpu_hours"]) == pytest.approx(2 * float(one["gpu_hours"]))
    assert float(grown["it_energy_mwh"]) > 1.9 * float(one["it_energy_mwh"])
    # NPV recomputed from the staged arrays by the formula of docs/compare.md
    c = Scenario(name="c").costs
    sizes = [{n: float(grown[f"staged_{n}"][y]) for n in ("pv_kw", "wind_kw", "battery_kwh", "battery_kw")}
             for y in range(2)]
    capex = [{"pv": s["pv_kw"] * c.pv_capex_per_kw, "wind": s["wind_kw"] * c.wind_capex_per_kw,
              "battery": 0.0} for s in increments(sizes)]
    flows = staged_cash_flows(capex, tech_life(c), 0.06, 10, grown["staged_saving"].values.tolist())
    assert float(grown["npv_vs_bau"]) == pytest.approx(npv(flows, 0.06), rel=1e-9)
    assert grown.attrs["staged_sizes"].startswith("y1 PV ") and "; y2 PV " in grown.attrs["staged_sizes"]
