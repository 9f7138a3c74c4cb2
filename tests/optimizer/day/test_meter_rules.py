"""One meter rule for the day plan and the year LP (issue 12, 4): the site's ``[grid] storage_export``.

Off (the default): no step exports more than its PV and wind surplus over the facility's load, so no
grid or battery energy is sold. On: the battery may export; grid power is never resold.
"""

from __future__ import annotations

import functools
from datetime import date

import numpy as np
import pytest
from greendc.optimizer.study.problem import SizeBounds, UnitCosts, YearProblem, fixed_sizes
from greendc.optimizer.study.year_constraints import surplus_bound_kw
from greendc.optimizer.study.year_solve import solve_year
from hypothesis import given, settings
from hypothesis import strategies as st

#: Tolerance on a kW flow of a solved LP. [kW]
KW_TOL = 1e-3


def random_problem(seed: int, hours: int, *, export_price: float, sizes: SizeBounds,
                   storage_export: bool = False, flexible_share: float = 0.3) -> YearProblem:
    """Two random days with a ToU price, PV, wind, a battery, flexible training and an export price."""
    rng = np.random.default_rng(seed)
    hour = np.arange(hours) % 24
    solar = np.where((hour >= 6) & (hour < 18), np.sin(np.pi * (hour - 6) / 12), 0.0)
    return YearProblem(
        price_per_kwh=np.where((hour >= 8) & (hour < 22), 0.9, 0.3) * rng.uniform(0.8, 1.2, hours),
        export_price_per_kwh=np.full(hours, export_price),
        carbon_kg_per_kwh=rng.uniform(0.4, 0.7, hours),
        pv_kw_per_kw=solar * rng.uniform(0.3, 1.0, hours),
        wind_kw_per_kw=rng.uniform(0.0, 0.6, hours),
        firm_it_kw=rng.uniform(600, 1200, hours),
        facility_kw_per_it_kw=rng.uniform(1.1, 1.4, hours),
        month=np.zeros(hours, dtype=int),
        training_kw=800.0,
        training_capacity_kw=1500.0,
        flexible_share=flexible_share,
        flex_windows_h=(4.0, 24.0),
        flex_shares=(0.5, 0.5),
        import_limit_kw=6000.0,
        export_limit_kw=800.0,
        demand_charge_per_kw_month=10.0,
        carbon_price_per_kg=0.05,
        sizes=sizes,
        unit_costs=UnitCosts(300.0, 600.0, 90.0, 40.0),
        storage_export=storage_export,
    )


def surplus_kw(series: dict[str, np.ndarray]) -> np.ndarray:
    """The PV and wind surplus over the facility's load at each step (renewables taken). [kW]"""
    return np.clip(series["renewable_kw"] - series["facility_kw"], 0.0, None)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), export_price=st.sampled_from([0.1, 0.35, 0.6, 1.5]),
       pv=st.floats(0.0, 4000.0), wind=st.floats(0.0, 2000.0), battery_kwh=st.floats(0.0, 6000.0))
def test_year_lp_exports_no_more_than_the_surplus_when_storage_export_is_off(
        seed: int, export_price: float, pv: float, wind: float, battery_kwh: float) -> None:
    """Dispatch (sizes fixed, training load fixed), any export price, even one that beats every import
    price: the year LP exports no kWh beyond the PV and wind surplus, so neither the battery nor the
    grid is sold: the first LP already holds the rule (sizes and load fixed, the cap U_t is exact)."""
    sizes = fixed_sizes({"pv_kw": pv, "wind_kw": wind, "battery_kwh": battery_kwh,
                         "battery_kw": battery_kwh / 4})
    p = random_problem(seed, 48, export_price=export_price, sizes=sizes, flexible_share=0.0)
    result = solve_year(p)
    assert result.status == "optimal" and result.lp_solves == 1
    s = result.series
    assert (s["export_kw"] <= surplus_kw(s) + KW_TOL).all()


@pytest.mark.parametrize("seed", [1, 2])
def test_sized_year_lp_exports_nothing_where_no_surplus_is_possible(seed: int) -> None:
    """Sizes to choose: no export where even the largest PV and wind cannot exceed the facility's least
    load, and never more than the renewables taken (the LP's form where a surplus is possible)."""
    sizes = SizeBounds((0, 3000), (0, 1500), (0, 8000), (0, 2000))
    p = random_problem(seed, 48, export_price=1.5, sizes=sizes)
    s = solve_year(p).series
    no_surplus = surplus_bound_kw(p) <= 0
    assert no_surplus.any() and (s["export_kw"][no_surplus] <= KW_TOL).all()
    assert (s["export_kw"] <= s["renewable_kw"] + KW_TOL).all()


def test_storage_export_on_lets_the_battery_export_but_never_the_grid() -> None:
    """Export at 1.5 beats every import price: with storage export on the battery sells, bought
    grid power never is (export <= renewables taken + discharge); off, nothing beyond the surplus."""
    sizes = fixed_sizes({"pv_kw": 2000.0, "wind_kw": 500.0, "battery_kwh": 6000.0, "battery_kw": 1500.0})
    on = solve_year(random_problem(3, 48, export_price=1.5, sizes=sizes, storage_export=True)).series
    off_result = solve_year(random_problem(3, 48, export_price=1.5, sizes=sizes))
    off = off_result.series
    assert (on["export_kw"] <= on["renewable_kw"] + on["discharge_kw"] + KW_TOL).all()
    assert (on["export_kw"] > surplus_kw(on) + 1.0).any()  # the battery's energy is sold
    assert (off["export_kw"] <= surplus_kw(off) + KW_TOL).all()
    on_cost = solve_year(random_problem(3, 48, export_price=1.5, sizes=sizes, storage_export=True)).objective
    assert on_cost <= off_result.objective + 1e-6  # the setting only widens what may be done


@functools.cache
def surplus_day() -> date:
    """The first day from 1 Dec 2026 on which the year LP of Zhongwei's day sells a surplus, so the rule
    is tested where it binds (which days are sunny or windy enough follows the synthetic year)."""
    for day in range(1, 29):
        _inputs, _profile, year = zhongwei_day(0.0, date(2026, 12, day))
        if solve_year(year).series["export_kw"].sum() > 0:
            return date(2026, 12, day)
    raise AssertionError("no December day with a PV and wind surplus at Zhongwei")


def zhongwei_day(flexible_share: float, plan_date: date | None = None):  # type: ignore[no-untyped-def]
    """Zhongwei on ``plan_date`` (default ``surplus_day()``; storage export off; export 0.2595 CNY/kWh
    beats the 0.18 valley), its inputs and profile, and the year LP of that one day: same prices, PV,
    wind, battery and load."""
    from greendc.optimizer.day.inputs import profile_for, read_inputs
    from greendc.optimizer.study.site_problem import cooling_choice
    from greendc.optimizer.types import PlanSettings

    inputs = read_inputs("zhongwei", plan_date=plan_date or surplus_day(), jobs_path=None, weather_path=None,
                         settings=PlanSettings(time_limit_s=30.0), site_defaults=["carbon_price_per_t"])
    site, profile = inputs.site, profile_for(inputs)
    battery = site.battery
    assert not site.grid.storage_export and battery is not None
    price, export_price = profile["price_per_kwh"].to_numpy(), profile["export_price_per_kwh"].to_numpy()
    assert (export_price > price).any()  # a day where selling stored or bought energy would pay
    span = site.it.nodes * (site.it.node_busy_kw - site.it.node_idle_kw)
    year = YearProblem(
        price_per_kwh=price, export_price_per_kwh=export_price,
        carbon_kg_per_kwh=profile["carbon_kg_per_kwh"].to_numpy(),
        pv_kw_per_kw=profile["pv_kw"].to_numpy(), wind_kw_per_kw=profile["wind_kw"].to_numpy(),
        firm_it_kw=profile["firm_it_kw"].to_numpy() + site.it.nodes * site.it.node_idle_kw,
        facility_kw_per_it_kw=cooling_choice(profile).facility_kw_per_it_kw,
        month=np.zeros(len(price), dtype=int), training_kw=0.5 * span, training_capacity_kw=span,
        flexible_share=flexible_share, flex_windows_h=(24.0,), flex_shares=(1.0,),
        import_limit_kw=site.grid.import_limit_kw, export_limit_kw=site.grid.export_limit_kw,
        carbon_price_per_kg=inputs.settings.carbon_price_per_t / 1000,
        charge_efficiency=battery.charge_efficiency, discharge_efficiency=battery.discharge_efficiency,
        min_soc_frac=battery.min_soc_frac, step_h=inputs.settings.step_minutes / 60,
        storage_export=site.grid.storage_export,
        sizes=fixed_sizes({"pv_kw": 1.0, "wind_kw": 1.0, "battery_kwh": battery.energy_kwh,
                           "battery_kw": battery.power_kw}),
    )
    return inputs, profile, year


@pytest.mark.slow
def test_the_day_plan_and_the_year_lp_hold_the_same_rule_on_the_same_day() -> None:
    """The same day planned by both models: neither exports more than the PV and wind surplus at any
    step (the year LP with its training load fixed, as the day plan's baseline load)."""
    from greendc.optimizer.day.plan import make_plan

    inputs, profile, year = zhongwei_day(flexible_share=0.0)
    plan = make_plan(profile, inputs.site, inputs.jobs, inputs.settings)
    steps = plan.steps
    renewable = steps["pv_kw"] + steps["wind_kw"] - steps["curtailed_kw"]
    day_surplus = (renewable - steps["facility_kw"]).clip(lower=0)
    assert (steps["grid_export_kw"] <= day_surplus + KW_TOL).all()
    result = solve_year(year)
    assert result.status == "optimal"
    s = result.series
    assert s["export_kw"].sum() > 0  # the LP does sell the surplus it has
    assert (s["export_kw"] <= surplus_kw(s) + KW_TOL).all()


def test_year_lp_with_flexible_training_holds_the_rule_by_its_repair() -> None:
    """The same day with 30 % of the training flexible: the first LP buys grid power for the moved
    training while it sells the PV and wind surplus; the repair's second LP exports nothing beyond the
    surplus, and costs at least the first (its bound), since it only forbids."""
    _inputs, _profile, year = zhongwei_day(flexible_share=0.3)
    result = solve_year(year)
    assert result.status == "optimal" and result.lp_solves >= 2 and result.meter_resold_kwh > 0
    s = result.series
    assert (s["export_kw"] <= surplus_kw(s) + KW_TOL).all()
    assert s["export_kw"].sum() > 0  # it still sells the surplus it has
    assert result.objective >= result.meter_bound - 1e-6 * abs(result.meter_bound)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), export_price=st.sampled_from([0.1, 0.35, 0.6, 1.5]),
       flexible=st.sampled_from([0.3, 0.8]), storage_export=st.booleans())
def test_sized_year_lp_with_flexible_training_never_resells(
        seed: int, export_price: float, flexible: float, storage_export: bool) -> None:
    """Sizes to choose and flexible training, any export price: no step exports bought energy (with
    storage export off, nor stored energy): export <= renewables taken (+ discharge) - facility load."""
    sizes = SizeBounds((0, 3000), (0, 1500), (0, 8000), (0, 2000))
    p = random_problem(seed, 48, export_price=export_price, sizes=sizes, storage_export=storage_export,
                       flexible_share=flexible)
    result = solve_year(p)
    assert result.status == "optimal"
    s = result.series
    stored = s["discharge_kw"] if storage_export else 0.0
    surplus = np.clip(s["renewable_kw"] + stored - s["facility_kw"], 0.0, None)
    assert (s["export_kw"] <= surplus + 1e-2).all()
    assert result.objective >= result.meter_bound - 1e-6 * abs(result.meter_bound)


def two_step_problem(*, pv_step0_kw: float = 100.0) -> YearProblem:
    """Worked by hand: 100 kWh of training to run in two 1-h steps (at most 100 kW a step, facility =
    IT), PV only in step 0, import 0.1 then 0.3, export 0.5 in both, no battery, no carbon price."""
    return YearProblem(
        price_per_kwh=np.array([0.1, 0.3]), export_price_per_kwh=np.array([0.5, 0.5]),
        carbon_kg_per_kwh=np.zeros(2), pv_kw_per_kw=np.array([pv_step0_kw, 0.0]),
        wind_kw_per_kw=np.zeros(2), firm_it_kw=np.zeros(2), facility_kw_per_it_kw=np.ones(2),
        month=np.zeros(2, dtype=int), training_kw=50.0, training_capacity_kw=100.0, flexible_share=1.0,
        flex_windows_h=(2.0,), flex_shares=(1.0,), export_limit_kw=1000.0,
        sizes=fixed_sizes({"pv_kw": 1.0, "wind_kw": 0.0, "battery_kwh": 0.0, "battery_kw": 0.0}),
    )


def test_repair_reaches_the_hand_worked_optimum_of_a_two_step_day() -> None:
    """The LP relaxes the meter: it runs the training in step 0 on grid power at 0.1 and sells the
    100 kWh of PV at 0.5, -50 + 10 = -40 (the bound). One meter allows either selling the PV in step 0
    and running the training in step 1 at 0.3 (-50 + 30 = -20), or running it on the PV in step 0
    (0): the optimum is -20, which the repair finds (its second rule: PV above the least load)."""
    result = solve_year(two_step_problem())
    assert result.meter_bound == pytest.approx(-40.0)
    assert result.meter_resold_kwh == pytest.approx(100.0)
    assert result.objective == pytest.approx(-20.0)
    s = result.series
    assert s["export_kw"] == pytest.approx([100.0, 0.0]) and s["import_kw"] == pytest.approx([0.0, 100.0])
    assert result.lp_solves == 3
